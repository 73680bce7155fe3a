"""Episodes in the store: create, edit, close, delete with its tumours and
treatments in one operation, each with its audit entries."""
import pytest

from tests.clinical_data import ACTOR, make_episode, make_patient, make_treatments, make_tumour
from webapp.store import episodes, records


@pytest.fixture
def patient(database):
    return make_patient()


def test_create_sets_patient_and_audits(database, patient):
    e = make_episode(patient)
    stored = database.episodes.find_one({"_id": e["_id"]})
    assert stored["patient_id"] == patient["mrn"] and stored["status"] == "open" and stored["version"] == 1
    assert database.audit_log.count_documents({"entity": "episode", "entity_id": str(e["_id"]),
                                               "action": "create"}) == 1


def test_update_and_close_audit_each(database, patient):
    e = make_episode(patient)
    episodes.update(e["_id"], {"lead_clinician": "Ms B Cutter"}, 1, ACTOR)
    closed = episodes.close(e["_id"], 2, ACTOR)
    assert closed["status"] == "closed" and closed["version"] == 3 and closed["lead_clinician"] == "Ms B Cutter"
    actions = [x["action"] for x in database.audit_log.find({"entity": "episode"}).sort("at", 1)]
    assert actions == ["create", "update", "close"]


def test_stale_close_is_a_conflict(database, patient):
    e = make_episode(patient)
    episodes.update(e["_id"], {"lead_clinician": "Someone"}, 1, ACTOR)
    with pytest.raises(records.Conflict):
        episodes.close(e["_id"], 1, ACTOR)
    assert database.episodes.find_one({"_id": e["_id"]})["status"] == "open"


def test_delete_takes_tumours_and_treatments_and_audits_them(database, patient):
    e = make_episode(patient)
    other = make_episode(patient)
    make_tumour(e)
    make_treatments(e, 3)
    kept = make_treatments(other, 1)[0]
    result = episodes.delete(e["_id"], 1, ACTOR)
    assert result["tumours"] == 1 and result["treatments"] == 3
    assert database.episodes.find_one({"_id": e["_id"]}) is None
    assert database.tumours.count_documents({"episode_id": str(e["_id"])}) == 0
    assert database.treatments.count_documents({"episode_id": str(e["_id"])}) == 0
    assert database.treatments.find_one({"treatment_id": kept["treatment_id"]}) is not None
    entry = database.audit_log.find_one({"entity": "episode", "action": "delete"})
    assert entry["before"]["_id"] == e["_id"] and entry["treatments_deleted"] == 3
    # The audit trail keeps every deleted record whole.
    deleted = list(database.audit_log.find({"entity": "treatment", "action": "delete"}))
    assert len(deleted) == 3 and all(d["before"]["episode_id"] == str(e["_id"]) for d in deleted)
    assert database.audit_log.count_documents({"entity": "tumour", "action": "delete"}) == 1


def test_delete_with_stale_version_removes_nothing(database, patient):
    e = make_episode(patient)
    make_treatments(e, 2)
    episodes.update(e["_id"], {"mdt_outcome": "chemotherapy"}, 1, ACTOR)
    with pytest.raises(records.Conflict):
        episodes.delete(e["_id"], 1, ACTOR)
    assert database.episodes.count_documents({"_id": e["_id"]}) == 1
    assert database.treatments.count_documents({"episode_id": str(e["_id"])}) == 2
    assert database.audit_log.count_documents({"action": "delete"}) == 0


def test_delete_is_one_transaction(database, patient, monkeypatch):
    """A failure after the children are deleted leaves everything in place."""
    e = make_episode(patient)
    make_treatments(e, 2)
    make_tumour(e)
    from webapp.store import audit

    def boom(*args, **kwargs):
        raise RuntimeError("audit write failed")

    monkeypatch.setattr(type(database.audit_log), "insert_many", boom)
    with pytest.raises(RuntimeError):
        episodes.delete(e["_id"], 1, ACTOR)
    monkeypatch.undo()
    assert database.episodes.count_documents({"_id": e["_id"]}) == 1
    assert database.treatments.count_documents({"episode_id": str(e["_id"])}) == 2
    assert database.tumours.count_documents({"episode_id": str(e["_id"])}) == 1
    assert audit  # imported for the monkeypatch target's module


def test_unknown_or_malformed_episode(database):
    assert episodes.get("nope") is None
    with pytest.raises(records.NotFound):
        episodes.delete("nope", 1, ACTOR)
    with pytest.raises(records.NotFound):
        episodes.update("0" * 24, {}, 1, ACTOR)
