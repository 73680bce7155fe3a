"""The IMPACT adoption profile is data the engine trusts: it must parse, name
only canonical fields we have, and map only to codes our code lists hold."""
import tomllib
from datetime import datetime
from pathlib import Path

import pytest
from wtforms import BooleanField
from wtforms.fields.core import UnboundField

from webapp.domain import codes, treatments, validators
from webapp.forms.common import CodeField, RealDateField, YesNoField
from webapp.forms.episodes import EpisodeForm
from webapp.forms.patients import PatientForm
from webapp.forms.treatments import FORMS, TreatmentForm
from webapp.forms.tumours import PATHOLOGY, STAGES, TumourForm

PROFILE = Path(__file__).resolve().parents[2] / "webapp" / "migration" / "profiles" / "impact.toml"
COLLECTIONS = ("patients", "episodes", "tumours", "treatments")
ODS_FIELDS = {("treatments", "provider_organisation"), ("episodes", "provider_organisation")}


def _tumour_path(name):
    """A TumourForm field's stored path (TumourForm.fields() nests them)."""
    if name == "tnm_version":
        return "tnm_staging.tnm_version"
    for stage in STAGES:
        if name.startswith(stage + "_"):
            return f"tnm_staging.{stage}.{name[len(stage) + 1:]}"
    return f"pathology.{name}" if name in PATHOLOGY else name


def _unbound(*form_classes):
    out = {}
    for cls in form_classes:
        for name in dir(cls):
            attr = getattr(cls, name, None)
            if isinstance(attr, UnboundField) and name != "version":
                out[name] = attr
    return out


def _canonical():
    """{collection: {stored field: its form field (UnboundField) or None}}."""
    tumour = {_tumour_path(k): v for k, v in _unbound(TumourForm).items()}
    treatment = _unbound(TreatmentForm, *FORMS.values())
    # No longer asked by the forms (read through treatments.reconciled into
    # the treatment date and adjunctive therapy), still held by legacy data.
    treatment.update(start_date=UnboundField(RealDateField, "Start date"),
                     chemo_timing=UnboundField(CodeField, "Timing", codes.CHEMO_TIMING))
    allowed = set(treatments.COMMON_FIELDS) | set(treatments.ALL_TYPE_FIELDS)
    return {
        "patients": _unbound(PatientForm),
        "episodes": _unbound(EpisodeForm),
        "tumours": tumour,
        "treatments": {k: v for k, v in treatment.items() if k in allowed},
    }


@pytest.fixture(scope="module")
def profile():
    with PROFILE.open("rb") as f:
        return tomllib.load(f)


@pytest.fixture(scope="module")
def canonical():
    return _canonical()


def test_parses_with_the_expected_sections(profile):
    assert profile["name"] == "impact" and profile["title"]
    assert {"encryption", "link", "fields", "dates", "values"} <= set(profile)
    assert "nan" in profile["null_values"]
    assert profile["encryption"]["prefix"] == "ENC:"
    link = profile["link"]
    assert link["patient_keys"][0] == "mrn" and link["episode_keys"] == ["episode_id", "_id"]
    assert link["child_id_arrays"] == {"tumours": "tumour_ids", "treatments": "treatment_ids"}
    for fmt in profile["date_formats"]:
        assert datetime.strptime(datetime(2024, 3, 5, 10, 1, 2, 345678).strftime(fmt), fmt).year == 2024


def test_every_canonical_field_exists(profile, canonical):
    for collection in COLLECTIONS:
        for field, paths in profile["fields"][collection].items():
            assert field in canonical[collection], f"{collection}.{field} is not one of our fields"
            assert paths and all(isinstance(p, str) and p for p in paths), f"{collection}.{field}"
    for collection, fields in profile["dates"].items():
        for field in fields:
            assert field in profile["fields"][collection], f"date {collection}.{field} has no paths"
            assert issubclass(canonical[collection][field].field_class, RealDateField), field
    for field in profile["encryption"]["fields"]:
        assert field in profile["fields"]["patients"]
    assert profile["fields"]["patients"]["mrn"] == ["mrn", "hospital_number", "record_number"]


def test_every_value_target_is_one_of_our_codes(profile, canonical):
    assert set(profile["values"]) <= set(COLLECTIONS)
    for collection, tables in profile["values"].items():
        for field, table in tables.items():
            assert field in profile["fields"][collection], f"values for unmapped {collection}.{field}"
            folded = [k.strip().casefold() for k in table]
            assert len(folded) == len(set(folded)), f"{collection}.{field}: keys equal ignoring case"
            form_field = canonical[collection][field]
            for legacy, target in table.items():
                where = f"{collection}.{field}: {legacy!r} -> {target!r}"
                assert legacy.strip().casefold() not in {v.casefold() for v in profile["null_values"]}, where
                if (collection, field) in ODS_FIELDS:
                    assert validators.normalise_ods(target) == target, where
                elif issubclass(form_field.field_class, (BooleanField, YesNoField)):
                    assert isinstance(target, bool), where
                else:
                    assert issubclass(form_field.field_class, CodeField), f"{where}: not a coded field"
                    assert target in form_field.args[1], where


def test_coded_vocabularies_are_covered(profile):
    """Section 9 of the legacy notes: each vocabulary with a canonical
    counterpart has a table."""
    want = {
        "patients": {"sex", "ethnic_category"},
        "episodes": {"referral_source", "care_plan_intent", "mdt_outcome", "performance_status", "status"},
        "tumours": {"icd10_code", "pathology.grade", "pathology.crm_status", "tnm_staging.clinical.t",
                    "tnm_staging.clinical.n", "tnm_staging.clinical.m", "tnm_staging.pathological.t",
                    "tnm_staging.pathological.n", "tnm_staging.pathological.m", "snomed_morphology_code"},
        "treatments": {"treatment_type", "treatment_intent", "surgical_access_type", "admission_type",
                       "ncepod_urgency", "asa_grade", "stoma", "clavien_dindo_grade", "anastomotic_leak_grade",
                       "chemo_timing", "radiotherapy_course", "return_to_theatre", "readmission_30d"},
    }
    for collection, fields in want.items():
        assert fields <= set(profile["values"][collection]), collection


@pytest.mark.parametrize("legacy, canonical", [("3", "3"), ("T3", "3"), ("4a", "4a"), ("T4a", "4a"), ("x", "X"),
                                               ("Tis", "is")])
def test_tnm_examples(profile, legacy, canonical):
    table = {k.casefold(): v for k, v in profile["values"]["tumours"]["tnm_staging.clinical.t"].items()}
    assert table[legacy.casefold()] == canonical
    assert "4" not in table  # T4 without a/b is ambiguous


def test_icd10_and_site_examples(profile):
    table = profile["values"]["tumours"]["icd10_code"]
    assert table["C187"] == table["C18.7"] == table["sigmoid_colon"] == "C18.7"
    assert table["rectum"] == "C20" and "C21" not in table
