"""Tumours and treatments in their own collections: add, update, delete,
each with its audit entry; conflicts on stale versions; date order."""
from datetime import datetime

import pytest

from tests.clinical_data import (
    ACTOR,
    chemo_fields,
    make_episode,
    make_patient,
    make_tumour,
    surgery_fields,
    tumour_fields,
)
from webapp.store import audit, records, timeline, treatments, tumours


@pytest.fixture
def episode(database):
    return make_episode(make_patient())


def test_add_treatment_takes_ids_from_episode(database, episode):
    t = treatments.add(episode, {**surgery_fields(), "episode_id": "forged", "patient_id": "forged"}, ACTOR)
    stored = database.treatments.find_one({"treatment_id": t["treatment_id"]})
    assert stored["episode_id"] == str(episode["_id"]) and stored["patient_id"] == episode["patient_id"]
    assert stored["treatment_id"].startswith("TRT-") and stored["version"] == 1
    assert isinstance(stored["treatment_date"], datetime)
    entry = database.audit_log.find_one({"entity": "treatment", "entity_id": t["treatment_id"]})
    assert entry["action"] == "create" and entry["after"]["opcs4_primary"] == "H071"


def test_treatments_come_in_date_order(database, episode):
    for day in (20, 5, 12):
        treatments.add(episode, surgery_fields(datetime(2024, 3, day)), ACTOR)
    assert [t["treatment_date"].day for t in treatments.for_episode(episode)] == [5, 12, 20]


def test_treatment_list_uses_the_episode_date_index(database, episode):
    treatments.add(episode, surgery_fields(), ACTOR)
    plan = database.treatments.find({"episode_id": str(episode["_id"])}).sort(
        [("episode_id", 1), ("treatment_date", 1)]).hint([("episode_id", 1), ("treatment_date", 1)]).explain()
    assert "episode_id_1_treatment_date_1" in str(plan["queryPlanner"]["winningPlan"])


def test_update_treatment_changing_type_removes_old_fields(database, episode):
    t = treatments.add(episode, surgery_fields(), ACTOR)
    after = treatments.update(episode, t["treatment_id"], chemo_fields(), 1, ACTOR)
    assert after["version"] == 2 and after["regimen"] == "CAPOX"
    assert "opcs4_primary" not in after and "stoma" not in after
    entry = database.audit_log.find_one({"entity": "treatment", "action": "update"})
    assert entry["before"]["opcs4_primary"] == "H071" and entry["after"]["regimen"] == "CAPOX"


def test_stale_treatment_update_and_delete_conflict(database, episode):
    t = treatments.add(episode, surgery_fields(), ACTOR)
    treatments.update(episode, t["treatment_id"], surgery_fields(asa_grade="3"), 1, "first")
    with pytest.raises(records.Conflict):
        treatments.update(episode, t["treatment_id"], surgery_fields(asa_grade="4"), 1, "second")
    with pytest.raises(records.Conflict):
        treatments.delete(episode, t["treatment_id"], 1, "second")
    assert database.treatments.find_one({"treatment_id": t["treatment_id"]})["asa_grade"] == "3"


def test_delete_treatment_audits_what_was_deleted(database, episode):
    t = treatments.add(episode, surgery_fields(), ACTOR)
    treatments.delete(episode, t["treatment_id"], 1, ACTOR)
    assert database.treatments.count_documents({}) == 0
    entry = database.audit_log.find_one({"entity": "treatment", "action": "delete"})
    assert entry["before"]["treatment_id"] == t["treatment_id"] and entry["after"] is None


def test_treatment_under_another_episode_is_not_found(database, episode):
    other = make_episode(make_patient(mrn="MRN0000009", index=9))
    t = treatments.add(episode, surgery_fields(), ACTOR)
    assert treatments.get(other, t["treatment_id"]) is None
    with pytest.raises(records.NotFound):
        treatments.delete(other, t["treatment_id"], 1, ACTOR)


def test_tumour_add_update_delete_with_audit(database, episode):
    t = make_tumour(episode)
    stored = database.tumours.find_one({"tumour_id": t["tumour_id"]})
    assert stored["tnm_staging"]["clinical"]["t"] == "3" and stored["pathology"]["lymph_nodes_examined"] == 14
    changed = tumour_fields(pathology={**tumour_fields()["pathology"], "lymph_nodes_positive": 2})
    after = tumours.update(episode, t["tumour_id"], changed, 1, ACTOR)
    assert after["pathology"]["lymph_nodes_positive"] == 2 and after["version"] == 2
    with pytest.raises(records.Conflict):
        tumours.update(episode, t["tumour_id"], changed, 1, ACTOR)
    tumours.delete(episode, t["tumour_id"], 2, ACTOR)
    actions = [e["action"] for e in database.audit_log.find({"entity": "tumour"}).sort("at", 1)]
    assert actions == ["create", "update", "delete"]
    history = tumours.history(t["tumour_id"])
    assert [h["action"] for h in history] == ["delete", "update", "create"]
    assert ("pathology.lymph_nodes_positive", 1, 2) in history[1]["changes"]


def test_timeline_orders_everything_by_date(database, episode):
    patient_mrn = episode["patient_id"]
    second = make_episode({"mrn": patient_mrn}, referral=datetime(2025, 1, 1))
    treatments.add(second, surgery_fields(datetime(2025, 2, 1)), ACTOR)
    treatments.add(episode, chemo_fields(datetime(2024, 4, 1)), ACTOR)
    make_tumour(episode)
    episodes_, events = timeline.for_patient([patient_mrn])
    assert len(episodes_) == 2
    dates = [e["date"] for e in events]
    assert dates == sorted(dates)
    kinds = [e["kind"] for e in events]
    assert kinds.count("treatment") == 2 and kinds.count("tumour") == 1 and kinds.count("referral") == 2


def test_change_and_audit_commit_together(database, episode, monkeypatch):
    """If the audit entry cannot be written, the change is not kept either."""
    t = treatments.add(episode, surgery_fields(), ACTOR)

    def failing_record(*args, **kwargs):
        raise RuntimeError("audit unavailable")

    monkeypatch.setattr(audit, "record", failing_record)
    with pytest.raises(RuntimeError):
        treatments.add(episode, chemo_fields(), ACTOR)
    with pytest.raises(RuntimeError):
        treatments.update(episode, t["treatment_id"], surgery_fields(asa_grade="4"), 1, ACTOR)
    with pytest.raises(RuntimeError):
        treatments.delete(episode, t["treatment_id"], 1, ACTOR)
    with pytest.raises(RuntimeError):
        tumours.add(episode, tumour_fields(), ACTOR)
    monkeypatch.undo()
    [stored] = list(database.treatments.find())
    assert stored["asa_grade"] == "2" and stored["version"] == 1
    assert database.tumours.count_documents({}) == 0
