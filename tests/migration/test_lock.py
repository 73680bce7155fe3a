"""The migration lease: one holder at a time, expired leases taken over."""
from datetime import timedelta

import pytest

from webapp import db
from webapp.domain import clock
from webapp.store import lease


def test_second_acquire_is_refused_naming_the_holder(app):
    with app.app_context():
        lease.acquire("alice@host:1")
        with pytest.raises(lease.LockHeld) as err:
            lease.acquire("bob@host:2")
        assert "alice@host:1" in str(err.value) and "since" in str(err.value)
        assert lease.current_holder()["owner"] == "alice@host:1"
        lease.release("alice@host:1")
        assert lease.current_holder() is None
        lease.acquire("bob@host:2")
        assert lease.current_holder()["owner"] == "bob@host:2"


def test_expired_lease_is_taken_over(app, database):
    with app.app_context():
        lease.acquire("killed@host:1")
        # The holder was killed: it stopped renewing and the lease lapsed.
        database[db.MIGRATION_LOCK].update_one({"_id": lease.LOCK_ID},
                                             {"$set": {"expires_at": clock.now() - timedelta(seconds=1)}})
        assert lease.current_holder() is None
        held = lease.acquire("next@host:2")
        assert held["taken_over"] == "killed@host:1"
        assert lease.renew("next@host:2")
        assert not lease.renew("killed@host:1")


def test_lease_expires_within_a_minute():
    assert lease.LEASE_SECONDS <= 60 and lease.HEARTBEAT_SECONDS * 3 <= lease.LEASE_SECONDS


class _QuickHeartbeat(lease.Heartbeat):
    def __init__(self, owner, database):
        super().__init__(owner, database, interval=0.05)


@pytest.mark.parametrize("operation", ["run", "rollback"])
def test_a_run_or_rollback_whose_lease_is_taken_over_stops_between_batches(app, store, legacy, monkeypatch,
                                                                            operation):
    """Two writers at once would undo each other's work: once its lease is
    taken over, a run or a rollback stops after the batch it is in, and its
    report says why."""
    import time

    from webapp.migration import apply, rollback
    from webapp.migration import operation as leased

    with app.app_context():
        if operation == "rollback":
            apply.run(batch_size=100)
        monkeypatch.setattr(lease, "Heartbeat", _QuickHeartbeat)
        batches = []

        def steal_after_first_batch(progress):
            batches.append(progress.as_dict())
            if len(batches) == 1:
                store[db.MIGRATION_LOCK].update_one({"_id": lease.LOCK_ID}, {"$set": {"owner": "thief@host:9"}})
                time.sleep(0.5)  # the heartbeat notices on its next beat

        work = apply.run if operation == "run" else rollback.rollback
        with pytest.raises(leased.LeaseLost):
            work(batch_size=2, on_progress=steal_after_first_batch)
    assert len(batches) == 1
    [failed] = list(store.migrations.find({"state": "failed"}))
    assert "LeaseLost" in failed["errors"][0] and "taken over" in failed["errors"][0]
    assert store[db.MIGRATION_LOCK].find_one({"_id": lease.LOCK_ID})["owner"] == "thief@host:9"  # not released
