"""The run: move every embedded treatment and tumour into its collection, in
batches of episodes, each batch crash-safe on its own.

Per batch, in this order:
  1. read the next episodes still holding an array (one cursor in _id order,
     so a rerun meets exactly the unfinished ones, in the same order);
  2. plan them (pure) and settle duplicate ids against the collections;
  3. insert the items (unordered; a document a killed run already wrote has
     the same deterministic _id and is recognised as a duplicate), the
     quarantine entries and the episode records (how to put each back);
  4. only then unset the arrays, for the episodes whose writes all landed;
  5. save progress.
Steps 3 to 5 run in a writer thread while the next batch is read and
planned (pipeline.py). A kill -9 anywhere leaves episodes that still hold
their arrays and perhaps some of their documents already written: the
rerun redoes them, and the duplicates are recognised, so the end state
equals an uninterrupted run's.
"""

from pymongo.errors import BulkWriteError

from webapp import db
from webapp.domain import clock
from webapp.domain.records import ID_FIELD, KINDS
from webapp.migration import crash, operation, pipeline, report, stats
from webapp.migration.plan import plan_episode, resolve_duplicates
from webapp.migration.progress import Progress
from webapp.migration.scan import DEFAULT_BATCH, Batches, with_retries
from webapp.store import lease


def _insert(coll, docs):
    """Insert, unordered. Returns the documents that failed for a reason other
    than "this very document is already there" (written by a killed run: its
    _id is deterministic, so the _id being present proves it)."""
    if not docs:
        return []
    try:
        coll.insert_many(docs, ordered=False)
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        # The server may name any unique index the document collides on, not
        # necessarily _id: ask which of them are ours already.
        dup_ids = [docs[e["index"]]["_id"] for e in errors if e.get("code") == 11000]
        present = {d["_id"] for d in coll.find({"_id": {"$in": dup_ids}}, {"_id": 1})} if dup_ids else set()
        return [(docs[e["index"]], e.get("errmsg", str(e))) for e in errors
                if not (e.get("code") == 11000 and docs[e["index"]]["_id"] in present)]
    return []


def run(*, dry_run=False, batch_size=DEFAULT_BATCH, owner=None, var_dir=None, on_progress=None,
        run_id=None, database=None):
    """Migrate (or, with dry_run, plan and report only). Returns the report.
    Raises lease.LockHeld if another run or a rollback holds the lease."""
    database = db.resolve(database)
    return operation.run(
        "dry-run" if dry_run else "run", "migration",
        lambda run_id, held, heartbeat: _migrate(database, run_id, dry_run, batch_size, held, on_progress,
                                                  heartbeat),
        owner=owner or lease.default_owner(), run_id=run_id, var_dir=var_dir, batch_size=batch_size,
        database=database, leased=not dry_run)


def _migrate(database, run_id, dry_run, batch_size, held, on_progress, heartbeat):
    warnings, errors = [], []
    resumed = [] if dry_run else _prepare_run(database, run_id, held, warnings)
    before = stats.measure(database)
    items_total = sum(before[f"embedded_{kind}"] for kind in KINDS)
    progress = Progress(before["episodes_with_arrays"], items_total)
    report.started(run_id, before, progress.as_dict(), database, resumes=resumed)

    counts = {"episodes": 0, "treatments": 0, "tumours": 0, "quarantined": 0, "episodes_failed": 0}
    anomalies = []
    seen = {kind: {} for kind in KINDS}
    reader = Batches(db.collection(db.EPISODES, database), stats.LEGACY_FILTER, batch_size)

    def write(job):
        batch_no, batch, plans = job
        operation.check_lease(heartbeat, "migration")  # a batch is written only under the lease
        failed = {} if dry_run else with_retries(lambda: _write_batch(database, batch_no, plans), warnings)
        moved = _tally(plans, failed, counts, anomalies, errors)
        progress.advance(len(batch), moved)
        report.save_progress(run_id, progress.as_dict(), database)
        if on_progress:
            on_progress(progress)

    # Batch n+1 is read and planned while batch n is written.
    with pipeline.Writer(write) as writer:
        batch_no = 0
        while True:
            batch, plans = with_retries(lambda: _read_batch(database, reader, run_id, seen), warnings, reader)
            if not batch:
                break
            batch_no += 1
            reader.done(batch)
            writer.put((batch_no, batch, plans))

    if resumed:
        # Batches the interrupted runs finished are not replanned here: their
        # anomalies are in the episode records.
        mine = {_anomaly_key(a) for a in anomalies}
        anomalies = [a for a in _recorded_anomalies(database, resumed) if _anomaly_key(a) not in mine] + anomalies
    anomaly_counts = {}
    for entry in anomalies:
        anomaly_counts[entry["code"]] = anomaly_counts.get(entry["code"], 0) + 1
    after = stats.measure(database) if not dry_run else _projected(before, counts)
    notes = ["a dry run: nothing was written; 'after' is what a run would leave"] if dry_run else []
    return {"before": before, "after": after, "counts": counts, "warnings": warnings, "errors": errors,
            "anomalies": anomalies, "anomaly_counts": anomaly_counts, "progress": progress.as_dict(), "notes": notes}


