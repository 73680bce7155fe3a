"""The tumour form: site, morphology, TNM staging and pathology. The form is
flat; `fields()` builds the nested shape the tumours collection stores."""
from wtforms import ValidationError
from wtforms.validators import InputRequired, NumberRange, Optional

from webapp.domain import codes, consistency, records, validators
from webapp.forms.common import (
    CodeField,
    FiniteDecimalField,
    VersionedForm,
    date,
    for_stored,
    integer,
    notes_for,
    text,
    value,
)

CLINICAL_PREFIX = {k: v for k, v in codes.TNM_PREFIX.items() if k.endswith("c")}
PATHOLOGICAL_PREFIX = {k: v for k, v in codes.TNM_PREFIX.items() if k.endswith("p")}
STAGES = records.TNM_STAGES
PATHOLOGY = records.PATHOLOGY_FIELDS
# Each form field and where the tumours collection keeps it.
PATHS = {
    **{k: k for k in ("tumour_type", "icd10_code", "site", "snomed_morphology_code", "diagnosis_date")},
    "tnm_version": "tnm_staging.tnm_version",
    **{f"{stage}_{part}": f"tnm_staging.{stage}.{part}" for stage in STAGES for part in records.TNM_PARTS},
    **{name: f"pathology.{name}" for name in PATHOLOGY},
}


REGRESSION_HINT = ("For rectal cancer after neo-adjuvant (chemo)radiotherapy: the pathologist's grade of the "
                   "resection specimen, as the RCPath colorectal dataset reports it. TRG 0: no viable cancer "
                   "cells; 1: single cells or rare small groups; 2: residual cancer with evident regression; "
                   "3: extensive residual cancer. Leave it blank when there was no neo-adjuvant treatment.")


def _site_choices():
    out = dict(codes.COLORECTAL_SITES)
    out.update({k: f"{v} (not in NBOCA's scope)" for k, v in codes.OUT_OF_SCOPE_SITES.items()})
    return out


class TumourForm(VersionedForm):
    tumour_type = CodeField("Tumour type", codes.TUMOUR_TYPE, validators=[InputRequired(message="Choose one.")])
    icd10_code = CodeField(
        "Primary site (ICD-10)", _site_choices(), validators=[InputRequired(message="Choose the site.")]
    )
    site = text(
        "Site description",
        max_length=100,
        description="Leave blank to use the ICD-10 site; for a metastasis, where it is (e.g. Liver).",
    )
    snomed_morphology_code = CodeField("Morphology (SNOMED CT)", codes.SNOMED_MORPHOLOGY)
    diagnosis_date = date("Diagnosis date", required=True)
    tnm_version = CodeField("TNM version", codes.TNM_VERSION)
    clinical_prefix = CodeField("Clinical prefix", CLINICAL_PREFIX)
    clinical_t = CodeField("Clinical T", codes.T_CATEGORY)
    clinical_n = CodeField("Clinical N", codes.N_CATEGORY)
    clinical_m = CodeField("Clinical M", codes.M_CATEGORY)
    pathological_prefix = CodeField("Pathological prefix", PATHOLOGICAL_PREFIX)
    pathological_t = CodeField("Pathological T", codes.T_CATEGORY)
    pathological_n = CodeField("Pathological N", codes.N_CATEGORY)
    pathological_m = CodeField("Pathological M", codes.M_CATEGORY)
    grade = CodeField("Grade of differentiation", codes.GRADE)
    lymph_nodes_examined = integer("Lymph nodes examined", 0, 200)
    lymph_nodes_positive = integer("Lymph nodes positive", 0, 200)
    crm_status = CodeField("CRM status", codes.CRM_STATUS)
    crm_distance_mm = FiniteDecimalField(
        "CRM distance (mm)",
        places=1,
        validators=[Optional(), NumberRange(min=0, max=200, message="Enter a distance from 0 to 200 mm.")],
    )
    emvi = CodeField("EMVI", codes.EMVI)
    regression_grade = CodeField(
        "Tumour regression grade (AJCC/CAP TRG)", codes.TUMOUR_REGRESSION_GRADE, blank="Not graded",
        description=REGRESSION_HINT)

    def validate_lymph_nodes_positive(self, field):
        message = validators.nodes_consistent(self.lymph_nodes_examined.data, field.data)
        if message:
            raise ValidationError(message)

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        problems = consistency.tumour({"crm_status": value(self.crm_status), "crm_distance_mm": (
            float(self.crm_distance_mm.data) if self.crm_distance_mm.data is not None else None)})
        for name, message in problems:
            self[name].errors = list(self[name].errors) + [message]
        return ok and not problems

    def fields(self):
        staging = {"tnm_version": value(self.tnm_version)}
        for stage in STAGES:
            staging[stage] = {part: value(self[f"{stage}_{part}"]) for part in records.TNM_PARTS}
        pathology = {name: value(self[name]) for name in PATHOLOGY}
        if pathology["crm_distance_mm"] is not None:
            pathology["crm_distance_mm"] = float(pathology["crm_distance_mm"])
        code = self.icd10_code.data
        return {
            "tumour_type": value(self.tumour_type),
            "site": self.site.data or codes.ICD10_SITES.get(code),
            "icd10_code": code,
            "snomed_morphology_code": value(self.snomed_morphology_code),
            "tnm_staging": staging,
            "pathology": pathology,
            "diagnosis_date": value(self.diagnosis_date),
        }

    @classmethod
    def for_record(cls, tumour):
        return for_stored(cls, tumour, PATHS)

    def with_notes(self, tumour):
        return notes_for(self, tumour, PATHS)
