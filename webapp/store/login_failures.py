"""Failed sign-ins, kept in the database so every worker process sees the
same count: the rate limit holds however the app is served."""
from datetime import timedelta

from webapp import db
from webapp.domain import clock


def _keys(username, remote_addr):
    # Limit both the account (guessing one password) and the address
    # (spraying many accounts).
    return [f"user:{(username or '').lower()}", f"addr:{remote_addr or '-'}"]


def is_locked(username, remote_addr, max_failures, window_seconds):
    since = clock.now() - timedelta(seconds=window_seconds)
    coll = db.collection(db.LOGIN_FAILURES)
    return any(
        coll.count_documents({"key": key, "at": {"$gte": since}}, limit=max_failures) >= max_failures
        for key in _keys(username, remote_addr)
    )


def record(username, remote_addr):
    now = clock.now()
    db.collection(db.LOGIN_FAILURES).insert_many([{"key": k, "at": now} for k in _keys(username, remote_addr)])


def clear(username):
    db.collection(db.LOGIN_FAILURES).delete_many({"key": _keys(username, None)[0]})
