"""Planned follow-up after a curative resection: made with the treatment in
its own transaction, only for a curative resection, once however often the
treatment is saved, moved with the operation date, cancelled (and kept)
when the treatment goes, each change audited; results recorded and refused
during a migration."""
from datetime import date, datetime

import pytest

from tests.clinical_data import ACTOR, chemo_fields, make_episode, make_patient, surgery_fields
from webapp.domain import surveillance
from webapp.store import episodes, follow_ups, lease, records, timeline, treatments

OPERATED = datetime(2024, 3, 1)


@pytest.fixture
def episode(database):
    return make_episode(make_patient())


def _events(database, treatment_id, **match):
    return list(database.follow_ups.find({"treatment_id": treatment_id, **match}).sort("follow_up_id", 1))


def test_a_curative_resection_plans_the_schedule(database, episode):
    t = treatments.add(episode, surgery_fields(OPERATED), ACTOR)
    events = _events(database, t["treatment_id"])
    assert len(events) == len(surveillance.SCHEDULE)
    assert {(e["kind"], e["months"]) for e in events} == {(p.kind, p.months) for p in surveillance.SCHEDULE}
    cea6 = next(e for e in events if e["plan_key"] == "cea-06")
    assert cea6["due_date"] == datetime(2024, 9, 1) and cea6["overdue_from"] == datetime(2024, 10, 1)
    assert cea6["status"] == "planned" and cea6["patient_id"] == episode["patient_id"]
    assert cea6["episode_id"] == str(episode["_id"]) and cea6["operation_date"] == OPERATED
    colonoscopy5 = next(e for e in events if e["plan_key"] == "colonoscopy-60")
    assert colonoscopy5["due_date"] == datetime(2029, 3, 1)
    entries = list(database.audit_log.find({"entity": "follow_up", "action": "create"}))
    assert len(entries) == len(events) and all(e["actor"] == ACTOR for e in entries)
    assert t["treatment_id"] in entries[0]["reason"] and entries[0]["treatment_id"] == t["treatment_id"]


@pytest.mark.parametrize("fields", [
    surgery_fields(OPERATED, treatment_intent="02"),  # palliative
    surgery_fields(OPERATED, opcs4_primary="H201"),  # an operation that is not a major resection
    surgery_fields(OPERATED, opcs4_primary=None),
    chemo_fields(OPERATED),
], ids=["palliative", "not-a-resection", "no-procedure", "chemotherapy"])
def test_nothing_planned_for_anything_else(database, episode, fields):
    treatments.add(episode, fields, ACTOR)
    assert database.follow_ups.count_documents({}) == 0
    assert database.audit_log.count_documents({"entity": "follow_up"}) == 0


def test_legacy_forms_of_a_curative_resection_count(database, episode):
    t = treatments.add(episode, surgery_fields(OPERATED, treatment_type="Surgery", treatment_intent="Curative",
                                               opcs4_primary="h07.1"), ACTOR)
    assert len(_events(database, t["treatment_id"])) == len(surveillance.SCHEDULE)


def test_saving_again_changes_nothing(database, episode):
    t = treatments.add(episode, surgery_fields(OPERATED), ACTOR)
    before = _events(database, t["treatment_id"])
    treatments.update(episode, t["treatment_id"], surgery_fields(OPERATED, asa_grade="3"), 1, ACTOR)
    treatments.update(episode, t["treatment_id"], surgery_fields(OPERATED, asa_grade="2"), 2, ACTOR)
    assert _events(database, t["treatment_id"]) == before
    assert database.audit_log.count_documents({"entity": "follow_up", "action": {"$ne": "create"}}) == 0


