"""How big the database is, watched over time (the seed's "database storage
growth"): for each of the app's collections, its documents and the bytes of
its data (uncompressed, as the server reports `size`) and of its indexes
now, and snapshots of those figures so growth between two moments can be
read."""
from webapp import db
from webapp.domain import clock

WATCHED = (db.PATIENTS, db.EPISODES, db.TUMOURS, db.TREATMENTS, db.AUDIT_LOG, db.USERS, db.MIGRATIONS)
WATCHED += (db.RESPONSE_ASSESSMENTS, db.FOLLOW_UPS, db.PROTOCOL_TEMPLATES)


def current():
    """[{collection, documents, data_bytes, index_bytes}] for each watched collection."""
    database = db.resolve()
    # Collections only: collStats fails on a view.
    existing = {c["name"] for c in database.list_collections(filter={"type": "collection"})}
    rows = []
    for name in WATCHED:
        # The collStats command, not the $collStats stage: both real servers
        # and the embedded one report sizes through it.
        stats = database.command("collStats", name) if name in existing else {}
        rows.append({"collection": name, "documents": stats.get("count", 0), "data_bytes": stats.get("size", 0),
                     "index_bytes": stats.get("totalIndexSize", 0)})
    return rows


def record(actor):
    """Keep a snapshot of the figures now; returns it."""
    snapshot = {"at": clock.now(), "by": actor, "collections": current()}
    db.collection(db.STORAGE_SNAPSHOTS).insert_one(snapshot)
    return snapshot


def snapshots(limit=30):
    """The latest snapshots, newest first."""
    return list(db.collection(db.STORAGE_SNAPSHOTS).find().sort("at", -1).limit(limit))


def growth(rows, since):
    """`rows` with what changed since the snapshot `since` (None: no change
    known): documents_change and bytes_change (data and indexes together)."""
    before = {r["collection"]: r for r in (since or {}).get("collections", [])}
    out = []
    for row in rows:
        old = before.get(row["collection"])
        out.append({**row,
                    "documents_change": row["documents"] - old["documents"] if old else None,
                    "bytes_change": (row["data_bytes"] + row["index_bytes"] - old["data_bytes"] - old["index_bytes"])
                    if old else None})
    return out


def ping():
    """Is the database answering? (the health check's question)."""
    return db.ping()