def _prepare_run(database, run_id, held, warnings):
    """Before a real run: indexes in place, interrupted runs marked as
    resumed by this one (returned), and a finished rollback's records gone."""
    for refused in db.init_indexes(database):
        warnings.append(index_warning(refused))
    resumed = [r["_id"] for r in report.unfinished_runs(database) if r["_id"] != run_id]
    report.mark_interrupted(resumed, run_id, database)
    if resumed:
        warnings.append(f"resumed after {len(resumed)} interrupted run(s): " + ", ".join(str(r) for r in resumed))
    if held and held.get("taken_over"):
        warnings.append(f"took over the lapsed lease of {held['taken_over']}")
    # Records of a finished rollback describe the old world: a new run starts afresh.
    db.collection(db.MIGRATION_EPISODES, database).delete_many({"state": "restored"})
    return resumed


def index_warning(refused):
    """db.init_indexes' word on an index the data does not allow yet."""
    values = "; ".join(f"{d['value']} x{d['count']}" for d in refused["duplicates"][:5])
    return (f"index {refused['collection']}.{refused['index']} not made yet ({refused['problem']}): {values}; "
            "it is made once they are resolved (db init)")


def _tally(plans, failed, counts, anomalies, errors):
    """Add one batch's outcome to the run's counts; returns the items it moved."""
    for episode_id, messages in failed.items():
        errors.append({"episode_id": episode_id, "message": "; ".join(messages)
                       + " (its arrays were left in place: rerun after fixing)"})
    moved = 0
    for plan in plans:
        if str(plan.episode_id) in failed:
            continue
        anomalies.extend(plan.anomalies)
        counts["episodes"] += 1
        for kind in KINDS:
            counts[kind] += len(plan.items[kind])
            moved += len(plan.items[kind])
        counts["quarantined"] += len(plan.quarantine)
        moved += sum(1 for q in plan.quarantine if q["index"] is not None)
    counts["episodes_failed"] += len(failed)
    return moved


def _anomaly_key(entry):
    return (entry["episode_id"], entry["kind"], entry["index"], entry["code"])


def _read_batch(database, reader, run_id, seen):
    """The next episodes still holding arrays, planned: (episodes, plans)."""
    batch = reader.next()
    return (batch, _plan_batch(database, batch, run_id, seen)) if batch else ([], [])


