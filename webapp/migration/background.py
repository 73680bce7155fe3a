"""Runs started from the dashboard: in a thread of the app process, holding
the same lease as a CLI run (taken inside the thread; the page follows the
run through its progress in its report, see report.py)."""
import logging
import threading

from webapp.migration import adopt, report, steps
from webapp.store import lease

log = logging.getLogger(__name__)

OPERATIONS = ("dry-run", "run", "rollback")


def start(app, operation, actor, batch_size, profile_name=None):
    """Create the first step's report document and start the work; returns
    its id (each later step's report is linked from the one before).
    Raises steps.NothingToRollBack, or ValueError for a bad key setting."""
    if operation not in OPERATIONS:
        raise ValueError(operation)
    owner = lease.default_owner(f"dashboard:{actor}")
    with app.app_context():
        key = adopt.key_from(app.config) if operation != "rollback" else None
        first = _first_step(operation)
        run_id = report.new_run(operation, owner, {"batch_size": batch_size, "started_from": "dashboard"},
                                step=first.name, var_dir=app.config["VAR_DIR"])
    options = {"profile_name": profile_name, "key": key}
    thread = threading.Thread(target=_work, args=(app, operation, owner, batch_size, {first.name: run_id}, options),
                              name=f"migration-{operation}", daemon=True)
    thread.start()
    return run_id


def _first_step(operation):
    if operation == "rollback":
        ran = steps.to_roll_back()
        if not ran:
            raise steps.NothingToRollBack("No migration has been run on this database, so there is nothing to roll "
                                          "back. Nothing was changed.")
        return steps.BY_NAME[ran[-1]["step"]]
    pending = steps.pending()
    if not pending:
        raise steps.NothingPending(f"Nothing to do: the database is at schema version {steps.LATEST}, the newest. "
                                   "Nothing was started.")
    return pending[0]


def _work(app, operation, owner, batch_size, run_ids, options):
    var_dir = app.config["VAR_DIR"]
    common = {"batch_size": batch_size, "owner": owner, "var_dir": var_dir, "run_ids": run_ids}
    with app.app_context():
        try:
            if operation == "rollback":
                steps.rollback_applied(**common)
            else:
                steps.run_pending(dry_run=operation == "dry-run", options=options, **common)
        except lease.LockHeld:
            pass  # the report says who holds the lease
        except Exception:  # the report holds the error; the log keeps the trace
            log.exception("migration %s %s failed", operation, run_ids)
