"""Verify, item by item.

After a run: no episode holds an array; every position of every migrated
episode's arrays is exactly once either in its collection (rebuilding the
original item from the document gives the original's checksum) or in
quarantine; no migrated document lacks its episode record.

After a rollback: no migrated document or quarantine entry is left and every
restored episode equals the original (checksum of the whole document).

Each difference is one sentence naming the episode, the collection, the
position and the item id.
"""
from webapp import db
from webapp.domain.records import ID_FIELD, KINDS
from webapp.migration import report, stats
from webapp.migration.plan import digest, restore_item

LIMIT = 200  # differences listed; the count is always complete


class Differences(list):
    total = 0

    def add(self, message):
        self.total += 1
        if len(self) < LIMIT:
            self.append(message)


def verify(direction=None, database=None):
    """(direction, differences). direction: "forward" after a run, "reverse"
    after a rollback; by default whichever the last operation calls for."""
    database = db.resolve(database)
    if direction is None:
        last = report.last_operation(database)
        direction = "reverse" if last and last["operation"] == "rollback" else "forward"
    out = Differences()
    (_reverse if direction == "reverse" else _forward)(database, out)
    return direction, out


def _forward(database, out):
    episodes = db.collection(db.EPISODES, database)
    for episode in episodes.find(stats.LEGACY_FILTER, {kind: 1 for kind in KINDS}).limit(LIMIT):
        held = [kind for kind in KINDS if kind in episode]
        out.add(f"episode {episode['_id']} still holds {' and '.join(held)}")
    out.total += max(0, episodes.count_documents(stats.LEGACY_FILTER) - min(LIMIT, len(out)))

    records = {r["_id"]: r for r in db.collection(db.MIGRATION_EPISODES, database).find(
        {"state": {"$ne": "restored"}}, {"shapes": 1, "counts": 1, "state": 1})}
    by_key = {str(k): r for k, r in records.items()}
    slots = {}  # (episode key, kind, index) -> where it was found
    for kind in KINDS:
        _check_documents(database, kind, by_key, slots, out)
    _check_quarantine(database, slots, out)
    for key, record in by_key.items():
        _check_accounted(key, record, slots, out)


def _check_documents(database, kind, by_key, slots, out):
    """Each migrated document: its episode record, its original, once."""
    id_field = ID_FIELD[kind]
    # A document the adopt step changed since is checked as it was before it.
    before_adopt = {r["doc_id"]: r["original"] for r in db.collection(db.MIGRATION_ADOPTED, database).find(
        {"collection": kind, "original.migration": {"$exists": True}}, {"doc_id": 1, "original": 1})}
    for doc in db.collection(kind, database).find({"migration": {"$exists": True}}):
        doc = before_adopt.get(doc["_id"], doc)
        bookkeeping = doc["migration"]
        key = doc.get("episode_id")
        index = bookkeeping.get("legacy_index")
        name = f"{kind} document {doc.get(id_field)} (episode {key}, position {index})"
        if key not in by_key:
            out.add(f"{name} has no episode record: it was not accounted for by the migration")
            continue
        if digest(restore_item(kind, doc)) != bookkeeping.get("checksum"):
            out.add(f"{name} differs from the original embedded item{_changed_fields(kind, doc)}")
        slot = (key, kind, index)
        if slot in slots:
            out.add(f"{name} is there twice (also {slots[slot]})")
        slots[slot] = f"{kind} document {doc.get(id_field)}"


def _check_quarantine(database, slots, out):
    for entry in db.collection(db.MIGRATION_QUARANTINE, database).find({}):
        key, kind, index = entry["episode_id"], entry["kind"], entry["index"]
        name = f"quarantined {kind}{'' if index is None else f'[{index}]'} of episode {key}"
        if digest(entry["value"]) != entry.get("checksum"):
            out.add(f"{name} differs from the original value")
        slot = (key, kind, "whole" if index is None else index)
        if slot in slots:
            out.add(f"{name} is also {slots[slot]}")
        slots[slot] = f"quarantined ({entry['reason']})"


def _check_accounted(key, record, slots, out):
    """Every item the episode held is a document or in quarantine."""
    for kind in KINDS:
        shape = record["shapes"].get(kind)
        if shape == "list":
            for index in range(record["counts"].get(kind, 0)):
                if (key, kind, index) not in slots:
                    out.add(f"{kind}[{index}] of episode {key} is in neither the {kind} collection nor "
                            "quarantine: lost")
        elif shape == "other" and (key, kind, "whole") not in slots:
            out.add(f"the {kind} value of episode {key} (not an array) is not in quarantine: lost")


def _changed_fields(kind, doc):
    """Name what we can: the fields the migration normalised whose value is
    no longer what it wrote."""
    changed = [k for k, (_, migrated) in doc["migration"].get("changed", {}).items()
               if k != "_id" and doc.get(k) != migrated]
    return f" (changed: {', '.join(changed)})" if changed else " (content changed since the migration)"


def _reverse(database, out):
    for kind in KINDS:
        for doc in (
            db.collection(kind, database)
            .find({"migration": {"$exists": True}}, {ID_FIELD[kind]: 1, "episode_id": 1})
            .limit(LIMIT)
        ):
            out.add(
                f"{kind} document {doc.get(ID_FIELD[kind])} (episode {doc.get('episode_id')}) is still in the "
                "collection after the rollback"
            )
    for entry in db.collection(db.MIGRATION_QUARANTINE, database).find({}, {"episode_id": 1, "kind": 1}).limit(LIMIT):
        out.add(f"quarantined {entry['kind']} of episode {entry['episode_id']} was not put back")
    records = db.collection(db.MIGRATION_EPISODES, database)
    for record in records.find({"state": {"$ne": "restored"}}, {"_id": 1}).limit(LIMIT):
        out.add(f"episode {record['_id']} was not rolled back")
    episodes = db.collection(db.EPISODES, database)
    restored = list(records.find({"state": "restored"}, {"episode_checksum": 1}))
    for start in range(0, len(restored), 1000):
        chunk = {r["_id"]: r for r in restored[start : start + 1000]}
        found = {e["_id"]: e for e in episodes.find({"_id": {"$in": list(chunk)}})}
        for oid, record in chunk.items():
            episode = found.get(oid)
            if episode is None:
                out.add(f"episode {oid} is missing after the rollback")
            elif digest(episode) != record.get("episode_checksum"):
                out.add(f"episode {oid} differs from the original")