def _write_batch(database, batch_no, plans):
    """Write one planned batch: items, set-aside items and episode records,
    then (for the episodes whose writes all landed) unset the arrays.
    Returns {episode id: [failure messages]}."""
    failed = {}
    for n, kind in enumerate(KINDS):
        docs = [doc for plan in plans for doc in plan.items[kind]]
        for doc, message in _insert(db.collection(kind, database), docs):
            failed.setdefault(doc["episode_id"], []).append(f"{kind} {doc[ID_FIELD[kind]]}: {message}")
        if n == 0:
            crash.point("inside_batch", batch_no)
    for doc, message in _insert(
        db.collection(db.MIGRATION_QUARANTINE, database), [q for p in plans for q in p.quarantine]
    ):
        failed.setdefault(doc["episode_id"], []).append(f"quarantine: {message}")
    ok_plans = [p for p in plans if str(p.episode_id) not in failed]
    for doc, message in _insert(db.collection(db.MIGRATION_EPISODES, database), [p.record for p in ok_plans]):
        failed.setdefault(str(doc["_id"]), []).append(f"record: {message}")
    crash.point("before_unset", batch_no)
    done_ids = [p.episode_id for p in plans if str(p.episode_id) not in failed]
    if done_ids:
        db.collection(db.EPISODES, database).update_many({"_id": {"$in": done_ids}},
                                                          {"$unset": {kind: "" for kind in KINDS}})
    crash.point("after_batch", batch_no)
    return failed


def _plan_batch(database, batch, run_id, seen):
    """Plan each episode (pure), settle duplicate ids against the
    collections, and note on each record what it needs to be undone."""
    now = clock.now()
    plans = [plan_episode(episode, now) for episode in batch]
    for kind in KINDS:
        ids = [doc[ID_FIELD[kind]] for plan in plans for doc in plan.items[kind]]
        existing = {d[ID_FIELD[kind]]: d["_id"] for d in
                    db.collection(kind, database).find({ID_FIELD[kind]: {"$in": ids}}, {ID_FIELD[kind]: 1})
                    } if ids else {}
        # Earlier batches' items count as in the collection whether or not
        # the writer has written them yet (as after a kill and rerun), so
        # the anomalies say the same however the writes were timed.
        existing.update({i: seen[kind][i][0] for i in ids if i in seen[kind]})
        resolve_duplicates(kind, plans, existing, seen[kind])
    preexisting = _preexisting(database, batch)
    for plan in plans:
        plan.record["run_id"] = run_id
        if preexisting.get(plan.episode_id):
            plan.record["preexisting"] = preexisting[plan.episode_id]
        if plan.anomalies:
            plan.record["anomalies"] = plan.anomalies
            plan.record["has_anomalies"] = True
    return plans


def _preexisting(database, batch):
    """episode _id -> {kind: [_id]} of documents already in the collections
    under these episodes before this run (a legacy system's own, or the
    app's): the rollback leaves them where they are. A killed run's copies
    carry `migration` and are not among them."""
    keys = {str(e["_id"]): e["_id"] for e in batch}
    out = {}
    for kind in KINDS:
        for doc in db.collection(kind, database).find(
                {"episode_id": {"$in": list(keys)}, "migration": {"$exists": False}}, {"episode_id": 1}):
            out.setdefault(keys[doc["episode_id"]], {}).setdefault(kind, []).append(doc["_id"])
    return out


def _recorded_anomalies(database, run_ids):
    """The anomalies of this run and the interrupted runs it finished, from
    the episode records (written before each batch's arrays were removed, so
    a kill never loses them)."""
    out = []
    for record in (
        db.collection(db.MIGRATION_EPISODES, database)
        .find({"has_anomalies": True, "run_id": {"$in": run_ids}}, {"anomalies": 1})
        .sort("_id", 1)
    ):
        out.extend(record["anomalies"])
    return out


def _projected(before, counts):
    after = dict(before)
    after["episodes_with_arrays"] = before["episodes_with_arrays"] - counts["episodes"]
    for kind in KINDS:
        # Every array of every episode planned leaves the episode.
        after[f"episodes_with_embedded_{kind}"] = 0
        after[f"embedded_{kind}"] = 0
        after[f"{kind}_collection"] = before[f"{kind}_collection"] + counts[kind]
    after["quarantined"] = before["quarantined"] + counts["quarantined"]
    after["episodes_migrated"] = before["episodes_migrated"] + counts["episodes"]
    return after
