"""Server-side sessions: the cookie holds only a random token; what the
session holds, who it belongs to and when it ends live in `sessions`, so
signing out (or an admin) ends it everywhere a copy of the cookie exists.

A session ends `idle` after its last request and `lifetime` after it began,
whichever comes first; `expires_at` is that moment, and the TTL index removes
the document soon after (the reads check it too, since TTL runs once a
minute)."""
import hashlib
import secrets
from datetime import timedelta

from webapp import db
from webapp.domain import clock

# Writing last_seen on every request would cost a write per page; a minute's
# precision is plenty for a 30-minute idle limit.
TOUCH_EVERY = timedelta(seconds=60)


def _key(token):
    # Only a hash is stored: a copy of the collection holds no usable cookie.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token():
    return secrets.token_urlsafe(32)


def _expiry(created_at, last_seen, idle, lifetime):
    return min(last_seen + idle, created_at + lifetime)


def load(token, idle, lifetime):
    """The live session document for `token`, or None (unknown, ended or
    expired; an expired one is removed)."""
    if not token or len(token) > 100:
        return None
    coll = db.collection(db.SESSIONS)
    doc = coll.find_one({"_id": _key(token)})
    if doc is None:
        return None
    now = clock.now()
    created, seen = doc.get("created_at"), doc.get("last_seen")
    if not created or not seen or now >= _expiry(created, seen, idle, lifetime):
        coll.delete_one({"_id": doc["_id"]})
        return None
    doc["needs_touch"] = now - seen >= TOUCH_EVERY
    return doc


def create(token, data, idle, lifetime):
    now = clock.now()
    db.collection(db.SESSIONS).insert_one({
        "_id": _key(token), "user_id": data.get("_user_id"), "data": data,
        "created_at": now, "last_seen": now, "expires_at": _expiry(now, now, idle, lifetime)})


def save(token, data, idle, lifetime, created_at):
    """Store the session's data and mark it seen now."""
    now = clock.now()
    db.collection(db.SESSIONS).update_one({"_id": _key(token)}, {"$set": {
        "user_id": data.get("_user_id"), "data": data, "last_seen": now,
        "expires_at": _expiry(created_at, now, idle, lifetime)}})


def touch(token, idle, lifetime, created_at):
    now = clock.now()
    db.collection(db.SESSIONS).update_one({"_id": _key(token)}, {"$set": {
        "last_seen": now, "expires_at": _expiry(created_at, now, idle, lifetime)}})


def delete(token):
    db.collection(db.SESSIONS).delete_one({"_id": _key(token)})


def end_all_for(user_id):
    """Sign a user out everywhere; returns how many sessions ended."""
    return db.collection(db.SESSIONS).delete_many({"user_id": str(user_id)}).deleted_count


def count_for(user_id):
    return db.collection(db.SESSIONS).count_documents({"user_id": str(user_id), "expires_at": {"$gt": clock.now()}})
