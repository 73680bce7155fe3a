"""The IMPACT-shaped fixture: deterministic, every legacy variant present,
only test-range NHS numbers, and it loads into a real MongoDB-wire server."""
import re
import uuid
from collections import Counter

import bson
import pytest
from bson import ObjectId
from pymongo.errors import BulkWriteError, DuplicateKeyError

from tests.legacy import impact_shapes
from webapp import db
from webapp.domain import legacy_crypto, nhs_number

KEY = legacy_crypto.derive_key(b"fixture-key-file-text-not-a-real-key=======", bytes(range(16)))


@pytest.fixture(scope="module")
def plain():
    return impact_shapes.build()


@pytest.fixture(scope="module")
def encrypted():
    return impact_shapes.build(fernet_key=KEY)


def _get(doc, path):
    for part in path.split("."):
        if not isinstance(doc, dict):
            return None
        doc = doc.get(part)
    return doc


def _decrypted(value):
    return legacy_crypto.decrypt(value, KEY) if legacy_crypto.is_encrypted(value) else value


def test_same_seed_same_documents(plain):
    again = impact_shapes.build()
    for name in plain:
        assert [bson.encode(d) for d in again[name]] == [bson.encode(d) for d in plain[name]], name
    assert impact_shapes.expected(again) == impact_shapes.expected(plain)
    other = impact_shapes.build(seed=2)
    assert [d["_id"] for d in other["episodes"]] != [d["_id"] for d in plain["episodes"]]


def test_encrypted_build_decrypts_to_the_plain_one(plain, encrypted):
    for a, b in zip(plain["patients"], encrypted["patients"], strict=True):
        for path in ("mrn", "nhs_number", "hospital_number", "demographics.first_name",
                     "demographics.date_of_birth"):
            assert _decrypted(_get(b, path)) == _get(a, path)


def test_counts_and_proportions(plain):
    assert len(plain["episodes"]) == 2000
    writers = impact_shapes.expected(plain)["writers"]
    assert writers["importer"] > writers["api"] > writers["importer_encrypted"] > 0
    assert writers["era_a"] and writers["v4"]
    small = impact_shapes.build(episodes=37)
    assert len(small["episodes"]) == 37


def test_episodes_have_real_object_ids(plain):
    ids = [d["_id"] for d in plain["episodes"]]
    assert all(isinstance(i, ObjectId) for i in ids) and len(set(ids)) == len(ids)


