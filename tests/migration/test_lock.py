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
