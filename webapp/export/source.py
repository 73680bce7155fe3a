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
"""
import queue
import threading
from collections import namedtuple

from webapp import db
from webapp.export import scope

BATCH = 1000

Bundle = namedtuple("Bundle", "tumour episode patient treatments")

TUMOUR_FIELDS = {"_id": 0, "tumour_id": 1, "episode_id": 1, "patient_id": 1, "icd10_code": 1, "diagnosis_date": 1,
                 "snomed_morphology_code": 1, "tnm_staging": 1, "pathology": 1, "laterality": 1, "tumour_type": 1}
EPISODE_FIELDS = {"patient_id": 1, "provider_organisation": 1, "referral_source": 1, "first_seen_date": 1,
                  "mdt_date": 1, "care_plan_intent": 1, "performance_status": 1}
PATIENT_FIELDS = {"_id": 0, "mrn": 1, "nhs_number": 1, "nhs_number_status": 1, "first_name": 1, "last_name": 1,
                  "date_of_birth": 1, "sex": 1, "ethnic_category": 1, "postcode": 1}
TREATMENT_FIELDS = {"_id": 0, "treatment_id": 1, "episode_id": 1, "patient_id": 1, "treatment_type": 1, "treatment_date": 1,
                    "start_date": 1, "treatment_intent": 1, "adjunctive_therapy": 1, "treatment_site": 1,
                    "discharge_date": 1, "discharge_destination": 1, "opcs4_primary": 1, "opcs4_other": 1,
                    "surgical_access_type": 1, "admission_type": 1, "asa_grade": 1, "return_to_theatre": 1,
                    "ncepod_urgency": 1}


def tumour_filter(start, end):
    low, high = scope.period_bounds(start, end)
    return {"tumour_type": "primary", "icd10_code": {"$in": scope.in_scope_sites()},
            "diagnosis_date": {"$gte": low, "$lt": high}}


def _batches(cursor, size):
    batch = []
    for doc in cursor:
        batch.append(doc)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def read_batch(database, tumours):
    """Episodes, patients and treatments for one batch of tumours: three
    range queries on the batch's MRN range, keeping only what it needs."""
    mrns = {t.get("patient_id") for t in tumours if isinstance(t.get("patient_id"), str)}
    wanted_episodes = {str(t.get("episode_id")) for t in tumours}
    episodes, patients, treatments = {}, {}, {}
    if not mrns:
        return episodes, patients, treatments
    span = {"$gte": min(mrns), "$lte": max(mrns)}
    for e in database[db.EPISODES].find({"patient_id": span}, EPISODE_FIELDS):
        if str(e["_id"]) in wanted_episodes:
            episodes[str(e["_id"])] = e
    for p in database[db.PATIENTS].find({"mrn": span}, PATIENT_FIELDS):
        if p["mrn"] in mrns:
            patients[p["mrn"]] = p
    for t in database[db.TREATMENTS].find({"patient_id": span}, TREATMENT_FIELDS):
        if t.get("episode_id") in episodes:
            treatments.setdefault(t["episode_id"], []).append(t)
    return episodes, patients, treatments


def _read(database, start, end, batch):
    cursor = (database[db.TUMOURS].find(tumour_filter(start, end), TUMOUR_FIELDS)
              .sort([("patient_id", 1), ("tumour_id", 1)]).batch_size(batch))
    with cursor:
        for tumours in _batches(cursor, batch):
            yield tumours, read_batch(database, tumours)


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
    for tumours, (episodes, patients, treatments) in (_prefetched(batches) if prefetch else batches):
        for t in tumours:
            episode_id = str(t.get("episode_id"))
            yield Bundle(t, episodes.get(episode_id), patients.get(t.get("patient_id")), treatments.get(episode_id, []))


def recent_exports(limit=20):
    """The latest recorded NBOCA exports, newest first."""
    return list(db.get_audit_log_collection().find({"entity": "nboca_export"}).sort("at", -1).limit(limit))