def test_a_new_operation_date_moves_what_is_not_done(database, episode):
    t = treatments.add(episode, surgery_fields(OPERATED), ACTOR)
    done_id = surveillance.follow_up_id(t, "cea-06")
    follow_ups.record(done_id, {"status": "done", "done_date": datetime(2024, 9, 3), "cea_ng_ml": 2.5}, 1, ACTOR)
    treatments.update(episode, t["treatment_id"], surgery_fields(datetime(2024, 4, 15)), 1, ACTOR)
    events = {e["plan_key"]: e for e in _events(database, t["treatment_id"])}
    assert events["cea-12"]["due_date"] == datetime(2025, 4, 15) and events["cea-12"]["version"] == 2
    assert events["cea-12"]["operation_date"] == datetime(2024, 4, 15)
    assert events["cea-06"]["due_date"] == datetime(2024, 9, 1)  # done: left as it was
    assert events["cea-06"]["status"] == "done" and events["cea-06"]["cea_ng_ml"] == 2.5
    moved = list(database.audit_log.find({"entity": "follow_up", "action": "reschedule"}))
    assert len(moved) == len(surveillance.SCHEDULE) - 1
    assert "changed from 01 Mar 2024 to 15 Apr 2024" in moved[0]["reason"]
    assert moved[0]["before"]["due_date"] != moved[0]["after"]["due_date"]


def test_no_longer_curative_cancels_and_curative_again_reinstates(database, episode):
    t = treatments.add(episode, surgery_fields(OPERATED), ACTOR)
    treatments.update(episode, t["treatment_id"], surgery_fields(OPERATED, treatment_intent="02"), 1, ACTOR)
    assert {e["status"] for e in _events(database, t["treatment_id"])} == {"cancelled"}
    treatments.update(episode, t["treatment_id"], surgery_fields(OPERATED), 2, ACTOR)
    events = _events(database, t["treatment_id"])
    assert {e["status"] for e in events} == {"planned"} and len(events) == len(surveillance.SCHEDULE)
    assert all("cancelled_reason" not in e for e in events)
    actions = database.audit_log.distinct("action", {"entity": "follow_up"})
    assert set(actions) == {"create", "cancel", "reinstate"}


def test_deleting_the_treatment_cancels_what_is_planned_and_keeps_what_was_done(database, episode):
    t = treatments.add(episode, surgery_fields(OPERATED), ACTOR)
    done_id = surveillance.follow_up_id(t, "ct-12")
    follow_ups.record(done_id, {"status": "done", "done_date": datetime(2025, 3, 3), "finding": "ned"}, 1, ACTOR)
    treatments.delete(episode, t["treatment_id"], 1, ACTOR)
    events = _events(database, t["treatment_id"])
    assert len(events) == len(surveillance.SCHEDULE)  # kept
    assert {e["status"] for e in events if e["follow_up_id"] != done_id} == {"cancelled"}
    assert database.follow_ups.find_one({"follow_up_id": done_id})["status"] == "done"
    cancelled = list(database.audit_log.find({"entity": "follow_up", "action": "cancel"}))
    assert len(cancelled) == len(surveillance.SCHEDULE) - 1
    assert cancelled[0]["reason"] == f"treatment {t['treatment_id']} deleted"


def test_deleting_the_episode_cancels_its_treatments_follow_up(database, episode):
    treatments.add(episode, surgery_fields(OPERATED), ACTOR)
    episodes.delete(str(episode["_id"]), 1, ACTOR)
    assert set(database.follow_ups.distinct("status")) == {"cancelled"}
    entry = database.audit_log.find_one({"entity": "follow_up", "action": "cancel"})
    assert entry["reason"] == f"episode {episode['_id']} deleted"


