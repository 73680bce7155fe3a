"""Patients in the store: search, create, edit, each with its audit entry,
and the conflict on a stale version."""
from datetime import datetime

import pytest

from tests.clinical_data import ACTOR, make_patient
from webapp.store import patients, records


def _audit(database, entity, entity_id):
    return list(database.audit_log.find({"entity": entity, "entity_id": str(entity_id)}).sort("at", 1))


def test_create_writes_patient_and_audit(database):
    p = make_patient()
    stored = database.patients.find_one({"_id": p["_id"]})
    assert stored["mrn"] == "MRN0000001" and stored["version"] == 1
    [entry] = _audit(database, "patient", p["_id"])
    assert entry["action"] == "create" and entry["actor"] == ACTOR
    assert entry["before"] is None and entry["after"]["mrn"] == "MRN0000001"


def test_duplicate_mrn_and_nhs_number_refused(database):
    p = make_patient()
    with pytest.raises(patients.DuplicatePatient) as exc:
        make_patient(mrn="MRN0000001", index=1)
    assert exc.value.field == "mrn"
    with pytest.raises(patients.DuplicatePatient) as exc:
        make_patient(mrn="MRN0000002", nhs_number=p["nhs_number"])
    assert exc.value.field == "nhs_number"
    assert database.patients.count_documents({}) == 1
    assert database.audit_log.count_documents({"entity": "patient"}) == 1


def test_update_bumps_version_and_audits_before_after(database):
    p = make_patient()
    after = patients.update(p["_id"], {**p, "postcode": "LS1 4AP"}, 1, "someone")
    assert after["version"] == 2 and after["postcode"] == "LS1 4AP"
    entries = _audit(database, "patient", p["_id"])
    assert [e["action"] for e in entries] == ["create", "update"]
    assert entries[1]["before"]["postcode"] == "NG7 2UH" and entries[1]["after"]["postcode"] == "LS1 4AP"


def test_stale_version_is_a_conflict_and_changes_nothing(database):
    p = make_patient()
    patients.update(p["_id"], {**p, "first_name": "Bea"}, 1, "first")
    with pytest.raises(records.Conflict) as exc:
        patients.update(p["_id"], {**p, "first_name": "Cat"}, 1, "second")
    assert exc.value.current["version"] == 2
    assert database.patients.find_one({"_id": p["_id"]})["first_name"] == "Bea"
    assert database.audit_log.count_documents({"entity": "patient", "action": "update"}) == 1
    [change] = records.changes_since("patient", p["_id"], 1)
    assert change["actor"] == "first" and ("first_name", "Ada", "Bea") in change["changes"]


def test_mrn_never_changes(database):
    p = make_patient()
    after = patients.update(p["_id"], {**p, "mrn": "OTHER123"}, 1, ACTOR)
    assert after["mrn"] == "MRN0000001"


@pytest.mark.parametrize("query", ["MRN0000001", "mrn00000", "Testpatient", "testpat", "Ada Testpatient",
                                   "1950-05-17", "17/05/1950"])
def test_search_finds_by_each_key(database, query):
    make_patient()
    make_patient(mrn="XYZ999", index=3, first_name="Other", last_name="Person", date_of_birth=datetime(1960, 1, 1))
    found, total = patients.search(query)
    assert total == 1 and found[0]["mrn"] == "MRN0000001"


def test_search_by_nhs_number_with_and_without_spaces(database):
    p = make_patient()
    digits = p["nhs_number"]
    for query in (digits, f"{digits[:3]} {digits[3:6]} {digits[6:]}"):
        found, total = patients.search(query)
        assert total == 1 and found[0]["_id"] == p["_id"]


def test_search_paginates(database):
    for i in range(7):
        make_patient(mrn=f"MRN{i:07d}", index=i, last_name=f"Name{i}")
    page1, total = patients.search("", page=1, page_size=3)
    page3, _ = patients.search("", page=3, page_size=3)
    assert total == 7 and len(page1) == 3 and len(page3) == 1
    assert [p["last_name"] for p in page1] == ["Name0", "Name1", "Name2"]


def test_get_malformed_id_is_none(database):
    assert patients.get("not-an-id") is None
    assert patients.get("0" * 24) is None
