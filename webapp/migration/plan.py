"""Pure: one legacy episode -> the documents the migration writes, and the
inverse (a collection document -> the embedded item it came from).

No I/O here, so the dry run, the run, verify and rollback all share one
definition of "what an item becomes" and "how it comes back".

A migrated item is the new shape exactly (as `webapp.demo.generate()` makes
it: `<kind>_id`, `episode_id`, `patient_id`, the item's own fields in their
order, `created_at`/`last_modified_at`) plus one bookkeeping subdocument:

    migration: {
      legacy_index: position in the episode's array (order on the way back),
      checksum:     sha1 of the original item's BSON (verify proves content),
      changed:      {field: [original, migrated]}  values we normalised,
      added:        {field: migrated}              fields the item lacked,
      keys:         [original key order]           only when it differs,
      item:         the whole original             only if the above cannot
                                                   rebuild it byte for byte,
    }

The episode's own bookkeeping goes to `migration_episodes` (one record per
episode touched: array shapes, counts, original key order when unusual, the
sha1 of the whole original episode, its anomalies). Items that cannot become
collection documents (not objects, arrays that are not arrays) go to
`migration_quarantine` with the reason; the record's counts include them so
verify accounts for every position.
"""
import hashlib
from datetime import datetime

import bson
from bson import ObjectId

from webapp.domain import treatments as treatment_fields
from webapp.domain import validators
from webapp.domain.records import ID_FIELD, ID_PREFIX, KINDS, TUMOUR_FIELDS

DATE_FIELD = {"treatments": "treatment_date", "tumours": "diagnosis_date"}
PARENT_FIELDS = ("episode_id", "patient_id")
STAMP_FIELDS = ("created_at", "last_modified_at")
HUGE_ARRAY = 200  # items in one episode's array above which we warn

# The fields the app knows (treatment fields from the one list the forms and
# store use too). Anything else is
# migrated untouched and reported, so a clinician's odd extra never vanishes.
COMMON_FIELDS = {"created_at", "last_modified_at", "version", "episode_id", "patient_id", "notes"}
KNOWN_FIELDS = {
    "treatments": COMMON_FIELDS | {"treatment_id", treatment_fields.PATHWAY_FIELD, treatment_fields.PROTOCOL_FIELD}
    | set(treatment_fields.COMMON_FIELDS) | set(treatment_fields.ALL_TYPE_FIELDS),
    "tumours": COMMON_FIELDS | {"tumour_id"} | set(TUMOUR_FIELDS),
}

_DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%d %H:%M:%S",
                 "%Y-%m-%d %H:%M:%S.%f", "%d/%m/%Y", "%Y%m%d")


def is_date_field(name):
    return name.endswith("_date") or name in STAMP_FIELDS


def parse_date(value):
    """A BSON-able datetime for a legacy date value, or None if we cannot read it."""
    return validators.legacy_datetime(value, _DATE_FORMATS)


def digest(value):
    """sha1 of a value's BSON bytes: equal iff same content, types and key order."""
    return hashlib.sha1(bson.encode({"v": value})).hexdigest()


def derived_object_id(*parts):
    """A deterministic _id: a rerun after a crash writes the same document
    again, and the database recognises it."""
    return ObjectId(hashlib.sha1("|".join(str(p) for p in parts).encode()).digest()[:12])


def item_object_id(kind, episode_key, index):
    return derived_object_id("item", kind, episode_key, index)


def quarantine_object_id(kind, episode_key, index):
    return derived_object_id("quarantine", kind, episode_key, index)


def generated_id(kind, episode_key, index, item):
    # Content is part of the hash so two different items never share it even
    # if positions were reused; position makes identical twins distinct.
    h = hashlib.sha1(f"{kind}|{episode_key}|{index}|".encode() + bson.encode(item)).hexdigest()[:12].upper()
    return f"{ID_PREFIX[kind]}-MIG-{h}"


def duplicate_id(kind, original, episode_key, index):
    h = hashlib.sha1(f"dup|{kind}|{episode_key}|{index}|{original}".encode()).hexdigest()[:8].upper()
    return f"{original}-DUP-{h}"


