"""Reading the submission's documents: one query for the in-scope tumours
(primary, C18-C20, diagnosed in the period, in a stable order), then per
batch of tumours one $in query each for their episodes, patients and the
episodes' treatments (from the `treatments` collection, never from episode
arrays). The number of queries grows with the number of batches, never per
record, and only one batch is held at a time."""
from collections import namedtuple

from webapp import db
from webapp.export import scope
from webapp.store.ids import object_id

BATCH = 1000

Bundle = namedtuple("Bundle", "tumour episode patient treatments")

TUMOUR_FIELDS = {"_id": 0, "tumour_id": 1, "episode_id": 1, "patient_id": 1, "icd10_code": 1, "diagnosis_date": 1,
                 "snomed_morphology_code": 1, "tnm_staging": 1, "pathology": 1, "laterality": 1, "tumour_type": 1}
EPISODE_FIELDS = {"patient_id": 1, "provider_organisation": 1, "referral_source": 1, "first_seen_date": 1,
                  "mdt_date": 1, "care_plan_intent": 1, "performance_status": 1}
PATIENT_FIELDS = {"_id": 0, "mrn": 1, "nhs_number": 1, "nhs_number_status": 1, "first_name": 1, "last_name": 1,
                  "date_of_birth": 1, "sex": 1, "ethnic_category": 1, "postcode": 1}
TREATMENT_FIELDS = {"_id": 0, "treatment_id": 1, "episode_id": 1, "treatment_type": 1, "treatment_date": 1,
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
    """Episodes, patients and treatments for one batch of tumours: three queries."""
    ids = {object_id(t.get("episode_id")) for t in tumours} - {None}
    episodes = {str(e["_id"]): e for e in database[db.EPISODES].find({"_id": {"$in": list(ids)}}, EPISODE_FIELDS)}
    mrns = {t.get("patient_id") for t in tumours} | {e.get("patient_id") for e in episodes.values()}
    patients = {p["mrn"]: p for p in database[db.PATIENTS].find({"mrn": {"$in": [m for m in mrns if m]}},
                                                                PATIENT_FIELDS)}
    treatments = {}
    for t in database[db.TREATMENTS].find({"episode_id": {"$in": list(episodes)}}, TREATMENT_FIELDS):
        treatments.setdefault(t["episode_id"], []).append(t)
    return episodes, patients, treatments


def bundles(start, end, database=None, batch=BATCH):
    """Every candidate tumour with its episode, patient and treatments
    (episode or patient None when missing), in diagnosis-date order."""
    database = db.get_db() if database is None else database
    cursor = (database[db.TUMOURS].find(tumour_filter(start, end), TUMOUR_FIELDS)
              .sort([("diagnosis_date", 1), ("tumour_id", 1)]).batch_size(batch))
    for tumours in _batches(cursor, batch):
        episodes, patients, treatments = read_batch(database, tumours)
        for t in tumours:
            episode = episodes.get(str(t.get("episode_id")))
            mrn = (episode or {}).get("patient_id") or t.get("patient_id")
            yield Bundle(t, episode, patients.get(mrn), treatments.get(str(t.get("episode_id")), []))


def recent_exports(limit=20):
    """The latest recorded NBOCA exports, newest first."""
    return list(db.get_audit_log_collection().find({"entity": "nboca_export"}).sort("at", -1).limit(limit))

