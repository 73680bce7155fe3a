"""The audit trail: one `audit_log` entry per change, with who, when, what,
and the record before and after. Writers pass their session so the entry
commits (or not) with the change it describes."""
from datetime import datetime, timezone

from webapp import db


def now():
    """UTC, naive (BSON dates carry no zone; we read them back as UTC)."""
    # BSON dates keep milliseconds: truncate so what we hold equals what we read back.
    t = datetime.now(timezone.utc).replace(tzinfo=None)
    return t.replace(microsecond=t.microsecond // 1000 * 1000)


def entry(actor, action, entity, entity_id, before=None, after=None, **extra):
    return {
        "at": now(),
        "actor": actor,
        "action": action,
        "entity": entity,
        "entity_id": str(entity_id),
        "before": before,
        "after": after,
        **extra,
    }


def record(actor, action, entity, entity_id, before=None, after=None, session=None, **extra):
    doc = entry(actor, action, entity, entity_id, before, after, **extra)
    db.get_audit_log_collection().insert_one(doc, session=session)
    return doc


def latest(entity, limit=20):
    """The latest entries about any record of `entity`, newest first."""
    return list(db.get_audit_log_collection().find({"entity": entity}).sort("at", -1).limit(limit))


def history(entity, entity_id, limit=100):
    return list(
        db.get_audit_log_collection()
        .find({"entity": entity, "entity_id": str(entity_id)})
        .sort("at", -1)
        .limit(limit)
    )