def anomaly(code, message, episode, kind=None, index=None, item_id=None, action="migrated with a warning"):
    return {"code": code, "message": message, "episode_id": str(episode.get("_id")),
            "patient_id": episode.get("patient_id") if isinstance(episode.get("patient_id"), str) else None,
            "kind": kind, "index": index, "item_id": item_id, "action": action}


class EpisodePlan:
    """What one episode becomes: documents per collection, quarantine
    entries, the episode record, anomalies."""

    __slots__ = ("episode_id", "items", "quarantine", "record", "anomalies")

    def __init__(self, episode_id):
        self.episode_id = episode_id
        self.items = {kind: [] for kind in KINDS}
        self.quarantine = []
        self.record = None
        self.anomalies = []


def shape_of(episode, kind):
    if kind not in episode:
        return "absent"
    value = episode[kind]
    if value is None:
        return "null"
    if isinstance(value, list):
        return "list"
    return "other"


def plan_episode(episode, now):
    """The plan for one legacy episode (pure). Duplicate ids across episodes
    need the database's view and are settled later by `resolve_duplicates`."""
    plan = EpisodePlan(episode["_id"])
    episode_key = str(episode["_id"])
    mrn = episode.get("patient_id")
    if not isinstance(mrn, str) or not mrn:
        plan.anomalies.append(anomaly("no_patient_id", "the episode has no MRN in patient_id: its items get "
                                      "patient_id null", episode))
        mrn = None
    shapes, counts = {}, {}
    for kind in KINDS:
        shape = shapes[kind] = shape_of(episode, kind)
        counts[kind] = 0
        if shape == "absent":
            plan.anomalies.append(anomaly("absent_array", f"the episode has no {kind} field (nothing to move; "
                                          "it stays absent on rollback)", episode, kind))
            continue
        if shape == "null":
            plan.anomalies.append(anomaly("null_array", f"{kind} is null (nothing to move; restored as null "
                                          "on rollback)", episode, kind))
            continue
        value = episode[kind]
        if shape == "other":
            plan.quarantine.append(quarantine_doc(kind, episode, None, value, "not_an_array",
                                                  f"{kind} is a {type(value).__name__}, not an array", now))
            plan.anomalies.append(anomaly("not_an_array", f"{kind} is a {type(value).__name__}, not an array: "
                                          "kept whole in quarantine", episode, kind, action="quarantined"))
            continue
        counts[kind] = len(value)
        if len(value) > HUGE_ARRAY:
            plan.anomalies.append(anomaly("huge_array", f"{kind} holds {len(value)} items (more than "
                                          f"{HUGE_ARRAY}): all moved", episode, kind))
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                plan.quarantine.append(quarantine_doc(kind, episode, index, item, "not_an_object",
                                                      f"item is a {type(item).__name__}, not an object", now))
                plan.anomalies.append(anomaly("not_an_object", f"{kind}[{index}] is a {type(item).__name__}, "
                                              "not an object: kept in quarantine", episode, kind, index,
                                              action="quarantined"))
                continue
            plan.items[kind].append(build_item(kind, episode, episode_key, mrn, index, item, now, plan.anomalies))
    keys = list(episode.keys())
    record = {"_id": episode["_id"], "state": "migrated", "shapes": shapes, "counts": counts,
              "episode_checksum": digest(episode), "migrated_at": now}
    if keys != [k for k in keys if k not in KINDS] + [k for k in KINDS if k in episode]:
        # Arrays not last, or not in the usual order: keep the order to put them back.
        record["keys"] = keys
    plan.record = record
    return plan


def quarantine_doc(kind, episode, index, value, reason, message, now):
    return {"_id": quarantine_object_id(kind, str(episode["_id"]), index if index is not None else "whole"),
            "episode_id": str(episode["_id"]), "episode": episode["_id"],
            "patient_id": episode.get("patient_id"), "kind": kind, "index": index,
            "reason": reason, "message": message, "value": value, "checksum": digest(value),
            "quarantined_at": now}


