"""A test hook: kill this process (SIGKILL, no clean-up, like kill -9) at a
named point of a batch, to prove a rerun ends where an uninterrupted run does.

MIGRATION_CRASH_AT=<point>:<batch number, from 1>. Points: `inside_batch`
(treatments written, tumours not), `before_unset` (all items and records
written, arrays still on the episodes), `after_batch` (arrays removed,
progress not saved), `rollback_inside_batch` (episodes restored, collection
documents not yet removed). Unset in production: one environment lookup.
"""
import os
import signal

ENV = "MIGRATION_CRASH_AT"


def point(name, batch):
    if os.environ.get(ENV) == f"{name}:{batch}":
        os.kill(os.getpid(), signal.SIGKILL)