def test_every_variant_is_present(plain, encrypted):
    patients, episodes = plain["patients"], plain["episodes"]
    tumours, treatments = plain["tumours"], plain["treatments"]
    # Patients.
    importer = [p for p in patients if "hospital_number" in p]
    assert any(re.fullmatch(r"[0-9A-F]{6}", p["patient_id"]) and isinstance(p["demographics"]["date_of_birth"], str)
               and re.fullmatch(r"\d{4}-\d\d-\d\d", p["demographics"]["date_of_birth"]) for p in importer)
    assert {p["demographics"]["gender"] for p in importer} == {"male", "female"}
    assert {p["demographics"]["ethnicity"] for p in importer} == {"Z"}
    assert any(p["demographics"]["deceased_date"] for p in importer)
    assert any(p["contact"]["postcode"] == "nan" and p["demographics"]["first_name"] == "nan" for p in importer)
    era_a = [p for p in patients if "record_number" in p]
    assert era_a and all(re.fullmatch(r"\d{3} \d{3} \d{4}", p["nhs_number"]) for p in era_a)
    assert any(p["record_number"].startswith("IW") for p in era_a)
    enc = encrypted["patients"]
    assert any(legacy_crypto.is_encrypted(p.get("nhs_number")) and legacy_crypto.is_encrypted(p.get("mrn"))
               and "nhs_number_hash" in p for p in enc)
    assert any(legacy_crypto.is_encrypted(_get(p, "demographics.first_name"))
               and legacy_crypto.is_encrypted(_get(p, "demographics.date_of_birth")) for p in enc)
    assert not any(legacy_crypto.is_encrypted(v) for p in patients for v in (p.get("mrn"), p.get("nhs_number")))
    no_mrn = [p for p in patients if p.get("mrn") is None]
    assert len(no_mrn) >= 2 and any("mrn" not in p for p in no_mrn) and any("mrn" in p for p in no_mrn)
    mrns = Counter(_decrypted(p["mrn"]) for p in enc if p.get("mrn"))
    assert [m for m, c in mrns.items() if c > 1] == list(impact_shapes.expected(encrypted)["duplicate_mrns"])
    assert any(p["demographics"]["gender"] in ("Male", "Female") for p in patients)
    # Episodes.
    imp = [e for e in episodes if e.get("provider_first_seen") == "RHU"]
    assert any(re.fullmatch(r"E-[0-9A-F]{6}-\d\d", e["episode_id"]) and e["treatment_ids"] and e["tumour_ids"]
               for e in imp)
    assert {e["referral_source"] for e in imp} >= {"gp", "screening"}
    assert {e["treatment_intent"] for e in imp} == {"curative", "palliative"}
    assert all(isinstance(e["performance_status"], int) for e in imp)
    assert {e["cns_involved"] for e in imp} >= {"yes", "no"} and any(e["mdt_team"] == "nan" for e in imp)
    assert {e.get("referral_source") for e in episodes} >= {"2ww"}
    embedded = [e for e in episodes if e.get("treatments")]
    assert embedded and all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}", e["referral_date"])
                            for e in embedded)
    assert any(t["treatment_id"].startswith("SUR-") for e in embedded for t in e["treatments"])
    assert any(t["tumour_id"].startswith("TUM-") and t["clinical_t"].startswith("T")
               for e in embedded for t in e["tumours"])
    assert any(e.get("treatments") == [] and e.get("tumours") == [] for e in episodes)  # migrated Era A
    assert any(e.get("status") == "completed" and isinstance(e.get("mdt_outcome"), dict) for e in episodes)
    # Tumours keyed both ways, with the legacy vocabularies.
    episode_ids = {e["episode_id"] for e in episodes}
    object_ids = {str(e["_id"]) for e in episodes}
    assert any(t["episode_id"] in episode_ids for t in tumours)
    assert any(t["episode_id"] in object_ids for t in tumours)
    assert {t.get("clinical_t") for t in tumours} >= {"3", "4a", "x", "T3"}
    assert {t.get("icd10_code") for t in tumours} >= {"C18.7", "C187", "nan", "C20"}
    assert "sigmoid_colon" in {t.get("site") for t in tumours}
    assert {t.get("grade") for t in tumours} >= {"g1", "g2", "g3", "g4"}
    assert {t.get("crm_status") for t in tumours} >= {"yes", "no", "uncertain"}
    # Treatments.
    types = {t["treatment_type"] for t in treatments}
    assert types >= {"surgery", "surgery_primary", "surgery_rtt", "surgery_reversal", "chemotherapy",
                     "Chemotherapy", "radiotherapy"}
    assert any(t.get("classification", {}).get("urgency") and t.get("perioperative_timeline")
               and t.get("outcomes", {}).get("readmission_30day") in ("yes", "no") and t.get("postoperative_events")
               for t in treatments)
    assert any("approach" in t and "urgency" in t and isinstance(_get(t, "outcomes.readmission_30day"), bool)
               for t in treatments)
    flags = {_get(t, "outcomes.readmission_30day") for t in treatments}
    assert {True, False, "yes", "no", "False"} <= flags
    assert any(isinstance(_get(t, "perioperative_timeline.discharge_date"), str) for t in treatments)
    assert any(t["episode_id"] is None for t in treatments)
    assert any(t["episode_id"] in object_ids for t in treatments)
    prefixes = {t["treatment_id"].split("-")[0] for t in treatments}
    assert prefixes >= {"T", "SUR", "ONC", "DXT", "CHE"}
    # Children missing from their episode's arrays.
    listed = {i for e in episodes for i in e.get("treatment_ids", []) + e.get("tumour_ids", [])}
    assert any(t["episode_id"] in episode_ids and t["treatment_id"] not in listed for t in treatments)
    assert any(t["episode_id"] in episode_ids and t["tumour_id"] not in listed for t in tumours)
    assert impact_shapes.expected(plain)["ambiguous_tumour_ids"]