def build_item(kind, episode, episode_key, mrn, index, item, now, anomalies):
    id_field = ID_FIELD[kind]
    changed, added = {}, {}
    report = _Reporter(kind, episode, index, anomalies)
    item_id = _item_id(kind, episode_key, index, item, changed, added, report)
    unknown = sorted(k for k in item if k not in KNOWN_FIELDS[kind])
    if unknown:
        report("unknown_fields", f"has fields the app does not know: {', '.join(unknown)} (moved as they are)",
               item_id)
    fields = _fields(item, id_field, changed, report, item_id)
    parents = {"episode_id": episode_key, "patient_id": mrn}
    for key in PARENT_FIELDS:
        if key in item:
            changed[key] = [item[key], parents[key]]
            if item[key] != parents[key]:
                report("parent_mismatch", f"says {key} = {item[key]!r} but sits in episode {episode_key} "
                       f"({parents[key]!r}): the parent wins", item_id)
    if "_id" in item:
        # An embedded _id would clash with ours; keep it for the way back.
        changed["_id"] = [item["_id"], None]
    doc = {"_id": item_object_id(kind, episode_key, index), id_field: item_id, **parents, **fields}
    _stamp(doc, episode, now, changed, added)
    bookkeeping = {"legacy_index": index, "checksum": digest(item)}
    if changed:
        bookkeeping["changed"] = changed
    if added:
        bookkeeping["added"] = added
    doc["migration"] = bookkeeping
    _make_reversible(kind, doc, item)
    return doc


class _Reporter:
    """Anomalies about one item, each message starting with where it is."""

    def __init__(self, kind, episode, index, anomalies):
        self.kind, self.episode, self.index, self.anomalies = kind, episode, index, anomalies

    def __call__(self, code, message, item_id):
        where = f"{self.kind}[{self.index}]" + ("" if message.startswith(".") else " ")
        self.anomalies.append(anomaly(code, where + message, self.episode, self.kind, self.index, item_id))


def _item_id(kind, episode_key, index, item, changed, added, report):
    """The item's own id, or a deterministic one when it has none usable."""
    id_field = ID_FIELD[kind]
    item_id = item.get(id_field)
    if isinstance(item_id, str) and item_id.strip():
        return item_id
    new_id = generated_id(kind, episode_key, index, item)
    if id_field in item:
        changed[id_field] = [item_id, new_id]
    else:
        added[id_field] = new_id
    report("missing_id", f"has no usable {id_field} ({item_id!r}): given {new_id}", new_id)
    return new_id


def _fields(item, id_field, changed, report, item_id):
    """The item's own fields, string dates read as dates (an unreadable one
    moved as null, the original kept for rollback)."""
    fields = {}
    for key, value in item.items():
        if key in (id_field, "_id") or key in PARENT_FIELDS:
            continue
        if is_date_field(key) and value is not None and not isinstance(value, datetime):
            parsed = parse_date(value)
            if parsed is None:
                report("unparseable_date", f".{key} = {value!r} is not a date we can read: moved as null, the "
                       "original kept for rollback", item_id)
            changed[key] = [value, parsed]
            value = parsed
        fields[key] = value
    return fields


def _stamp(doc, episode, now, changed, added):
    """created_at / last_modified_at: the episode's, else now."""
    for key in STAMP_FIELDS:
        if key not in doc or doc[key] is None:
            stamp = episode.get(key) if isinstance(episode.get(key), datetime) else now
            if key in doc:
                changed[key] = [None, stamp]
            else:
                added[key] = stamp
            doc[key] = stamp


def _make_reversible(kind, doc, item):
    """Prove, now, that `restore_item` gives back the original byte for byte;
    add what it needs until it does."""
    bookkeeping = doc["migration"]
    if digest(restore_item(kind, doc)) == bookkeeping["checksum"]:
        return
    bookkeeping["keys"] = list(item.keys())
    if digest(restore_item(kind, doc)) == bookkeeping["checksum"]:
        return
    bookkeeping["item"] = item


