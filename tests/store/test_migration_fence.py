"""While a migration holds the lease, the store itself refuses episode,
tumour and treatment writes, checked inside each write's transaction: the
route's check before the form is read is not the last word, and a write
that missed the lease cannot land once the lease is taken."""
import threading
from datetime import datetime

import pytest

from tests.clinical_data import ACTOR, make_episode, make_patient, surgery_fields, tumour_fields
from webapp import db
from webapp.store import episodes, lease, records, treatments, tumours

OWNER = "migration-test@host:1"


@pytest.fixture
def episode(database):
    return make_episode(make_patient())


def _counts(database):
    return {name: database[name].count_documents({}) for name in ("episodes", "tumours", "treatments", "audit_log")}


def test_writes_refused_while_a_lease_is_live(database, episode):
    t = treatments.add(episode, surgery_fields(), ACTOR)
    lease.acquire(OWNER)
    before = _counts(database)
    episode_id, version = str(episode["_id"]), episode["version"]
    attempts = [
        lambda: treatments.add(episode, surgery_fields(), ACTOR),
        lambda: treatments.update(episode, t["treatment_id"], surgery_fields(), 1, ACTOR),
        lambda: treatments.delete(episode, t["treatment_id"], 1, ACTOR),
        lambda: tumours.add(episode, tumour_fields(), ACTOR),
        lambda: episodes.update(episode_id, {"status": "closed"}, version, ACTOR),
        lambda: episodes.delete(episode_id, version, ACTOR),
    ]
    for attempt in attempts:
        with pytest.raises(lease.WritesPaused) as refused:
            attempt()
        assert refused.value.holder["owner"] == OWNER
    assert _counts(database) == before
    lease.release(OWNER)
    treatments.add(episode, surgery_fields(), ACTOR)
    assert database.treatments.count_documents({}) == 2


def test_a_write_that_missed_the_lease_cannot_land_after_it(database, episode):
    """The write passes its lease check, then a migration takes the lease
    before the write commits. Either the lease waits until the write has
    committed, or the write is retried, sees the lease and is refused:
    never a write committed after the lease was taken."""
    # An earlier run's lapsed lease, so taking it over and the write touch
    # documents that already exist (the usual case), not fresh inserts.
    lease.acquire("earlier@host:0")
    database[db.MIGRATION_LOCK].update_one({"_id": lease.LOCK_ID}, {"$set": {"expires_at": datetime(2000, 1, 1)}})
    treatments.add(episode, surgery_fields(), ACTOR)
    checked, taken = threading.Event(), threading.Event()
    attempts = []

    def work(session):
        attempt = {}
        attempts.append(attempt)
        checked.set()
        attempt["lease_taken_meanwhile"] = taken.wait(1.5)
        db.collection(db.TREATMENTS).insert_one(
            {"treatment_id": "TRT-RACE", "episode_id": str(episode["_id"])}, session=session)

    def migration():
        checked.wait(5)
        lease.acquire(OWNER)
        taken.set()

    starter = threading.Thread(target=migration)
    starter.start()
    try:
        records.fenced(work)
        outcome = "written"
    except lease.WritesPaused:
        outcome = "refused"
    starter.join(10)
    assert lease.current_holder()["owner"] == OWNER
    if outcome == "written":
        assert attempts[-1]["lease_taken_meanwhile"] is False  # the lease waited for the commit
    else:
        assert database.treatments.count_documents({"treatment_id": "TRT-RACE"}) == 0
