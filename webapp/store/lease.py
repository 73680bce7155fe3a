"""One migration (or rollback) at a time: a lease in the database.

The holder renews the lease by heartbeat while it is alive; a holder killed
with kill -9 stops renewing, and its lease lapses within LEASE_SECONDS, after
which the next run takes it over (and resumes from the saved progress).
While a lease is live, episode, tumour and treatment writes are refused:
the routes say so up front (see `current_holder`), and the store checks
again inside each write's transaction (see `fence_clinical_write`).
"""
import os
import socket
import threading
from datetime import timedelta

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from webapp import db
from webapp.domain import clock

LOCK_ID = "migration"
# A document every fenced clinical write and every lease taken both mark.
FENCE_ID = "clinical-writes"
LEASE_SECONDS = 45
HEARTBEAT_SECONDS = 10


class LockHeld(Exception):
    def __init__(self, holder):
        self.holder = holder
        super().__init__(
            f"a {holder.get('operation', 'migration')} is already running: held by {holder['owner']} "
            f"since {holder['acquired_at']:%Y-%m-%d %H:%M:%S} UTC (lease until {holder['expires_at']:%H:%M:%S} UTC)"
        )


class WritesPaused(Exception):
    """A migration or rollback holds the lease: clinical records wait."""

    def __init__(self, holder):
        self.holder = holder
        super().__init__(f"a {holder.get('operation', 'migration')} held by {holder['owner']} is running")


def default_owner(actor="cli"):
    return f"{actor}@{socket.gethostname()}:{os.getpid()}"


def describe_owner(owner):
    """`default_owner`'s text in words a manager reads: "dashboard:ann@vm:42"
    is "ann (from the dashboard)", "cli@vm:42" is "the command line on vm"."""
    text = str(owner or "")
    actor, _, place = text.partition("@")
    host = place.rsplit(":", 1)[0] if place else ""
    if actor.startswith("dashboard:"):
        return f"{actor.removeprefix('dashboard:')} (from the dashboard)"
    if actor == "cli":
        return f"the command line on {host}" if host else "the command line"
    return text


def current_holder(database=None):
    """The live lease, or None. Reading it is one indexed find_one."""
    doc = db.collection(db.MIGRATION_LOCK, database).find_one({"_id": LOCK_ID})
    if doc and doc["expires_at"] > clock.now():
        return doc
    return None


def acquire(owner, operation="migration", database=None):
    """Take the lease, or take over an expired one; raise LockHeld if live.
    Returns the lease document (with `taken_over` saying whose expired lease
    this replaced, if any)."""
    now = clock.now()
    fields = {"owner": owner, "operation": operation, "acquired_at": now,
              "renewed_at": now, "expires_at": now + timedelta(seconds=LEASE_SECONDS)}
    coll = db.collection(db.MIGRATION_LOCK, database)
    previous = coll.find_one({"_id": LOCK_ID})
    try:
        if previous is None:
            coll.insert_one({"_id": LOCK_ID, **fields})
            return {**fields, "taken_over": None}
        # Compare-and-set on the expiry we saw: two runs racing for an expired
        # lease cannot both win.
        won = coll.find_one_and_update(
            {"_id": LOCK_ID, "expires_at": previous["expires_at"], "$or": [
                {"expires_at": {"$lte": now}}, {"owner": owner}]},
            {"$set": fields}, return_document=ReturnDocument.AFTER)
    except DuplicateKeyError:
        won = None
    if won is None:
        raise LockHeld(current_holder(database) or coll.find_one({"_id": LOCK_ID}))
    _mark_fence("leases", database=database)
    return {**fields, "taken_over": previous["owner"] if previous["owner"] != owner else None}


def _mark_fence(counter, session=None, database=None):
    db.collection(db.MIGRATION_LOCK, database).update_one(
        {"_id": FENCE_ID}, {"$inc": {counter: 1}}, upsert=True, session=session
    )


def fence_clinical_write(session):
    """Called first inside a clinical write's transaction: refuse while a
    lease is live, and mark the fence document that `acquire` marks too.
    A write whose snapshot predates a lease then conflicts with that mark and
    is retried (and the retry sees the lease), while a write already marking
    the fence holds `acquire` back until it commits. So once `acquire` has
    returned, no write that missed the lease can still land, and the routes'
    own check before the form is read is not the last word.

    Costs: every such write marks the same document, so clinical writes
    commit one at a time (a clash is retried by the transaction), which a
    clinical team's write rate does not notice. Needs transactions (a replica
    set, as production runs for w=majority): on a standalone server the
    check is still made, but a write already past it can land after a lease
    is taken."""
    holder = db.collection(db.MIGRATION_LOCK).find_one({"_id": LOCK_ID}, session=session)
    if holder and holder["expires_at"] > clock.now():
        raise WritesPaused(holder)
    _mark_fence("clinical_writes", session=session)


def renew(owner, database=None):
    """Extend the lease; False if it is no longer ours (taken over)."""
    now = clock.now()
    result = db.collection(db.MIGRATION_LOCK, database).update_one(
        {"_id": LOCK_ID, "owner": owner},
        {"$set": {"renewed_at": now, "expires_at": now + timedelta(seconds=LEASE_SECONDS)}},
    )
    return result.matched_count == 1


def release(owner, database=None):
    db.collection(db.MIGRATION_LOCK, database).delete_one({"_id": LOCK_ID, "owner": owner})


class Heartbeat:
    """Renews the lease every HEARTBEAT_SECONDS from a daemon thread while the
    work runs. `lost` is set when the lease was taken from us."""

    def __init__(self, owner, database, interval=HEARTBEAT_SECONDS):
        self.owner = owner
        self.database = database
        self.interval = interval
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="migration-heartbeat")

    def _run(self):
        while not self._stop.wait(self.interval):
            if not renew(self.owner, self.database):
                self.lost.set()
                return

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(self.interval + 1)