def test_recording_a_result_is_versioned_and_audited(database, episode):
    t = treatments.add(episode, surgery_fields(OPERATED), ACTOR)
    fid = surveillance.follow_up_id(t, "cea-06")
    after = follow_ups.record(fid, {"status": "done", "done_date": datetime(2024, 9, 2), "cea_ng_ml": 3.1,
                                    "notes": None}, 1, ACTOR)
    assert after["status"] == "done" and after["version"] == 2 and "notes" not in after
    entry = database.audit_log.find_one({"entity": "follow_up", "action": "record"})
    assert entry["before"]["status"] == "planned" and entry["after"]["cea_ng_ml"] == 3.1
    with pytest.raises(records.Conflict):
        follow_ups.record(fid, {"status": "not_done", "not_done_reason": "declined"}, 1, ACTOR)
    # A correction to "not done" leaves no stale value behind.
    corrected = follow_ups.record(fid, {"status": "not_done", "not_done_reason": "declined"}, 2, ACTOR)
    assert "cea_ng_ml" not in corrected and "done_date" not in corrected


def test_a_cancelled_event_cannot_be_recorded(database, episode):
    t = treatments.add(episode, surgery_fields(OPERATED), ACTOR)
    treatments.delete(episode, t["treatment_id"], 1, ACTOR)
    with pytest.raises(records.NotFound):
        follow_ups.record(surveillance.follow_up_id(t, "cea-06"), {"status": "done"}, 2, ACTOR)


def test_writes_refused_during_a_migration(database, episode):
    t = treatments.add(episode, surgery_fields(OPERATED), ACTOR)
    lease.acquire("migration-test@host:1")
    with pytest.raises(lease.WritesPaused):
        follow_ups.record(surveillance.follow_up_id(t, "cea-06"),
                          {"status": "done", "done_date": datetime(2024, 9, 2), "cea_ng_ml": 1.0}, 1, ACTOR)
    with pytest.raises(lease.WritesPaused):
        treatments.update(episode, t["treatment_id"], surgery_fields(datetime(2024, 5, 1)), 1, ACTOR)
    assert {e["status"] for e in _events(database, t["treatment_id"])} == {"planned"}
    assert database.follow_ups.find_one({"plan_key": "cea-06"})["due_date"] == datetime(2024, 9, 1)


def test_overdue_oldest_first_by_kind(database, episode):
    t = treatments.add(episode, surgery_fields(OPERATED), ACTOR)
    today = date(2025, 4, 1)  # CEA 6 and 12 months and the CT at 12 months are past their window
    rows, total = follow_ups.overdue(today)
    assert [e["plan_key"] for e in rows] == ["cea-06", "cea-12", "ct-12"] and total == 3
    rows, total = follow_ups.overdue(today, kind="ct")
    assert [e["plan_key"] for e in rows] == ["ct-12"] and total == 1
    follow_ups.record(surveillance.follow_up_id(t, "cea-06"),
                      {"status": "not_done", "not_done_reason": "dna"}, 1, ACTOR)
    assert [e["plan_key"] for e in follow_ups.overdue(today)[0]] == ["cea-12", "ct-12"]
    # The colonoscopy at 12 months waits 60 days: not overdue yet on 1 Apr 2025.
    assert "colonoscopy-12" not in [e["plan_key"] for e in follow_ups.overdue(date(2025, 4, 30))[0]]
    assert "colonoscopy-12" in [e["plan_key"] for e in follow_ups.overdue(date(2025, 5, 1))[0]]


def test_the_timeline_shows_planned_and_done_in_date_order(database, episode):
    t = treatments.add(episode, surgery_fields(OPERATED), ACTOR)
    follow_ups.record(surveillance.follow_up_id(t, "cea-06"),
                      {"status": "done", "done_date": datetime(2024, 8, 20), "cea_ng_ml": 2.0}, 1, ACTOR)
    _, events = timeline.for_patient([episode["patient_id"]])
    kinds = [ev["kind"] for ev in events]
    assert kinds.count("follow_up") == len(surveillance.SCHEDULE)
    days = [ev["date"] for ev in events]
    assert days == sorted(days)
    done = next(ev for ev in events if ev["kind"] == "follow_up" and ev["record"]["status"] == "done")
    assert done["date"] == datetime(2024, 8, 20)


