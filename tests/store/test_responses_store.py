"""Response assessments in their own collection: linked to a tumour of the
episode (checked in the write), listed in date order, edited and deleted
with their audit entries and versions, refused while a migration holds the
lease, and taken with their tumour or episode when those are deleted."""
from datetime import datetime

import pytest

from tests.clinical_data import ACTOR, make_episode, make_patient, make_tumour
from webapp import db
from webapp.store import episodes, lease, records, responses, timeline, tumours

OWNER = "migration-test@host:1"


def assessment(tumour, when=datetime(2024, 5, 2), **overrides):
    fields = {"tumour_id": tumour["tumour_id"], "assessment_date": when, "method": "mri", "scale": "mrtrg",
              "result": "mrTRG2", "notes": None}
    fields.update(overrides)
    return fields


@pytest.fixture
def episode(database):
    return make_episode(make_patient())


@pytest.fixture
def tumour(episode):
    return make_tumour(episode, icd10_code="C20", site="Rectum")


def test_add_links_tumour_episode_and_patient(database, episode, tumour):
    a = responses.add(episode, {**assessment(tumour), "episode_id": "forged", "patient_id": "forged",
                                "assessment_id": "RSP-FORGED"}, ACTOR)
    stored = database[db.RESPONSE_ASSESSMENTS].find_one({"assessment_id": a["assessment_id"]})
    assert stored["assessment_id"].startswith("RSP-") and stored["assessment_id"] != "RSP-FORGED"
    assert stored["tumour_id"] == tumour["tumour_id"] and stored["episode_id"] == str(episode["_id"])
    assert stored["patient_id"] == episode["patient_id"] and stored["version"] == 1
    assert stored["result"] == "mrTRG2" and isinstance(stored["assessment_date"], datetime)
    entry = database.audit_log.find_one({"entity": "assessment", "entity_id": a["assessment_id"]})
    assert entry["action"] == "create" and entry["actor"] == ACTOR and entry["after"]["scale"] == "mrtrg"


@pytest.mark.parametrize("tumour_id", ["TUM-NOTHERE", {"$ne": None}, None])
def test_add_refuses_a_tumour_not_of_the_episode(database, episode, tumour, tumour_id):
    with pytest.raises(records.NotFound):
        responses.add(episode, assessment(tumour, tumour_id=tumour_id), ACTOR)
    assert database[db.RESPONSE_ASSESSMENTS].count_documents({}) == 0
    assert database.audit_log.count_documents({"entity": "assessment"}) == 0


def test_add_refuses_another_episodes_tumour(database, episode):
    other = make_episode(make_patient(mrn="MRN0000009", index=9))
    theirs = make_tumour(other)
    with pytest.raises(records.NotFound):
        responses.add(episode, assessment(theirs), ACTOR)


def test_listed_oldest_first_text_dates_last(database, episode, tumour):
    for day in (20, 5, 12):
        responses.add(episode, assessment(tumour, datetime(2024, 6, day)), ACTOR)
    database[db.RESPONSE_ASSESSMENTS].insert_one({"assessment_id": "RSP-LEGACY", "tumour_id": tumour["tumour_id"],
                                                  "episode_id": str(episode["_id"]), "assessment_date": "June"})
    found = responses.for_episode(episode)
    assert [a["assessment_date"] for a in found[:3]] == [datetime(2024, 6, d) for d in (5, 12, 20)]
    assert found[3]["assessment_id"] == "RSP-LEGACY"


def test_update_keeps_the_tumour_and_audits(database, episode, tumour):
    other_tumour = make_tumour(episode, diagnosis_date=datetime(2024, 2, 1))
    a = responses.add(episode, assessment(tumour), ACTOR)
    after = responses.update(episode, a["assessment_id"], {**assessment(other_tumour), "result": "mrTRG3"}, 1,
                             "second")
    assert after["version"] == 2 and after["result"] == "mrTRG3" and after["tumour_id"] == tumour["tumour_id"]
    entry = database.audit_log.find_one({"entity": "assessment", "action": "update"})
    assert entry["before"]["result"] == "mrTRG2" and entry["after"]["result"] == "mrTRG3"
    with pytest.raises(records.Conflict):
        responses.update(episode, a["assessment_id"], assessment(tumour, result="mrTRG4"), 1, ACTOR)
    with pytest.raises(records.Conflict):
        responses.delete(episode, a["assessment_id"], 1, ACTOR)
    responses.delete(episode, a["assessment_id"], 2, ACTOR)
    assert database[db.RESPONSE_ASSESSMENTS].count_documents({}) == 0
    deleted = database.audit_log.find_one({"entity": "assessment", "action": "delete"})
    assert deleted["before"]["assessment_id"] == a["assessment_id"] and deleted["after"] is None


