"""The way back: each migrated episode gets its arrays again, items in their
original positions (quarantined ones too), and the collection documents go.

Per batch of episode records (state `migrated`):
  1. rebuild each episode from its current fields, its collection documents
     and its quarantine entries, in the original key order, and replace it;
  2. mark the records `restoring` (the episodes are whole again);
  3. delete the collection documents and quarantine entries they came from;
  4. mark the records `restored` (kept: verify compares each episode with
     the checksum of the original; the next run clears them).
A kill between 1 and 2 rebuilds the same episode again; between 2 and 4 the
rerun only deletes. Then the documents created through the app for episodes
that were never migrated go into those episodes' arrays, in date order.
"""

from pymongo import ReplaceOne

from webapp import db
from webapp.domain import clock
from webapp.migration import crash, operation, report, stats
from webapp.migration.plan import (
    KINDS,
    digest,
    new_item_for_episode,
    restore_episode,
    restore_item,
    sort_key_new_item,
)
from webapp.migration.progress import Progress
from webapp.migration.scan import DEFAULT_BATCH, Batches, with_retries
from webapp.store import lease


def rollback(*, batch_size=DEFAULT_BATCH, owner=None, var_dir=None, on_progress=None, run_id=None, database=None):
    database = db.resolve(database)
    return operation.run(
        "rollback", "rollback",
        lambda run_id, held, heartbeat: _rollback(database, run_id, batch_size, on_progress, heartbeat),
        owner=owner or lease.default_owner(), run_id=run_id, var_dir=var_dir, batch_size=batch_size,
        database=database)


def _group(docs, key):
    out = {}
    for doc in docs:
        out.setdefault(doc.get(key), []).append(doc)
    return out


def _rollback(database, run_id, batch_size, on_progress, heartbeat):
    records = db.collection(db.MIGRATION_EPISODES, database)
    before = stats.measure(database)
    pending = {"state": {"$in": ["migrated", "restoring"]}}
    total_items = before["treatments_collection"] + before["tumours_collection"] + before["quarantined"]
    progress = Progress(records.count_documents(pending), total_items)
    report.started(run_id, before, progress.as_dict(), database)
    warnings, errors = [], []
    counts = {"episodes": 0, "treatments": 0, "tumours": 0, "quarantined": 0, "changed_since": 0,
              "deleted_since": 0, "added_since": 0, "episodes_changed_since": 0}
    batch_no = 0
    reader = Batches(records, pending, batch_size)
    while True:
        # A batch is idempotent, so a lost connection is met by doing it again.
        def one_batch(n=batch_no + 1):
            step = dict(counts)
            return step, _one_batch(database, reader, n, step, warnings, errors)

        step, done = with_retries(one_batch, warnings, reader)
        counts.update(step)
        if done is None:
            break
        batch_no += 1
        n_episodes, moved = done
        progress.advance(n_episodes, moved)
        report.save_progress(run_id, progress.as_dict(), database)
        if on_progress:
            on_progress(progress)
        operation.check_lease(heartbeat, "rollback")

    _leftovers(database, counts, errors)
    if counts["episodes_changed_since"]:
        warnings.append(f"{counts['episodes_changed_since']} episode(s) differ from before the migration: "
                        "changed through the app since (their current values were kept)")
    return {"before": before, "after": stats.measure(database), "counts": counts, "warnings": warnings,
            "errors": errors, "progress": progress.as_dict()}


def _one_batch(database, reader, batch_no, counts, warnings, errors):
    """Restore one batch of episodes; None when there is nothing left, else
    (episodes, items moved)."""
    records = db.collection(db.MIGRATION_EPISODES, database)
    quarantine = db.collection(db.MIGRATION_QUARANTINE, database)
    episodes = db.collection(db.EPISODES, database)
    batch = reader.next()
    if not batch:
        return None
    ids = [r["_id"] for r in batch]
    keys = [str(i) for i in ids]
    current = {e["_id"]: e for e in episodes.find({"_id": {"$in": ids}})}
    items = {
        kind: _group(db.collection(kind, database).find({"episode_id": {"$in": keys}}), "episode_id") for kind in KINDS
    }
    held = _group(quarantine.find({"episode": {"$in": ids}}), "episode")
    replacements, gone_items, gone_quarantine = [], {kind: [] for kind in KINDS}, []
    moved = 0
    for record in batch:
        moved += _collect(record, items, held, gone_items, gone_quarantine)
        replacement = _rebuild(record, current.get(record["_id"]), items, held, counts, warnings, errors,
                               gone_items)
        if replacement is not None:
            replacements.append(replacement)
    if replacements:
        episodes.bulk_write(replacements, ordered=False)
    records.update_many({"_id": {"$in": ids}, "state": "migrated"}, {"$set": {"state": "restoring"}})
    crash.point("rollback_inside_batch", batch_no)
    for kind in KINDS:
        if gone_items[kind]:
            db.collection(kind, database).delete_many({"_id": {"$in": gone_items[kind]}})
    if gone_quarantine:
        quarantine.delete_many({"_id": {"$in": gone_quarantine}})
    records.update_many({"_id": {"$in": ids}}, {"$set": {"state": "restored", "restored_at": clock.now()}})
    reader.done(batch)
    return len(batch), moved


