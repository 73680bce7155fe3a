"""Legacy data in the test's database, and a snapshot of everything the
migration touches (to compare runs whole)."""
import bson
import pytest

from webapp import db, demo

SNAPSHOT_COLLECTIONS = ("episodes", "treatments", "tumours", db.MIGRATION_QUARANTINE, db.MIGRATION_EPISODES)
VOLATILE = {"migrated_at", "run_id", "quarantined_at", "restored_at"}  # when/which run, not what


@pytest.fixture
def store(app):
    """The test's database without pushing an app context for the whole test
    (the shared `database` fixture does: the test client's requests then share
    one `g`, and Flask-WTF's cached CSRF token outlives the session that
    sign-in clears, so form posts fail)."""
    return db.database(app.config["MONGODB_URI"], app.config["MONGODB_DB"])


@pytest.fixture
def legacy(app, store):
    """A small legacy demo dataset: the new-shape data it came from, and the
    episodes exactly as written in the old shape."""
    data = demo.generate(patients=12, seed=3)
    demo.write(data, legacy=True, database=store)
    return {"data": data, "episodes": list(store.episodes.find().sort("_id", 1))}


def snapshot(database):
    """Every document, as BSON bytes (so key order and types count), minus the
    fields that only say when or by which run."""
    out = {}
    for name in SNAPSHOT_COLLECTIONS:
        docs = []
        for doc in database[name].find().sort("_id", 1):
            docs.append(bson.encode({k: v for k, v in doc.items() if k not in VOLATILE}))
        out[name] = docs
    return out


def as_bytes(docs):
    return [bson.encode(d) for d in docs]
