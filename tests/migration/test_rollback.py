"""`migration rollback`: the episodes come back equal to the originals."""
from datetime import datetime

import bson

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
    assert [t["treatment_id"] for t in database.episodes.find_one({"_id": new_id})["treatments"]] == [
        "TRT-NEW000000003"
    ]
    assert database.treatments.count_documents({}) == 0


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
