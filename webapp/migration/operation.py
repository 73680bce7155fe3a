"""What a migration run and a rollback share around their work: the lease
(one at a time), the run's report (opened, and closed however the work
ends), and the heartbeat that keeps the lease and says when it was lost."""
from contextlib import nullcontext

from webapp.migration import report, stats
from webapp.store import lease


class LeaseLost(Exception):
    """Another process took the lease over: this one stops between batches."""


def check_lease(heartbeat, operation):
    """Between batches: stop if the lease was taken over (two writers at once
    would undo each other's work)."""
    if heartbeat is not None and heartbeat.lost.is_set():
        raise LeaseLost(f"the {operation} lease was taken over by another process: stopped between batches")


def run(operation, lease_name, work, *, owner, run_id, var_dir, batch_size, database, leased=True,
        step="collections", options=None):
    """Take the lease (unless `leased` is False, as for a dry run), open the
    report, run work(run_id, lease, heartbeat), then close the report and
    release the lease. A failure, even a KeyboardInterrupt, closes the report
    as failed with what happened; the data is then as safe as after a kill,
    and a rerun resumes. Raises lease.LockHeld if another holds the lease."""
    held = None
    if leased:
        try:
            held = lease.acquire(owner, lease_name, database)
        except lease.LockHeld as held:
            if run_id is not None:
                report.finish(run_id, var_dir, report.FAILED, database, errors=[str(held)])
            raise
    if run_id is None:
        run_id = report.new_run(operation, owner, {"batch_size": batch_size, **(options or {})}, database, step=step,
                                var_dir=var_dir)
    try:
        with lease.Heartbeat(owner, database) if leased else nullcontext() as heartbeat:
            result = work(run_id, held, heartbeat)
    except BaseException as exc:
        report.finish(run_id, var_dir, report.FAILED, database,
                      errors=[f"{type(exc).__name__}: {exc}"], after=stats.measure(database))
        if leased:
            lease.release(owner, database)
        raise
    if leased:
        lease.release(owner, database)
    return report.finish(run_id, var_dir, report.FAILED if result["errors"] else report.COMPLETED, database,
                         **result)
