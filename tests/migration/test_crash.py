"""kill -9 at several points of a run (between batches and inside one), then
run again: the end state equals one uninterrupted run on the same data."""
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from tests.migration.conftest import as_bytes, snapshot
from webapp import db, demo
from webapp.domain import clock
from webapp.migration import apply, rollback, stats, verify
from webapp.store import lease

ROOT = Path(__file__).resolve().parents[2]
BATCH = "3"


def fresh_legacy(database):
    for name in ("episodes", "patients", "treatments", "tumours", "migrations", db.MIGRATION_LOCK,
                 db.MIGRATION_QUARANTINE, db.MIGRATION_EPISODES):
        database[name].delete_many({})
    data = demo.generate(patients=12, seed=5)
    # A few odd items too, so quarantine and generated ids are part of what must match.
    legacy = demo.legacy_shape(data)
    legacy["episodes"][1]["treatments"].insert(1, "handwritten note")
    legacy["episodes"][4]["tumours"][0].pop("tumour_id")
    legacy["episodes"][7]["treatments"].append(dict(legacy["episodes"][2]["treatments"][0]))  # duplicate id
    demo.write(legacy, database=database)


def cli(app, *args, crash_at=None):
    env = dict(os.environ, MONGODB_URI=app.config["MONGODB_URI"], MONGODB_DB=app.config["MONGODB_DB"],
               VAR_DIR=app.config["VAR_DIR"], SECRET_KEY="test-secret-key")
    env.pop("MIGRATION_CRASH_AT", None)
    if crash_at:
        env["MIGRATION_CRASH_AT"] = crash_at
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "migration", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def expire_lease(database):
    database[db.MIGRATION_LOCK].update_one({"_id": lease.LOCK_ID},
                                         {"$set": {"expires_at": clock.now() - timedelta(seconds=1)}})


@pytest.fixture
def reference(app, database):
    """The state one uninterrupted run leaves on this data."""
    fresh_legacy(database)
    originals = as_bytes(database.episodes.find().sort("_id", 1))
    with app.app_context():
        report = apply.run(batch_size=int(BATCH))
    assert set(report["anomaly_counts"]) == {"not_an_object", "missing_id", "duplicate_id"}
    return {"after": snapshot(database), "originals": originals, "anomaly_counts": report["anomaly_counts"]}


@pytest.mark.parametrize("point", ["inside_batch:1", "before_unset:2", "after_batch:2", "inside_batch:4",
                                   "after_batch:5"])
def test_killed_run_then_rerun_equals_uninterrupted_run(app, database, reference, point):
    fresh_legacy(database)
    killed = cli(app, "run", "--yes", "--batch-size", BATCH, crash_at=point)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert database.migrations.find_one({"state": "completed"}) is None  # it never finished...
    if point != "after_batch:5":  # (15 episodes: batch 5 is the last, killed before its report)
        assert database.episodes.count_documents({"treatments": {"$exists": True}}) > 0  # ...it stopped midway
    holder = database[db.MIGRATION_LOCK].find_one({"_id": lease.LOCK_ID})
    assert holder["owner"].startswith("cli@")  # the dead run's lease is still there...
    with app.app_context():
        assert stats.state()[0] == "running"  # as far as anyone can tell, until the lease lapses
        with pytest.raises(lease.LockHeld):  # ...and live: nobody else may start yet
            apply.run(batch_size=int(BATCH))
    expire_lease(database)  # as if a minute had passed
    with app.app_context():
        assert stats.state()[0] == "failed"

    rerun = cli(app, "run", "--yes", "--batch-size", BATCH)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert "took over the lapsed lease of cli@" in rerun.stdout
    assert "resumed after 1 interrupted run" in rerun.stdout
    assert snapshot(database) == reference["after"]
    for code, n in reference["anomaly_counts"].items():  # the report still lists every anomaly once
        assert f"anomaly {code}: {n}\n" in rerun.stdout
    with app.app_context():
        assert verify.verify() == ("forward", [])


def test_killed_rollback_then_rerun_restores_the_originals(app, database, reference):
    killed = cli(app, "rollback", "--yes", "--batch-size", BATCH, crash_at="rollback_inside_batch:2")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    expire_lease(database)
    with app.app_context():
        report = rollback.rollback(batch_size=int(BATCH))
        assert report["state"] == "completed", report["errors"]
        assert verify.verify() == ("reverse", [])
    assert as_bytes(database.episodes.find().sort("_id", 1)) == reference["originals"]
    assert database.treatments.count_documents({}) == 0 and database.tumours.count_documents({}) == 0


def test_rollback_after_a_killed_run_restores_the_originals(app, database, reference):
    """Rolling back a half-done run: the copies a killed batch wrote go, and
    every episode is as it was."""
    fresh_legacy(database)
    assert cli(app, "run", "--yes", "--batch-size", BATCH, crash_at="before_unset:3").returncode == -signal.SIGKILL
    expire_lease(database)
    with app.app_context():
        report = rollback.rollback()
        assert report["state"] == "completed", report["errors"]
    assert as_bytes(database.episodes.find().sort("_id", 1)) == reference["originals"]
    assert database.treatments.count_documents({}) == 0 and database.tumours.count_documents({}) == 0
