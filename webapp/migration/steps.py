"""The migration's steps, in the order they apply: the one place a future
migration is added (a new step at the end, never an edit of an old one).
The database records which are applied (schema.py); `run_pending` applies
the rest in order, `rollback_applied` undoes them in reverse.
"""
from dataclasses import dataclass

from webapp import db
from webapp.migration import adopt, apply, profile, report, schema
from webapp.migration import rollback as rollback_module
from webapp.migration import verify as verify_module


class NothingToRollBack(Exception):
    """No step has a run behind it: there is nothing a rollback could undo."""


class NothingPending(Exception):
    """Every step is applied: there is nothing to run."""


@dataclass(frozen=True)
class Step:
    name: str
    title: str
    run: object  # run(dry_run=, batch_size=, owner=, var_dir=, on_progress=, run_id=, database=, **options)
    rollback: object
    verify: object  # verify(database) -> (what was checked, [differences])
    options: tuple = ()  # the run options this step takes (profile_name, key)


def _verify_collections(database=None):
    return verify_module.verify(database=database)  # ("forward" or "reverse", differences)


def _verify_adopt(database=None):
    return "adopt", adopt.verify(database)


STEPS = (
    Step("collections", "Move embedded treatments and tumours into their own collections",
         apply.run, rollback_module.rollback, _verify_collections),
    Step("adopt", "Map legacy fields, values and links onto this system's shape",
         adopt.run, adopt.rollback, _verify_adopt, ("profile_name", "key")),
)
BY_NAME = {step.name: step for step in STEPS}
LATEST = len(STEPS)


def status(database=None):
    """{version, latest, applied: [entries], pending: [Step]}."""
    applied = schema.applied(database)
    return {"version": len(applied), "latest": LATEST, "applied": applied, "pending": list(STEPS[len(applied):])}


def adopted(database=None):
    """Whether the adopt step is applied (run or stamped): the validators belong on."""
    return any(entry["step"] == "adopt" for entry in schema.applied(database))


def pending(database=None):
    return list(STEPS[schema.version(database):])


def run_pending(*, dry_run=False, options=None, run_ids=None, **common):
    """Apply every pending step in order (each its own run and report);
    stop at the first that does not complete. A dry run reports what each
    pending step would do now, in order, and records nothing. Returns the
    reports. `run_ids` optionally names each step's run document (the
    dashboard creates them to follow them)."""
    database = common.get("database")
    todo = pending(database)
    profile_name = (options or {}).get("profile_name") or profile.DEFAULT
    ids = _chain(todo, "dry-run" if dry_run else "run", run_ids, common, {"profile": profile_name})

    def recorded(step, doc):
        if not dry_run:
            extra = {"profile": profile_name} if "profile_name" in step.options else {}
            schema.record(step.name, doc["_id"], database, **extra)

    return _in_sequence(todo, ids, database, lambda step: step.run(
        dry_run=dry_run, run_id=ids[step.name], **common,
        **{k: v for k, v in (options or {}).items() if k in step.options}), recorded)


def rollback_applied(*, run_ids=None, **common):
    """Undo the applied steps, newest first. Raises NothingToRollBack when
    none has a run behind it (a new database, or one never migrated)."""
    database = common.get("database")
    applied = to_roll_back(database)
    if not applied:
        raise NothingToRollBack("No migration has been run on this database, so there is nothing to roll back. "
                                "Nothing was changed.")
    order = [BY_NAME[entry["step"]] for entry in reversed(applied)]
    ids = _chain(order, "rollback", run_ids, common)
    entries = dict(zip([step.name for step in order], reversed(applied), strict=True))

    def unrecorded(step, doc):
        if not entries[step.name].get("unrecorded"):
            schema.unrecord(step.name, database)

    return _in_sequence(order, ids, database, lambda step: step.rollback(run_id=ids[step.name], **common),
                        unrecorded)


def _in_sequence(sequence, ids, database, work, completed):
    """work(step) for each step in order, then completed(step, report);
    stop at the first that does not complete (or raises), and mark the
    steps after it as never started. Returns the reports."""
    out = []
    for step in sequence:
        try:
            doc = work(step)
        except BaseException:  # the lease held by another, a kill: the steps after it never start
            _abandon(sequence, step, ids, database)
            raise
        out.append(doc)
        if doc["state"] != report.COMPLETED:
            _abandon(sequence, step, ids, database)
            break
        completed(step, doc)
    return out


def to_roll_back(database=None):
    """The schema entries a rollback undoes, oldest first: the steps that
    ran (stamped ones did not), and an adopt run that failed or was killed
    after changing documents without being recorded (its originals are
    kept, so they go back all the same)."""
    applied = [e for e in schema.applied(database) if not e.get("stamped")]
    if not any(e["step"] == "adopt" for e in applied) and \
            db.collection(db.MIGRATION_ADOPTED, database).find_one({}, {"_id": 1}) is not None:
        applied.append({"step": "adopt", "unrecorded": True})
    return applied


def _chain(sequence, operation, run_ids, common, extra=None):
    """step name -> its run document, all made (or taken from the caller)
    before the first step starts, each pointing to the next: a page
    following the first run follows the whole sequence, never stopping
    between two steps."""
    database = common.get("database")
    ids = {}
    for step in sequence:
        ids[step.name] = (run_ids or {}).get(step.name) or report.new_run(
            operation, common.get("owner"), {"batch_size": common.get("batch_size"), **(extra or {})}, database,
            step=step.name, var_dir=common.get("var_dir"))
    for before, after in zip(sequence, sequence[1:], strict=False):
        report.link_next(ids[before.name], ids[after.name], database)
    return ids


def _abandon(sequence, failed, ids, database):
    """The steps after one that did not complete never start: their run
    documents say so."""
    for step in sequence[sequence.index(failed) + 1:]:
        report.abandon(ids[step.name], f"not started: the {failed.name} step before it did not complete", database)


def verify_all(database=None):
    """[(step name, what was checked, [differences])] for each applied step that ran (the
    first step's check also runs when none did: after a rollback it proves
    the episodes are whole again)."""
    ran = [e["step"] for e in schema.applied(database) if not e.get("stamped")] or ["collections"]
    return [(name, *BY_NAME[name].verify(database)) for name in ran]
