"""The migration's own collections (names are part of its contract)."""
from webapp import db

RECORDS = db.MIGRATION_EPISODES  # one per episode touched: how to put it back
QUARANTINE = db.MIGRATION_QUARANTINE  # what could not become a document, with the reason


def records(database=None):
    return (database if database is not None else db.get_db())[RECORDS]


def quarantine(database=None):
    return (database if database is not None else db.get_db())[QUARANTINE]
