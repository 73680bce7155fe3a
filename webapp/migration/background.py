"""Runs started from the dashboard: in a thread of the app process, holding
the same lease as a CLI run (taken inside the thread; the page follows the
run through its progress in the `migrations` collection)."""
import logging
import threading

from webapp.migration import apply, report, rollback
from webapp.store import lease

log = logging.getLogger(__name__)

OPERATIONS = ("dry-run", "run", "rollback")


def start(app, operation, actor, batch_size):
    """Create the run's report document and start the work; returns its id."""
    if operation not in OPERATIONS:
        raise ValueError(operation)
    owner = lease.default_owner(f"dashboard:{actor}")
    with app.app_context():
        run_id = report.new_run(operation, owner, {"batch_size": batch_size, "started_from": "dashboard"})
    thread = threading.Thread(target=_work, args=(app, operation, owner, batch_size, run_id),
                              name=f"migration-{operation}", daemon=True)
    thread.start()
    return run_id


def _work(app, operation, owner, batch_size, run_id):
    var_dir = app.config["VAR_DIR"]
    with app.app_context():
        try:
            if operation == "rollback":
                rollback.rollback(batch_size=batch_size, owner=owner, var_dir=var_dir, run_id=run_id)
            else:
                apply.run(dry_run=operation == "dry-run", batch_size=batch_size, owner=owner, var_dir=var_dir,
                          run_id=run_id)
        except lease.LockHeld:
            pass  # the report says who holds the lease
        except Exception:  # the report holds the error; the log keeps the trace
            log.exception("migration %s %s failed", operation, run_id)
