"""Every export is recorded: who, when, the parameters, the record count and
the file's sha256 (the entry's `after`)."""
from webapp.store import audit

ENTITY = "nboca_export"


def record_export(export, actor):
    return audit.record(actor, "export", ENTITY, export.submission_id, after=export.summary())


def recent_exports(limit=20):
    """The latest recorded NBOCA exports, newest first."""
    return audit.latest(ENTITY, limit)
