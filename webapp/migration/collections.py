"""The migration's own collections (names are part of its contract)."""
from webapp import db

RECORDS = "migration_episodes"  # one per episode touched: how to put it back
QUARANTINE = "migration_quarantine"  # what could not become a document, with the reason


def records(database=None):
    return (database if database is not None else db.get_db())[RECORDS]


def quarantine(database=None):
    return (database if database is not None else db.get_db())[QUARANTINE]
