"""The schema version: which migration steps this database has had, in order
(as Alembic's version table or Mongock's change log keep it). One document
in `migration_schema`; the version is the number of steps applied.

A database the app creates itself (`seed bootstrap`, `seed demo` on an empty
database) is stamped at the newest version: it has nothing to migrate, and
nothing to roll back either (a stamped step has no run behind it).
"""
from webapp import db
from webapp.domain import clock
from webapp.migration import report

SCHEMA_ID = "schema"


def _coll(database=None):
    return db.collection(db.MIGRATION_SCHEMA, database)


def applied(database=None):
    """[{step, run_id, at, profile?, stamped?}] in the order applied."""
    doc = _coll(database).find_one({"_id": SCHEMA_ID})
    if doc is not None:
        return list(doc.get("applied", []))
    # A database migrated before versions were recorded: its last run or
    # rollback was a completed run of the first step (a killed run is not).
    last = report.last_operation(database)
    if last and last["operation"] == "run" and last["state"] == report.COMPLETED \
            and last.get("step", "collections") == "collections":
        return [{"step": "collections", "run_id": last["_id"], "at": last.get("finished_at"), "inferred": True}]
    return []


def version(database=None):
    return len(applied(database))


def record(step, run_id, database=None, **extra):
    """Step `step` is applied (it must be the next one)."""
    entries = applied(database)
    if entries and entries[-1].get("inferred") and entries[-1]["run_id"] == run_id:
        entries.pop()  # the run being recorded is the one the inference saw
    _save(entries + [{"step": step, "run_id": run_id, "at": clock.now(), **extra}], database)


def unrecord(step, database=None):
    """Step `step` (the last applied) is rolled back."""
    entries = applied(database)
    if entries and entries[-1]["step"] == step:
        entries.pop()
    _save(entries, database)


def stamp(steps, database=None):
    """Mark a new database as having every step, none of them run."""
    if _coll(database).find_one({"_id": SCHEMA_ID}) is None and not applied(database):
        _save([{"step": name, "run_id": None, "at": clock.now(), "stamped": True} for name in steps], database)


def _save(entries, database):
    _coll(database).replace_one({"_id": SCHEMA_ID}, {"_id": SCHEMA_ID, "version": len(entries), "applied": entries},
                                upsert=True)
