"""Reading the submission's documents with a bounded number of queries:
one for the in-scope tumours (primary, C18-C20, diagnosed in the period),
sorted by patient (MRN); then, per batch of tumours, one range query each
on patients, episodes and treatments for that batch's MRN range (all three
collections are indexed on the MRN). Batches cover disjoint, increasing MRN
ranges, so together they read each collection at most once whatever the
period; only the documents the batch needs are kept, so memory is bounded by
the batch. Treatments come from the `treatments` collection, never from
episode arrays.

Why ranges and not $in: on the embedded server a $in of a thousand values
costs about 1 ms per value (superlinear in the list), while a range read
streams at index speed (measured; see bench/export.py).

Why whole documents and no projection: on the embedded server a projection
is applied document by document and cost more than it saved (10,000 records:
4.1 s with projections, 3.1 s without); the documents are small, and a batch
holds at most a thousand tumours' worth, so memory stays bounded either way.
"""
import queue
import threading
from collections import namedtuple

import bson
from bson import ObjectId

from webapp import db
from webapp.export import scope

BATCH = 1000

Bundle = namedtuple("Bundle", "tumour episode patient treatments")


def tumour_filter(start, end):
    low, high = scope.period_bounds(start, end)
    return {"tumour_type": "primary", "icd10_code": {"$in": scope.in_scope_sites()},
            "diagnosis_date": {"$gte": low, "$lt": high}}


def passed_over(start, end, database=None):
    """Tumours diagnosed in the period that `tumour_filter` does not select,
    streamed, for `scope.near_miss` to judge. One query."""
    database = db.get_db() if database is None else database
    selected = tumour_filter(start, end)
    return database[db.TUMOURS].find({
        "diagnosis_date": selected["diagnosis_date"],
        "$nor": [{"tumour_type": selected["tumour_type"], "icd10_code": selected["icd10_code"]}],
    }).sort([("patient_id", 1), ("tumour_id", 1)])


def episodes_by_id(ids, database=None):
    """The episodes with these ids (strings), by id: one query."""
    database = db.get_db() if database is None else database
    object_ids = [ObjectId(i) for i in ids if ObjectId.is_valid(i)]
    if not object_ids:
        return {}
    return {str(e["_id"]): e for e in database[db.EPISODES].find({"_id": {"$in": object_ids}})}


# (collection, field holding the MRN) for the per-batch range queries.
RANGE_QUERIES = ((db.EPISODES, "patient_id"), (db.PATIENTS, "mrn"), (db.TREATMENTS, "patient_id"))


def fetch_batch(database, tumours):
    """The three range queries for one batch of tumours, as the server's raw
    replies. Decoding and picking are left to `select_batch`, so the reading
    thread does no per-document work and hands the server its next query
    without waiting for the interpreter."""
    mrns = {t.get("patient_id") for t in tumours if isinstance(t.get("patient_id"), str)}
    if not mrns:
        return mrns, None
    span = {"$gte": min(mrns), "$lte": max(mrns)}
    return mrns, [list(database[name].find_raw_batches({field: span})) for name, field in RANGE_QUERIES]


def select_batch(tumours, mrns, replies, codec_options):
    """Episodes, patients and treatments for one batch, keeping only the
    documents its tumours need."""
    episodes, patients, treatments = {}, {}, {}
    if replies is None:
        return episodes, patients, treatments
    wanted_episodes = {str(t.get("episode_id")) for t in tumours}
    episode_replies, patient_replies, treatment_replies = replies
    for e in _decoded(episode_replies, codec_options):
        if str(e["_id"]) in wanted_episodes:
            episodes[str(e["_id"])] = e
    for p in _decoded(patient_replies, codec_options):
        if p.get("mrn") in mrns:
            patients[p["mrn"]] = p
    for t in _decoded(treatment_replies, codec_options):
        if t.get("episode_id") in episodes:
            treatments.setdefault(t["episode_id"], []).append(t)
    return episodes, patients, treatments


def _decoded(replies, codec_options):
    for reply in replies:
        yield from bson.decode_all(reply, codec_options)


def _read(database, start, end, batch):
    """(tumours, fetched) per batch: each reply of the tumour query is a batch."""
    cursor = (database[db.TUMOURS].find_raw_batches(tumour_filter(start, end))
              .sort([("patient_id", 1), ("tumour_id", 1)]).batch_size(batch))
    with cursor:
        for reply in cursor:
            tumours = bson.decode_all(reply, database.codec_options)
            if tumours:
                yield tumours, fetch_batch(database, tumours)


def _prefetched(batches, depth=2):
    """Read the next batches in a thread while the caller works on this one:
    the server and the XML builder then run side by side (the driver waits on
    the socket without holding the GIL). At most `depth` batches wait."""
    slots = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item):
        while not stop.is_set():
            try:
                slots.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce():
        try:
            for item in batches:
                if not put(item):
                    return
            put(_DONE)
        except BaseException as error:  # handed to the caller, raised there
            put(error)

    worker = threading.Thread(target=produce, name="export-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item = slots.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join(timeout=10)


_DONE = object()


def bundles(start, end, database=None, batch=None, prefetch=True):
    """Every candidate tumour with its episode, patient and treatments
    (episode or patient None when missing), in MRN order."""
    database = db.get_db() if database is None else database
    batches = _read(database, start, end, batch or BATCH)
    for tumours, (mrns, replies) in (_prefetched(batches) if prefetch else batches):
        episodes, patients, treatments = select_batch(tumours, mrns, replies, database.codec_options)
        for t in tumours:
            episode_id = str(t.get("episode_id"))
            yield Bundle(t, episodes.get(episode_id), patients.get(t.get("patient_id")), treatments.get(episode_id, []))


def recent_exports(limit=20):
    """The latest recorded NBOCA exports, newest first."""
    return list(db.get_audit_log_collection().find({"entity": "nboca_export"}).sort("at", -1).limit(limit))