def test_add_months_keeps_to_the_month():
    assert surveillance.add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert surveillance.add_months(date(2023, 8, 31), 6) == date(2024, 2, 29)
    assert surveillance.add_months(date(2024, 11, 15), 2) == date(2025, 1, 15)


def test_demo_data_has_follow_up_done_and_overdue(app, database):
    from webapp import demo

    data = demo.generate(patients=40, seed=3)
    with app.app_context():
        counts = demo.write(data)
        overdue, total = follow_ups.overdue(date(2026, 6, 1))
    statuses = set(database.follow_ups.distinct("status"))
    assert {"planned", "done", "not_done"} <= statuses and total > 0 and counts["follow-up tests"] > 0
    curative = [t for t in data["treatments"] if surveillance.is_curative_resection(t)]
    assert database.follow_ups.count_documents({}) == len(curative) * len(surveillance.SCHEDULE)
    for e in database.follow_ups.find({"status": "done"}):
        assert e["operation_date"] < e["done_date"] <= demo.NOW
    # Written as the store writes them: the same id, the same fields.
    t = curative[0]
    assert database.follow_ups.find_one({"follow_up_id": surveillance.follow_up_id(t, "ct-12")})


def test_an_odd_treatment_id_never_reaches_another_patients_follow_up(app, database):
    """An id stored as a sub-document would be read as a query operator:
    deleting its episode must not cancel anyone else's planned tests, and a
    record without an id at all is deleted (audited by its _id), not a 500."""
    from bson import ObjectId


    with app.app_context():
        other = make_episode(make_patient("MRN0000007", index=3))
        operation = treatments.add(other, surgery_fields(datetime(2024, 3, 1)), ACTOR)
        mine = make_episode(make_patient("MRN0000008", index=4))
        for odd in ({"treatment_id": {"$ne": None}}, {}):
            database.treatments.insert_one({"_id": ObjectId(), **odd, "episode_id": str(mine["_id"]),
                                            "patient_id": "MRN0000008", "treatment_type": "surgery"})
        planned = {"treatment_id": operation["treatment_id"], "status": "planned"}
        before = database.follow_ups.count_documents(planned)
        episodes.delete(str(mine["_id"]), mine.get("version", 1), ACTOR)
    assert before > 0 and database.follow_ups.count_documents(planned) == before
    assert database.treatments.count_documents({"episode_id": str(mine["_id"])}) == 0


def test_a_treatment_id_repeated_across_episodes_keeps_two_plans(app, database):
    """IMPACT reused ids across a patient's episodes (renamed by the adopt
    step): until then, each operation keeps its own plan."""

    for name, info in database.treatments.index_information().items():
        if info.get("unique") and "treatment_id" in dict(info["key"]):
            database.treatments.drop_index(name)
    with app.app_context():
        patient = make_patient()
        first = make_episode(patient, referral=datetime(2019, 1, 1))
        second = make_episode(patient, referral=datetime(2023, 1, 1))
        for episode, when in ((first, datetime(2019, 3, 1)), (second, datetime(2023, 3, 1))):
            database.treatments.insert_one({**surgery_fields(when), "treatment_id": "TRT-123-01", "version": 1,
                                            "episode_id": str(episode["_id"]), "patient_id": patient["mrn"]})
            treatments.update(episode, "TRT-123-01", surgery_fields(when, asa_grade="3"), 1, ACTOR)
        cea = database.follow_ups.find({"plan_key": "cea-06"})
        plans = {e["episode_id"]: (e["due_date"], e["status"]) for e in cea}
        assert plans == {str(first["_id"]): (datetime(2019, 9, 1), "planned"),
                         str(second["_id"]): (datetime(2023, 9, 1), "planned")}
        episodes.delete(str(first["_id"]), first.get("version", 1), ACTOR)
    plans = {e["episode_id"]: e["status"] for e in database.follow_ups.find({"plan_key": "cea-06"})}
    assert plans == {str(first["_id"]): "cancelled", str(second["_id"]): "planned"}
