"""The audit trail: one `audit_log` entry per change, with who, when, what,
and the record before and after. Writers pass their session so the entry
commits (or not) with the change it describes."""
from webapp import db
from webapp.domain.clock import now


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
    db.collection(db.AUDIT_LOG).insert_one(doc, session=session)
    return doc


def latest(entity, limit=20):
    """The latest entries about any record of `entity`, newest first."""
    return list(db.collection(db.AUDIT_LOG).find({"entity": entity}).sort("at", -1).limit(limit))


def history(entity, entity_id, limit=100):
    return list(
        db.collection(db.AUDIT_LOG)
        .find({"entity": entity, "entity_id": str(entity_id)})
        .sort("at", -1)
        .limit(limit)
    )
