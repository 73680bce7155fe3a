"""Legacy data in the test's database, and a snapshot of everything the
migration touches (to compare runs whole)."""
import bson
import pytest

from webapp import demo
from webapp.migration import collections

SNAPSHOT_COLLECTIONS = ("episodes", "treatments", "tumours", collections.QUARANTINE, collections.RECORDS)
VOLATILE = {"migrated_at", "run_id", "quarantined_at", "restored_at"}  # when/which run, not what


@pytest.fixture
def legacy(app, database):
    """A small legacy demo dataset: the new-shape data it came from, and the
    episodes exactly as written in the old shape."""
    data = demo.generate(patients=12, seed=3)
    demo.write(data, legacy=True, database=database)
    return {"data": data, "episodes": list(database.episodes.find().sort("_id", 1))}


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