def reassign_id(kind, doc, new_id, anomaly_entry, anomalies):
    """Give a migrated document a new id (its own clashed), keeping the
    original for the way back."""
    id_field = ID_FIELD[kind]
    bookkeeping = doc["migration"]
    old = doc[id_field]
    if id_field in bookkeeping.get("added", {}):
        bookkeeping["added"][id_field] = new_id
    elif id_field in bookkeeping.get("changed", {}):
        bookkeeping["changed"][id_field][1] = new_id
    else:
        bookkeeping.setdefault("changed", {})[id_field] = [old, new_id]
    doc[id_field] = new_id
    anomalies.append(anomaly_entry)


def resolve_duplicates(kind, plans, existing, seen):
    """Rename ids that clash: with a document already in the collection
    (`existing`: id -> _id of its holder) or with an item earlier in this
    run (`seen`, updated here). First in episode order keeps its id, so a
    rerun renames exactly the same items."""
    id_field = ID_FIELD[kind]
    for plan in plans:
        for doc in plan.items[kind]:
            item_id = doc[id_field]
            holder = existing.get(item_id)
            earlier = seen.get(item_id)
            where = None
            if holder is not None and holder != doc["_id"]:
                where = f"a {kind} document already in the collection"
            elif earlier is not None and earlier[0] != doc["_id"]:
                same = earlier[1] == doc["episode_id"]
                where = "an earlier item of the same episode" if same else f"episode {earlier[1]}"
            if where:
                index = doc["migration"]["legacy_index"]
                new_id = duplicate_id(kind, item_id, doc["episode_id"], index)
                entry = {
                    "code": "duplicate_id",
                    "message": f"{kind}[{index}] has {id_field} {item_id}, also held by "
                    f"{where}: moved as {new_id}, the original kept for rollback",
                    "episode_id": doc["episode_id"],
                    "patient_id": doc["patient_id"],
                    "kind": kind,
                    "index": index,
                    "item_id": new_id,
                    "action": "migrated with a warning",
                }
                reassign_id(kind, doc, new_id, entry, plan.anomalies)
            seen[doc[id_field]] = (doc["_id"], doc["episode_id"])


def restore_item(kind, doc):
    """The embedded item a collection document stands for. Fields the app
    changed since the migration keep their new value; fields we normalised
    and nobody touched get their original back."""
    bookkeeping = doc.get("migration") or {}
    if "item" in bookkeeping:
        return bookkeeping["item"]
    out = {k: v for k, v in doc.items() if k not in ("_id", "migration") and k not in PARENT_FIELDS}
    for key, (original, migrated) in bookkeeping.get("changed", {}).items():
        current = doc.get(key) if key != "_id" else None
        if current == migrated:
            out[key] = original
    for key, migrated in bookkeeping.get("added", {}).items():
        if out.get(key) == migrated:
            out.pop(key, None)
    keys = bookkeeping.get("keys")
    if keys:
        ordered = {k: out[k] for k in keys if k in out}
        ordered.update((k, v) for k, v in out.items() if k not in ordered)
        out = ordered
    return out


def new_item_for_episode(doc):
    """An item created through the app after the migration, as it would sit in
    the array: the parent implies episode_id and patient_id."""
    return {k: v for k, v in doc.items() if k not in ("_id", "migration") and k not in PARENT_FIELDS}


def restore_episode(current, record, arrays):
    """The episode with its arrays back, in the original key order. `arrays`
    maps kind -> the value to put back (a list, None, or the quarantined
    whole value), only for the kinds the episode should hold."""
    base = {k: v for k, v in current.items() if k not in KINDS}
    keys = record.get("keys") if record else None
    if not keys:
        return {**base, **{kind: arrays[kind] for kind in KINDS if kind in arrays}}
    out = {}
    for key in keys:
        if key in arrays:
            out[key] = arrays[key]
        elif key in base:
            out[key] = base[key]
    for key, value in base.items():
        out.setdefault(key, value)
    for kind in KINDS:
        if kind in arrays:
            out.setdefault(kind, arrays[kind])
    return out


def sort_key_new_item(kind, item):
    """Items added after the migration go back in date order."""
    when = item.get(DATE_FIELD[kind])
    created = item.get("created_at")
    return (
        when if isinstance(when, datetime) else datetime.max,
        created if isinstance(created, datetime) else datetime.max,
        str(item.get(ID_FIELD[kind])),
    )
