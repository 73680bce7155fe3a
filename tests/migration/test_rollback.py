"""`migration rollback`: the episodes come back equal to the originals."""
from datetime import datetime

import bson
import pytest

from tests.migration.conftest import as_bytes
from webapp.migration import apply, rollback, stats, verify


def test_rollback_restores_episodes_equal_to_the_originals(app, database, legacy, runner):
    with app.app_context():
        apply.run(batch_size=4)
    result = runner.invoke(args=["migration", "rollback", "--yes", "--batch-size", "3"])
    assert result.exit_code == 0, result.output
    restored = list(database.episodes.find().sort("_id", 1))
    # Whole documents as BSON bytes: same fields, values, types, key order, array order.
    assert as_bytes(restored) == as_bytes(legacy["episodes"])
    assert database.treatments.count_documents({}) == 0
    assert database.tumours.count_documents({}) == 0
    with app.app_context():
        assert stats.state()[0] == "rolled back"
        assert verify.verify() == ("reverse", [])
    result = runner.invoke(args=["migration", "verify"])
    assert result.exit_code == 0 and "verify (reverse): no differences" in result.output


def test_run_rollback_run_again_gives_the_same_collections(app, database, legacy):
    with app.app_context():
        apply.run()
        first = {k: sorted(as_bytes(database[k].find())) for k in ("treatments", "tumours")}
        rollback.rollback()
        apply.run()
        assert verify.verify() == ("forward", [])
    assert {k: sorted(as_bytes(database[k].find())) for k in ("treatments", "tumours")} == first


def test_items_added_since_go_back_appended_in_date_order(app, database, legacy):
    with app.app_context():
        apply.run()
    episode = legacy["episodes"][0]
    key = str(episode["_id"])
    later = {"treatment_id": "TRT-NEW000000002", "episode_id": key, "patient_id": episode["patient_id"],
             "treatment_type": "chemotherapy", "treatment_date": datetime(2030, 2, 1),
             "created_at": datetime(2026, 2, 1), "last_modified_at": datetime(2026, 2, 1), "version": 1}
    earlier = dict(later, treatment_id="TRT-NEW000000001", treatment_date=datetime(2030, 1, 1))
    database.treatments.insert_many([later, earlier])
    # And a brand-new episode created after the migration, with one treatment.
    new_episode = {"patient_id": episode["patient_id"], "episode_type": "cancer", "status": "open"}
    new_id = database.episodes.insert_one(new_episode).inserted_id
    database.treatments.insert_one(dict(earlier, _id=None, treatment_id="TRT-NEW000000003",
                                        episode_id=str(new_id)) | {"_id": bson.ObjectId()})
    with app.app_context():
        report = rollback.rollback()
    assert report["state"] == "completed", report["errors"]
    back = database.episodes.find_one({"_id": episode["_id"]})
    ids = [t["treatment_id"] for t in back["treatments"]]
    original = [t["treatment_id"] for t in episode["treatments"]]
    assert ids == original + ["TRT-NEW000000001", "TRT-NEW000000002"]
    assert "episode_id" not in back["treatments"][-1] and "_id" not in back["treatments"][-1]
    # The migration never moved the new episode's treatment: it stays in the
    # collection, and the report counts it as left where it is.
    assert "treatments" not in database.episodes.find_one({"_id": new_id})
    assert [t["treatment_id"] for t in database.treatments.find()] == ["TRT-NEW000000003"]
    assert report["counts"]["left_in_collections"] == 1


def test_documents_in_the_collections_before_the_migration_stay_exactly_as_they_were(app, database, legacy):
    """A legacy system's own documents (keyed by the episode's ObjectId
    string, as IMPACT's own migration wrote them) are neither appended to
    the arrays nor deleted: the rollback gives them back byte for byte."""
    episode = legacy["episodes"][0]
    theirs = [{"_id": bson.ObjectId(), "treatment_id": f"SUR-PRE-{n}", "episode_id": str(episode["_id"]),
               "patient_id": episode["patient_id"], "treatment_type": "surgery_primary",
               "treatment_date": "2024-01-0" + str(n + 1), "zz_key_order": n} for n in range(2)]
    database.treatments.insert_many(theirs)
    elsewhere = {"_id": bson.ObjectId(), "tumour_id": "TUM-PRE-1", "episode_id": "E-ABC123-01", "site": "rectum"}
    database.tumours.insert_one(elsewhere)
    before = {k: sorted(as_bytes(database[k].find({"_id": {"$in": [d["_id"] for d in theirs] + [elsewhere["_id"]]}})))
              for k in ("treatments", "tumours")}
    with app.app_context():
        apply.run()
        report = rollback.rollback()
        assert report["state"] == "completed", report["errors"]
        assert verify.verify()[1] == []
    back = database.episodes.find_one({"_id": episode["_id"]})
    assert [t["treatment_id"] for t in back["treatments"]] == [t["treatment_id"] for t in episode["treatments"]]
    after = {k: sorted(as_bytes(database[k].find({"_id": {"$in": [d["_id"] for d in theirs] + [elsewhere["_id"]]}})))
             for k in ("treatments", "tumours")}
    assert after == before and database.treatments.count_documents({}) == 2


def test_rollback_of_a_database_never_migrated_moves_nothing(app, database):
    """The demo data of `make run` (separate collections, no migration run):
    a rollback must not pull every tumour and treatment into arrays."""
    from webapp import demo
    from webapp.migration import steps

    demo.write(demo.generate(patients=5, seed=3), database=database)
    before = {k: sorted(as_bytes(database[k].find())) for k in ("episodes", "treatments", "tumours")}
    with app.app_context():
        with pytest.raises(steps.NothingToRollBack, match="nothing to roll back"):
            steps.rollback_applied()
        rollback.rollback()  # even called directly, it leaves them
    assert {k: sorted(as_bytes(database[k].find())) for k in ("episodes", "treatments", "tumours")} == before


def test_edits_made_since_the_migration_survive_the_rollback(app, database, legacy):
    with app.app_context():
        apply.run()
    doc = database.tumours.find_one()
    database.tumours.update_one({"_id": doc["_id"]}, {"$set": {"site": "Edited site"}})
    with app.app_context():
        report = rollback.rollback()
    assert report["counts"]["changed_since"] == 1
    back = database.episodes.find_one({"_id": bson.ObjectId(doc["episode_id"])})
    assert back["tumours"][doc["migration"]["legacy_index"]]["site"] == "Edited site"
