"""Reading the submission's documents with a bounded number of queries:
one for the in-scope tumours (primary, C18-C20, diagnosed in the period),
sorted by patient (MRN); then, per batch of tumours, one range query each
on patients, episodes and treatments for that batch's MRN range (all three
collections are indexed on the MRN). Batches cover disjoint, increasing MRN
ranges, so together they read each collection at most once whatever the
period; only the documents a batch needs are kept, and at most three
batches are held at once (one read ahead, one handed over, one being
written), so memory is bounded whatever the number of records. Treatments come from the `treatments`
collection, never from
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
from webapp.domain import periods
from webapp.export import scope

BATCH = 1000

Bundle = namedtuple("Bundle", "tumour episode patient treatments metastases", defaults=((),))


def tumour_filter(start, end):
    low, high = periods.bounds(start, end)
    return {
        "tumour_type": "primary",
        "icd10_code": {"$in": scope.in_scope_sites()},
        "diagnosis_date": {"$gte": low, "$lt": high},
    }


def passed_over(start, end, database=None):
    """Tumours diagnosed in the period that `tumour_filter` does not select,
    streamed, for `scope.near_miss` to judge. One query."""
    database = db.resolve(database)
    selected = tumour_filter(start, end)
    return (
        db.collection(db.TUMOURS, database)
        .find(
            {
                "diagnosis_date": selected["diagnosis_date"],
                "$nor": [{"tumour_type": selected["tumour_type"], "icd10_code": selected["icd10_code"]}],
            }
        )
        .sort([("patient_id", 1), ("tumour_id", 1)])
    )


def undated(database=None):
    """Tumours whose diagnosis date is not a date (text, a number, absent):
    no period's range ever selects them, so `scope.undated` judges each
    for the period asked. One query, streamed; not on the download path."""
    database = db.resolve(database)
    return (
        db.collection(db.TUMOURS, database)
        .find({"diagnosis_date": {"$not": {"$type": "date"}}})
        .sort([("patient_id", 1), ("tumour_id", 1)])
    )


def episodes_by_id(ids, database=None):
    """The episodes with these ids (strings), by id: one query."""
    database = db.resolve(database)
    object_ids = [ObjectId(i) for i in ids if ObjectId.is_valid(i)]
    if not object_ids:
        return {}
    return {str(e["_id"]): e for e in db.collection(db.EPISODES, database).find({"_id": {"$in": object_ids}})}


def read_batch(database, tumours):
    """Episodes, patients, treatments and the episodes' metastasis tumours
    for one batch of tumours: four range queries on the batch's MRN range, read as raw replies and decoded
    one reply at a time, keeping only the documents the batch needs (a
    sparse period's range spans many patients it does not want). Raw
    replies spare the reading thread the driver's per-document work, so the
    server gets its next query sooner."""
    mrns = {t.get("patient_id") for t in tumours if isinstance(t.get("patient_id"), str)}
    episodes, patients, treatments, metastases = {}, {}, {}, {}
    if not mrns:
        return episodes, patients, treatments, metastases
    span = {"$gte": min(mrns), "$lte": max(mrns)}
    wanted_episodes = {str(t.get("episode_id")) for t in tumours}

    def each(name, field, **more):
        for reply in db.collection(name, database).find_raw_batches({field: span, **more}):
            yield from bson.decode_all(reply, database.codec_options)

    for e in each(db.EPISODES, "patient_id"):
        if str(e["_id"]) in wanted_episodes:
            episodes[str(e["_id"])] = e
    for p in each(db.PATIENTS, "mrn"):
        if p.get("mrn") in mrns:
            patients[p["mrn"]] = p
    for t in each(db.TREATMENTS, "patient_id"):
        if t.get("episode_id") in episodes:
            treatments.setdefault(t["episode_id"], []).append(t)
    for t in each(db.TUMOURS, "patient_id", tumour_type="metastasis"):
        if str(t.get("episode_id")) in episodes:
            metastases.setdefault(str(t["episode_id"]), []).append(t)
    return episodes, patients, treatments, metastases


def _read(database, start, end, batch):
    """(tumours, fetched) per batch: each reply of the tumour query is a batch."""
    cursor = (
        db.collection(db.TUMOURS, database)
        .find_raw_batches(tumour_filter(start, end))
        .sort([("patient_id", 1), ("tumour_id", 1)])
        .batch_size(batch)
    )
    with cursor:
        for reply in cursor:
            tumours = bson.decode_all(reply, database.codec_options)
            if tumours:
                yield tumours, read_batch(database, tumours)


def _prefetched(batches, depth=1):
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
    database = db.resolve(database)
    batches = _read(database, start, end, batch or BATCH)
    for tumours, (episodes, patients, treatments, metastases) in _prefetched(batches) if prefetch else batches:
        for t in tumours:
            episode_id = str(t.get("episode_id"))
            yield Bundle(t, episodes.get(episode_id), patients.get(t.get("patient_id")), treatments.get(episode_id, []),
                         sorted(metastases.get(episode_id, ()), key=lambda m: str(m.get("tumour_id"))))
