"""The migration lease: one holder at a time, expired leases taken over."""
from datetime import timedelta

import pytest

from webapp.migration import lock
from webapp.store import audit


def test_second_acquire_is_refused_naming_the_holder(app):
    with app.app_context():
        lock.acquire("alice@host:1")
        with pytest.raises(lock.LockHeld) as err:
            lock.acquire("bob@host:2")
        assert "alice@host:1" in str(err.value) and "since" in str(err.value)
        assert lock.current_holder()["owner"] == "alice@host:1"
        lock.release("alice@host:1")
        assert lock.current_holder() is None
        lock.acquire("bob@host:2")
        assert lock.current_holder()["owner"] == "bob@host:2"


def test_expired_lease_is_taken_over(app, database):
    with app.app_context():
        lock.acquire("killed@host:1")
        # The holder was killed: it stopped renewing and the lease lapsed.
        database[lock.COLLECTION].update_one({"_id": lock.LOCK_ID},
                                             {"$set": {"expires_at": audit.now() - timedelta(seconds=1)}})
        assert lock.current_holder() is None
        lease = lock.acquire("next@host:2")
        assert lease["taken_over"] == "killed@host:1"
        assert lock.renew("next@host:2")
        assert not lock.renew("killed@host:1")


def test_lease_expires_within_a_minute():
    assert lock.LEASE_SECONDS <= 60 and lock.HEARTBEAT_SECONDS * 3 <= lock.LEASE_SECONDS


class _QuickHeartbeat(lock.Heartbeat):
    def __init__(self, owner, database):
        super().__init__(owner, database, interval=0.05)


@pytest.mark.parametrize("operation", ["run", "rollback"])
def test_a_run_or_rollback_whose_lease_is_taken_over_stops_between_batches(app, store, legacy, monkeypatch,
                                                                            operation):
    """Two writers at once would undo each other's work: once its lease is
    taken over, a run or a rollback stops after the batch it is in, and its
    report says why."""
    import time

    from webapp.migration import apply, operation as leased, rollback

    with app.app_context():
        if operation == "rollback":
            apply.run(batch_size=100)
        monkeypatch.setattr(lock, "Heartbeat", _QuickHeartbeat)
        batches = []

        def steal_after_first_batch(progress):
            batches.append(progress.as_dict())
            if len(batches) == 1:
                store[lock.COLLECTION].update_one({"_id": lock.LOCK_ID}, {"$set": {"owner": "thief@host:9"}})
                time.sleep(0.5)  # the heartbeat notices on its next beat

        work = apply.run if operation == "run" else rollback.rollback
        with pytest.raises(leased.LeaseLost):
            work(batch_size=2, on_progress=steal_after_first_batch)
    assert len(batches) == 1
    [failed] = list(store.migrations.find({"state": "failed"}))
    assert "LeaseLost" in failed["errors"][0] and "taken over" in failed["errors"][0]
    assert store[lock.COLLECTION].find_one({"_id": lock.LOCK_ID})["owner"] == "thief@host:9"  # not released
