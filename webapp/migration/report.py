"""Run reports: one document per run or rollback in `migrations` (progress
is saved there as the run goes, so the dashboard and a resumed run can read
it), and the same report as a JSON file
`VAR_DIR/reports/migration_report_YYYYMMDD_HHMMSS.json` when it ends.

A dry run's document is kept outside the database (dry_runs.py): a dry run
writes nothing there, not even its own log. The functions here take either
kind of run, so callers never ask which it is; the readers (`get`, `history`,
`active`) find another process's dry runs through `var_dir`."""
import json
from datetime import datetime, timedelta
from pathlib import Path

from bson import ObjectId
from pymongo import DESCENDING

from webapp import db
from webapp.domain import clock
from webapp.migration import dry_runs

# A run's states, in one place: live while it starts and runs, then one of
# the ends; "interrupted" marks a killed run that a later run resumed.
STARTING, RUNNING = "starting", "running"
COMPLETED, FAILED, INTERRUPTED = "completed", "failed", "interrupted"
LIVE = (STARTING, RUNNING)
ENDED = (COMPLETED, FAILED)


def is_live(run):
    return run is not None and run.get("state") in LIVE


DRY_RUN = "dry-run"  # the operation that writes nothing to the database

ANOMALY_LIMIT = 1000  # listed in full up to this; counted always
ALIVE_SECONDS = 60


def new_run(operation, owner, options=None, database=None, step="collections", var_dir=None):
    """A new run's document; returns its id. A dry run's is kept by
    dry_runs (its file under `var_dir` when given), never in the database."""
    now = clock.now()
    doc = {"_id": ObjectId(), "operation": operation, "step": step, "state": STARTING, "owner": owner,
           "options": options or {}, "started_at": now, "alive_at": now, "finished_at": None,
           "duration_s": None, "before": None, "after": None, "counts": {}, "warnings": [], "errors": [],
           "anomalies": [], "anomaly_counts": {},
           "progress": {"episodes_total": 0, "episodes_done": 0, "items_total": 0, "items_done": 0,
                        "rate_per_s": None, "seconds_left": None}}
    if operation == DRY_RUN:
        return dry_runs.create(doc, _name(database), var_dir)
    db.collection(db.MIGRATIONS, database).insert_one(doc)
    return doc["_id"]


def _name(database):
    return db.resolve(database).name


def _set(run_id, fields, database):
    """`$set` these fields on the run's document, wherever it is kept."""
    if dry_runs.holds(run_id):
        dry_runs.update(run_id, fields)
    else:
        db.collection(db.MIGRATIONS, database).update_one({"_id": run_id}, {"$set": fields})


def started(run_id, before, progress, database=None, **extra):
    _set(run_id, {"state": RUNNING, "before": before, "progress": progress, "alive_at": clock.now(), **extra},
         database)


def save_progress(run_id, progress, database=None):
    _set(run_id, {"progress": progress, "alive_at": clock.now()}, database)


def finish(run_id, var_dir, state, database=None, **fields):
    """Close the run: state, duration, the report fields; write the JSON file."""
    doc = dry_runs.held(run_id) if dry_runs.holds(run_id) else \
        db.collection(db.MIGRATIONS, database).find_one({"_id": run_id})
    now = clock.now()
    fields.update(state=state, finished_at=now, duration_s=round((now - doc["started_at"]).total_seconds(), 3))
    anomalies = fields.get("anomalies") or []
    if len(anomalies) > ANOMALY_LIMIT:
        fields["anomalies"] = anomalies[:ANOMALY_LIMIT]
        fields.setdefault("warnings", []).append(
            f"{len(anomalies)} anomalies: the first {ANOMALY_LIMIT} are listed, all are counted"
        )
    doc.update(fields)
    path = write_file(doc, var_dir)
    fields["report_file"] = path.name if path else None
    doc["report_file"] = fields["report_file"]
    _set(run_id, fields, database)
    return doc


def write_file(doc, var_dir):
    if not var_dir:
        return None
    folder = Path(var_dir) / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = doc["started_at"].strftime("%Y%m%d_%H%M%S")
    path = folder / f"migration_report_{stamp}.json"
    n = 1
    while path.exists():  # two runs in one second keep both reports
        n += 1
        path = folder / f"migration_report_{stamp}_{n}.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(to_json(doc))
    tmp.replace(path)
    return path


