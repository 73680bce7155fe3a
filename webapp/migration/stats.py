"""The seed document's before/after table, measured live, and the migration
state (never run, running, completed, rolled back, failed)."""
from webapp import db
from webapp.domain.records import KINDS
from webapp.store import lease

LEGACY_FILTER = {"$or": [{kind: {"$exists": True}} for kind in KINDS]}


def _size(kind):
    # $size on the array itself, never a path through its subdocuments (the
    # embedded server gets those wrong).
    return {"$cond": [{"$isArray": f"${kind}"}, {"$size": f"${kind}"}, 0]}


def measure(database=None):
    database = db.resolve(database)
    episodes = db.collection(db.EPISODES, database)
    out = {
        "episodes_total": episodes.count_documents({}),
        "episodes_with_arrays": 0,
    }
    for kind in KINDS:
        out[f"episodes_with_embedded_{kind}"] = 0
        out[f"embedded_{kind}"] = 0
    pipeline = [
        {"$match": LEGACY_FILTER},
        {"$project": {kind: _size(kind) for kind in KINDS}},
        {"$group": {"_id": None, "episodes_with_arrays": {"$sum": 1},
                    **{f"episodes_with_embedded_{kind}": {"$sum": {"$cond": [{"$gt": [f"${kind}", 0]}, 1, 0]}}
                       for kind in KINDS},
                    **{f"embedded_{kind}": {"$sum": f"${kind}"} for kind in KINDS}}},
    ]
    for row in episodes.aggregate(pipeline):
        out.update({k: v for k, v in row.items() if k != "_id"})
    for kind in KINDS:
        out[f"{kind}_collection"] = db.collection(kind, database).count_documents({})
    out["quarantined"] = db.collection(db.MIGRATION_QUARANTINE, database).count_documents({})
    out["episodes_migrated"] = db.collection(db.MIGRATION_EPISODES, database).count_documents(
        {"state": {"$ne": "restored"}}
    )
    return out


LABELS = [
    ("episodes_total", "Episodes total"),
    ("episodes_with_arrays", "Episodes still holding their treatments or tumours inside them"),
    ("episodes_with_embedded_treatments", "Episodes with embedded treatments"),
    ("embedded_treatments", "Embedded treatments (items)"),
    ("episodes_with_embedded_tumours", "Episodes with embedded tumours"),
    ("embedded_tumours", "Embedded tumours (items)"),
    ("treatments_collection", "Treatments in their own list"),
    ("tumours_collection", "Tumours in their own list"),
    ("quarantined", "Items set aside (could not be moved; kept with the reason)"),
    ("episodes_migrated", "Episodes migrated (with a way back)"),
]


def state(database=None):
    """(state, the last run or rollback document or None)."""
    from webapp.migration import report

    last = report.last_operation(database)
    if last is None:
        return "never run", None
    if report.is_live(last):
        holder = lease.current_holder(database)
        if holder is not None:
            return report.RUNNING, last
        return report.FAILED, last  # its process died: the lease lapsed
    if last["state"] == report.COMPLETED:
        return ("rolled back" if last["operation"] == "rollback" else report.COMPLETED), last
    return report.FAILED, last
