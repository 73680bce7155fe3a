"""Sign-in attempts, counted in the database so every worker process sees the
same count: the rate limit holds however the app is served.

An attempt is counted *before* its password is checked, in one atomic
increment per key, and only attempts whose count is within the limit are
checked at all: 32 simultaneous wrong passwords get at most the limit
checked, never 32. A success gives its counts back."""
from datetime import timedelta

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from webapp import db
from webapp.domain import clock


def _keys(username, remote_addr):
    # Limit both the account (guessing one password) and the address
    # (spraying many accounts).
    return [f"user:{(username or '').strip().lower()}", f"addr:{remote_addr or '-'}"]


def _count(key, window):
    coll = db.collection(db.LOGIN_ATTEMPTS)
    now = clock.now()
    # A window that has passed starts again from nothing.
    coll.update_one({"_id": key, "expires_at": {"$lte": now}}, {"$set": {"count": 0, "expires_at": now + window}})
    # Make sure the counter exists (many first attempts at once race to
    # insert it: one wins, the others' duplicate-key errors say it is there),
    # then count on it, which no longer races.
    try:
        coll.update_one({"_id": key}, {"$setOnInsert": {"count": 0, "expires_at": now + window}}, upsert=True)
    except DuplicateKeyError:
        pass
    doc = coll.find_one_and_update({"_id": key}, {"$inc": {"count": 1}}, return_document=ReturnDocument.AFTER)
    if doc is None:  # removed by its TTL between the two: count afresh
        return _count(key, window)
    return doc["count"]


def attempt(username, remote_addr, max_failures, window_seconds):
    """Count one attempt; True when it may be checked, False when the user
    or the address has used up its attempts in this window."""
    window = timedelta(seconds=window_seconds)
    counts = [_count(key, window) for key in _keys(username, remote_addr)]
    return all(c <= max_failures for c in counts)


def succeeded(username, remote_addr):
    """The right password: the account's count goes, the address's attempt
    is given back (a success is not a failure)."""
    user_key, addr_key = _keys(username, remote_addr)
    coll = db.collection(db.LOGIN_ATTEMPTS)
    coll.delete_one({"_id": user_key})
    coll.update_one({"_id": addr_key, "count": {"$gt": 0}}, {"$inc": {"count": -1}})


def clear(username):
    """An administrator's unlock."""
    return db.collection(db.LOGIN_ATTEMPTS).delete_one({"_id": _keys(username, None)[0]}).deleted_count