def _plain(value):
    if isinstance(value, ObjectId):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat() + "Z"
    raise TypeError(f"{type(value).__name__} is not JSON")


def to_json(doc):
    return json.dumps({"report_version": 1, **doc}, default=_plain, indent=2, ensure_ascii=False)


def abandon(run_id, reason, database=None):
    """A run that never started (a step before it failed)."""
    _set(run_id, {"state": FAILED, "errors": [reason], "finished_at": clock.now(), "alive_at": clock.now()},
         database)


def link_next(run_id, next_run_id, database=None):
    """The run that continues this one (the next step of the same command)."""
    _set(run_id, {"next_run": next_run_id}, database)


def get(run_id, database=None, var_dir=None):
    """The run, rollback or dry run `run_id` (any spelling of it), or None."""
    oid = db.object_id(run_id)
    if oid is None:
        return None
    return dry_runs.get(oid, _name(database), var_dir) or db.collection(db.MIGRATIONS, database).find_one({"_id": oid})


def _started(doc):
    # A stored document may hold anything there: those sort last, as the
    # database sorts them (dates before strings, newest first). The steps of
    # one command are made in the same millisecond: their ids (ObjectIds
    # begin with their time) keep them in the order they were made.
    at = doc.get("started_at")
    return (1, at, str(doc.get("_id"))) if isinstance(at, datetime) else (0, datetime.min, str(doc.get("_id")))


def history(limit=50, database=None, var_dir=None):
    """The newest runs, rollbacks and dry runs, newest first, without their anomalies."""
    runs = list(
        db.collection(db.MIGRATIONS, database).find({}, {"anomalies": 0}).sort("started_at", DESCENDING).limit(limit)
    )
    runs += dry_runs.listing(_name(database), var_dir)
    return sorted(runs, key=_started, reverse=True)[:limit]


def last_operation(database=None):
    """The last run or rollback (dry runs change nothing, so they do not set
    the state)."""
    return db.collection(db.MIGRATIONS, database).find_one(
        {"operation": {"$in": ["run", "rollback"]}}, sort=[("started_at", DESCENDING)]
    )


def active(database=None, var_dir=None):
    """The newest run (or dry run) still reporting progress (a process is working on it)."""
    since = clock.now() - timedelta(seconds=ALIVE_SECONDS)
    live = [doc for doc in dry_runs.listing(_name(database), var_dir)
            if is_live(doc) and isinstance(doc.get("alive_at"), datetime) and doc["alive_at"] > since]
    live.append(db.collection(db.MIGRATIONS, database).find_one(
        {"state": {"$in": list(LIVE)}, "alive_at": {"$gt": since}}, sort=[("started_at", DESCENDING)]
    ))
    live = [doc for doc in live if doc is not None]
    if not live:
        return None
    newest = max(live, key=_started)
    # The dashboard shows it whole (as a read from `migrations` would give it).
    return get(newest["_id"], database, var_dir) if newest.get("operation") == DRY_RUN else newest


def _of_step(step):
    # Runs recorded before steps existed were all of the first step.
    return {"step": step} if step != "collections" else {"step": {"$in": [step, None]}}


def unfinished_runs(database=None, step="collections"):
    """Runs of `step` that never finished (their process died), since its
    last finished run or rollback: the run that resumes them names them."""
    coll = db.collection(db.MIGRATIONS, database)
    last_done = coll.find_one(
        {"operation": {"$in": ["run", "rollback"]}, "state": {"$in": list(ENDED)}, **_of_step(step)},
        sort=[("started_at", DESCENDING)],
    )
    query = {"operation": "run", "state": {"$in": [*LIVE, INTERRUPTED]}, **_of_step(step)}
    if last_done:
        query["started_at"] = {"$gt": last_done["started_at"]}
    return list(coll.find(query, {"_id": 1}).sort("started_at", 1))


def mark_interrupted(run_ids, by, database=None):
    if run_ids:
        db.collection(db.MIGRATIONS, database).update_many(
            {"_id": {"$in": run_ids}, "state": {"$in": list(LIVE)}}, {"$set": {"state": INTERRUPTED, "resumed_by": by}}
        )