def test_nhs_numbers_are_valid_test_range(encrypted):
    seen = []
    for p in encrypted["patients"]:
        digits = nhs_number.normalise(_decrypted(p["nhs_number"]))
        assert digits and digits.startswith("999") and nhs_number.is_valid(digits), p["_id"]
        seen.append(digits)
    assert len(set(seen)) == len(seen) - 1  # the one duplicate registration


def test_expected_accounts_for_every_child(plain):
    want = impact_shapes.expected(plain)
    episodes = want["episodes"]
    assert set(episodes) == {str(e["_id"]) for e in plain["episodes"]}
    by_link = {**{e["episode_id"]: str(e["_id"]) for e in plain["episodes"]},
               **{str(e["_id"]): str(e["_id"]) for e in plain["episodes"]}}
    counts = Counter()
    for kind in ("tumours", "treatments"):
        for child in plain[kind]:
            if child["episode_id"] is None:
                assert kind == "treatments" and child["treatment_id"] in want["orphan_treatments"]
                continue
            counts[(by_link[child["episode_id"]], kind)] += 1
        for e in plain["episodes"]:
            counts[(str(e["_id"]), kind)] += len(e.get(kind) or [])
    for key, t in episodes.items():
        assert (counts[(key, "tumours")], counts[(key, "treatments")]) == (t["tumours"], t["treatments"]), key
    complete = [t for t in episodes.values() if t["export_complete"]]
    assert 0.6 * len(episodes) < len(complete) < 0.95 * len(episodes)
    reasons = Counter(r for t in episodes.values() for r in t["incomplete_reasons"])
    assert set(reasons) == {"no_mrn", "no_birth_date", "unreadable_birth_date", "under_18", "site_out_of_scope",
                            "unreadable_diagnosis_date", "no_surgery_opcs", "no_tnm_version"}
    patients = want["patients"]
    for t in episodes.values():
        assert t["patient_mrn"] == patients[t["patient_key"]]["mrn"]


def test_documents_insert_into_a_legacy_database(mongo_uri, encrypted):
    """IMPACT's own database (no unique indexes of ours): everything loads."""
    legacy = db.client_for(mongo_uri)[f"impact_{uuid.uuid4().hex[:10]}"]
    try:
        for name, docs in encrypted.items():
            legacy[name].insert_many(docs)
            assert legacy[name].count_documents({}) == len(docs)
        episode = legacy.episodes.find_one({"_id": encrypted["episodes"][0]["_id"]})
        assert episode["episode_id"] == encrypted["episodes"][0]["episode_id"]
    finally:
        db.client_for(mongo_uri).drop_database(legacy.name)


def test_our_unique_mrn_index_takes_patients_without_one_but_not_one_mrn_twice(database, plain):
    """IMPACT has patients with no mrn (the index is partial: they load) and
    one person registered twice under one mrn (refused as it is: adoption
    must say so rather than copy it)."""
    no_mrn = [p for p in plain["patients"] if p.get("mrn") is None]
    database.patients.insert_many(no_mrn[:2])
    twice = impact_shapes.expected(plain)["duplicate_mrns"]
    keys = {key for pair in twice.values() for key in pair}
    pair = [p for p in plain["patients"] if str(p["_id"]) in keys and isinstance(p.get("mrn"), str)]
    with pytest.raises((BulkWriteError, DuplicateKeyError)):
        database.patients.insert_many(pair)