def _collect(record, items, held, gone_items, gone_quarantine):
    """Mark an episode's documents and quarantine entries to be removed;
    returns how many items that is."""
    mine = _own(record, items)
    for kind in KINDS:
        gone_items[kind].extend(d["_id"] for d in mine[kind])
    gone_quarantine.extend(q["_id"] for q in held.get(record["_id"], []))
    return sum(len(docs) for docs in mine.values()) + len(held.get(record["_id"], []))


def _own(record, items):
    """kind -> the episode's documents the rollback takes back: all under it
    but those that were in the collections before the migration."""
    key = str(record["_id"])
    keep = {i for ids in (record.get("preexisting") or {}).values() for i in ids}
    return {kind: [d for d in items[kind].get(key, []) if d["_id"] not in keep] for kind in KINDS}


def _rebuild(record, episode, items, held, counts, warnings, errors, gone_items):
    """The episode as it was (a ReplaceOne), or None when there is nothing
    to rebuild."""
    key = str(record["_id"])
    if episode is None:
        errors.append({"episode_id": key, "message": "the episode was deleted after the migration: its items "
                                                     "cannot go back and were removed with it"})
        return None
    if record["state"] != "migrated":
        return None  # already rebuilt by a run that was killed afterwards
    mine = _own(record, items)
    arrays = _arrays(record, mine, held.get(record["_id"], []), counts, warnings, errors)
    for kind in KINDS:
        if record["shapes"].get(kind) == "other":
            # Items added since to a value that is not an array cannot join
            # it: they stay in their collection (the report says so).
            stay = {d["_id"] for d in mine[kind] if not d.get("migration")}
            gone_items[kind] = [i for i in gone_items[kind] if i not in stay]
    restored = restore_episode(episode, record, arrays)
    if digest(restored) != record.get("episode_checksum"):
        counts["episodes_changed_since"] += 1
    counts["episodes"] += 1
    return ReplaceOne({"_id": record["_id"]}, restored)


def _arrays(record, mine, held, counts, warnings, errors):
    """kind -> the value the episode holds again."""
    out = {}
    for kind in KINDS:
        shape = record["shapes"].get(kind, "absent")
        slots, extra = _placed(kind, mine[kind], counts)
        whole = None
        for entry in held:
            if entry["kind"] != kind:
                continue
            if entry["index"] is None:
                whole = entry["value"]
            else:
                slots[entry["index"]] = entry["value"]
            counts["quarantined"] += 1
        extra.sort(key=lambda item, kind=kind: sort_key_new_item(kind, item))
        if shape == "list":
            n = record["counts"].get(kind, 0)
            counts["deleted_since"] += sum(1 for i in range(n) if i not in slots)
            out[kind] = [slots[i] for i in range(n) if i in slots] + extra
        elif shape == "other":
            out[kind] = whole
            if extra:
                errors.append({"episode_id": str(record["_id"]),
                               "message": f"{kind} was not an array before the migration; {len(extra)} item(s) "
                                          "added since cannot join it: left in the collection"})
        elif shape == "null":
            out[kind] = extra if extra else None
        elif extra:
            out[kind] = extra
    return out


def _placed(kind, docs, counts):
    """The migrated documents back as items at their original positions
    ({index: item}), and the items added through the app since."""
    slots, extra = {}, []
    for doc in docs:
        bookkeeping = doc.get("migration")
        if bookkeeping and "legacy_index" in bookkeeping:
            item = restore_item(kind, doc)
            if digest(item) != bookkeeping.get("checksum"):
                counts["changed_since"] += 1
            slots[bookkeeping["legacy_index"]] = item
            counts[kind] += 1
        else:
            extra.append(new_item_for_episode(doc))
            counts["added_since"] += 1
    return slots, extra


def _leftovers(database, counts, errors):
    """Copies written by a run killed before it removed their episode's
    arrays (the arrays still hold the originals): the copies go. Nothing
    else in the collections is touched: documents on episodes no migration
    recorded were there before it (a legacy system's own) or were added to
    new episodes since, and are counted as left where they are."""
    episodes = db.collection(db.EPISODES, database)
    for kind in KINDS:
        coll = db.collection(kind, database)
        copies = _group(coll.find({"migration": {"$exists": True}}, {"episode_id": 1}), "episode_id")
        keys = {key: (db.object_id(key) or key) for key in copies}
        holding = {e["_id"] for e in episodes.find({"_id": {"$in": list(keys.values())}, kind: {"$type": "array"}},
                                                   {"_id": 1})} if keys else set()
        for episode_key, group in copies.items():
            if keys[episode_key] not in holding:
                errors.append({"episode_id": episode_key, "message": f"{len(group)} {kind} document(s) carry the "
                               "migration's mark but their episode holds no array: left in the collection"})
                continue
            coll.delete_many({"_id": {"$in": [d["_id"] for d in group]}})
        counts["left_in_collections"] = counts.get("left_in_collections", 0) + coll.count_documents(
            {"migration": {"$exists": False}})
