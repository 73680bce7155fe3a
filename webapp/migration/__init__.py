"""Embedded arrays -> separate collections.

plan.py        pure: an episode -> its documents, quarantine, record; and back
apply.py       the run (and dry run), batch by batch, crash-safe
rollback.py    the way back
verify.py      item-by-item proof, forward or reverse
stats.py       the before/after table and the state
report.py      run documents in `migrations` and the JSON report files
dry_runs.py    a dry run's run document, kept out of the database (memory, VAR_DIR/dry-runs)
progress.py    items done / total, rate, time left

background.py  runs started from the dashboard
crash.py       the kill -9 test hook
cli.py         `flask migration ...`
"""