def test_another_episodes_assessment_is_not_found(database, episode, tumour):
    other = make_episode(make_patient(mrn="MRN0000009", index=9))
    a = responses.add(episode, assessment(tumour), ACTOR)
    assert responses.get(other, a["assessment_id"]) is None
    with pytest.raises(records.NotFound):
        responses.delete(other, a["assessment_id"], 1, ACTOR)


def test_writes_refused_while_a_migration_holds_the_lease(database, episode, tumour):
    a = responses.add(episode, assessment(tumour), ACTOR)
    lease.acquire(OWNER)
    try:
        for attempt in (lambda: responses.add(episode, assessment(tumour), ACTOR),
                        lambda: responses.update(episode, a["assessment_id"], assessment(tumour), 1, ACTOR),
                        lambda: responses.delete(episode, a["assessment_id"], 1, ACTOR)):
            with pytest.raises(lease.WritesPaused):
                attempt()
    finally:
        lease.release(OWNER)
    assert database[db.RESPONSE_ASSESSMENTS].find_one()["version"] == 1
    assert database.audit_log.count_documents({"entity": "assessment"}) == 1


def test_deleting_a_tumour_takes_its_assessments(database, episode, tumour):
    kept_tumour = make_tumour(episode)
    gone = [responses.add(episode, assessment(tumour, datetime(2024, 5, d)), ACTOR) for d in (1, 2)]
    kept = responses.add(episode, assessment(kept_tumour), ACTOR)
    tumours.delete(episode, tumour["tumour_id"], 1, ACTOR)
    assert [a["assessment_id"] for a in database[db.RESPONSE_ASSESSMENTS].find()] == [kept["assessment_id"]]
    entries = database.audit_log.find({"entity": "assessment", "action": "delete"})
    assert sorted(e["entity_id"] for e in entries) == sorted(a["assessment_id"] for a in gone)
    assert database.audit_log.find_one({"entity": "assessment", "action": "delete"})["reason"] == \
        f"tumour {tumour['tumour_id']} deleted"


def test_deleting_an_episode_takes_its_assessments(database, episode, tumour):
    a = responses.add(episode, assessment(tumour), ACTOR)
    episodes.delete(str(episode["_id"]), episode["version"], ACTOR)
    assert database[db.RESPONSE_ASSESSMENTS].count_documents({}) == 0
    entry = database.audit_log.find_one({"entity": "assessment", "action": "delete"})
    assert entry["entity_id"] == a["assessment_id"] and entry["before"]["result"] == "mrTRG2"


def test_timeline_holds_assessments_in_date_order(database, episode, tumour):
    responses.add(episode, assessment(tumour, datetime(2024, 9, 1), method="ct", scale="recist", result="PR"),
                  ACTOR)
    responses.add(episode, assessment(tumour, datetime(2024, 4, 1)), ACTOR)
    _, events = timeline.for_patient([episode["patient_id"]])
    found = [ev for ev in events if ev["kind"] == "response"]
    assert [ev["record"]["result"] for ev in found] == ["mrTRG2", "PR"]
    assert all(ev["tumour"] is None for ev in found)  # one tumour: no need to say which
    kinds = [ev["kind"] for ev in events]
    assert kinds.index("tumour") < kinds.index("response")  # diagnosed 28 Jan 2024, assessed from April
    second = make_tumour(episode, tumour_type="metastasis", site="Liver")
    responses.add(episode, assessment(second, datetime(2024, 10, 1), method="ct", scale="recist", result="SD"),
                  ACTOR)
    _, events = timeline.for_patient([episode["patient_id"]])
    named = [ev["tumour"]["tumour_id"] for ev in events if ev["kind"] == "response"]
    assert named == [tumour["tumour_id"], tumour["tumour_id"], second["tumour_id"]]
