"""The database: one MongoClient per process, the collection helpers, and the
index declarations (as data, so `db init`, the migration and the tests all
read the same list).

Every module reaches a collection one way, `collection(name, database=None)`:
inside an app context it answers for that app's database, outside one for the
database last configured in this process (CLI, benchmarks), and a caller
working on another database (a bench's copy) passes it. This module never
imports Flask: the app factory binds it (`init_app`).
"""
import os
import threading

import pymongo
from bson import ObjectId
from bson.errors import InvalidId
from pymongo import ASCENDING, IndexModel

# Collection names are part of the data contract.
PATIENTS = "patients"
EPISODES = "episodes"
TUMOURS = "tumours"
TREATMENTS = "treatments"
AUDIT_LOG = "audit_log"
USERS = "users"
MIGRATIONS = "migrations"
LOGIN_FAILURES = "login_failures"
MIGRATION_QUARANTINE = "migration_quarantine"
MIGRATION_EPISODES = "migration_episodes"
STORAGE_SNAPSHOTS = "storage_snapshots"
MIGRATION_LOCK = "migration_lock"
MIGRATION_SCHEMA = "migration_schema"  # the schema version: which migration steps are applied
MIGRATION_ADOPTED = "migration_adopted"  # each document the adopt step changed, as it was before

# A report's read asks for its whole answer in its first reply (as much as
# fits in 16 MB): pymongo's default first batch of 101 would add a getMore
# for each further hundred, and the report's commands must not grow with
# the data.
ONE_REPLY = 100_000

# Compound keys the store also sorts and hints by.
TREATMENTS_BY_EPISODE_DATE = [("episode_id", ASCENDING), ("treatment_date", ASCENDING)]
TUMOURS_BY_EPISODE = [("episode_id", ASCENDING), ("tumour_id", ASCENDING)]

# The seed document's indexes exactly (same keys, same order), plus what the
# app's own rules need. Names are MongoDB's defaults so a real server and the
# embedded one agree.
INDEXES = {
    TREATMENTS: [
        IndexModel([("episode_id", ASCENDING)]),
        IndexModel([("patient_id", ASCENDING)]),
        IndexModel([("treatment_type", ASCENDING)]),
        IndexModel([("treatment_date", ASCENDING)]),
        IndexModel(TREATMENTS_BY_EPISODE_DATE),
        IndexModel([("treatment_id", ASCENDING)], unique=True),
        # Pathways: the treatments that follow another (few of them), read
        # by the timeline and the NBOCA stoma measure without a scan.
        IndexModel([("follows_treatment_id", ASCENDING)], sparse=True),
    ],
    TUMOURS: [
        IndexModel([("episode_id", ASCENDING)]),
        IndexModel([("patient_id", ASCENDING)]),
        IndexModel([("tumour_type", ASCENDING)]),
        IndexModel([("diagnosis_date", ASCENDING)]),
        IndexModel(TUMOURS_BY_EPISODE),
        IndexModel([("tumour_id", ASCENDING)], unique=True),
    ],
    PATIENTS: [
        # Unique where present: a legacy patient may have no MRN yet (adopt
        # lists them); nulls and missing values would otherwise collide.
        IndexModel([("mrn", ASCENDING)], unique=True, partialFilterExpression={"mrn": {"$type": "string"}}),
        # Unique where present: a patient may not have an NHS number yet.
        IndexModel([("nhs_number", ASCENDING)], unique=True,
                   partialFilterExpression={"nhs_number": {"$type": "string"}}),
        # An adopted legacy patient with no MRN: its records name it by this.
        IndexModel([("legacy_patient_id", ASCENDING)],
                   partialFilterExpression={"legacy_patient_id": {"$exists": True}}),
        IndexModel([("last_name", ASCENDING), ("first_name", ASCENDING)]),
        IndexModel([("date_of_birth", ASCENDING)]),
    ],
    EPISODES: [
        IndexModel([("patient_id", ASCENDING)]),
    ],
    USERS: [
        IndexModel([("username", ASCENDING)], unique=True),
    ],
    AUDIT_LOG: [
        IndexModel([("entity", ASCENDING), ("entity_id", ASCENDING), ("at", ASCENDING)]),
        IndexModel([("at", ASCENDING)]),
    ],
    MIGRATIONS: [
        IndexModel([("started_at", ASCENDING)]),
    ],
    MIGRATION_QUARANTINE: [
        IndexModel([("episode", ASCENDING), ("kind", ASCENDING), ("index", ASCENDING)]),
    ],
    # Only the episode records with anomalies are indexed: every other index
    # entry would cost each batch a write for a query made once per run.
    MIGRATION_EPISODES: [
        IndexModel([("run_id", ASCENDING)], partialFilterExpression={"has_anomalies": True}),
    ],
    STORAGE_SNAPSHOTS: [
        IndexModel([("at", ASCENDING)]),
    ],
    LOGIN_FAILURES: [
        IndexModel([("key", ASCENDING)]),
        # Failures expire on their own; the rate limit only looks back this far anyway.
        IndexModel([("at", ASCENDING)], expireAfterSeconds=24 * 3600),
    ],
}

# Access control (issue 10): server-side sessions, who viewed which patient,
# one-use form tokens, sign-in attempt counters.
SESSIONS = "sessions"
ACCESS_LOG = "access_log"
FORM_TOKENS = "form_tokens"
LOGIN_ATTEMPTS = "login_attempts"
INDEXES.update({
    SESSIONS: [
        IndexModel([("user_id", ASCENDING)]),
        # A session whose idle or absolute limit has passed goes by itself.
        IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0),
    ],
    ACCESS_LOG: [
        IndexModel([("patient", ASCENDING), ("at", ASCENDING)]),
        IndexModel([("actor", ASCENDING), ("at", ASCENDING)]),
        IndexModel([("at", ASCENDING)]),
    ],
    FORM_TOKENS: [IndexModel([("at", ASCENDING)], expireAfterSeconds=24 * 3600)],
    LOGIN_ATTEMPTS: [IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0)],
})

# Protocol templates (issue 13): named treatment-form values admins add and
# retire; one template per name (its slug; unique where it is one).
PROTOCOL_TEMPLATES = "protocol_templates"
INDEXES[PROTOCOL_TEMPLATES] = [
    IndexModel([("slug", ASCENDING)], unique=True, partialFilterExpression={"slug": {"$type": "string"}})]

# Follow-up after a curative resection (domain/surveillance.py): a
# patient's planned tests on the timeline, a treatment's when it is saved,
# and the overdue list (planned, past due date plus window, oldest first).
FOLLOW_UPS = "follow_ups"
FOLLOW_UPS_BY_STATUS_DUE = [("status", ASCENDING), ("due_date", ASCENDING)]
INDEXES[FOLLOW_UPS] = [
    IndexModel([("follow_up_id", ASCENDING)], unique=True),
    IndexModel([("patient_id", ASCENDING), ("due_date", ASCENDING)]),
    IndexModel([("treatment_id", ASCENDING)]),
    IndexModel([("episode_id", ASCENDING)]),
    IndexModel(FOLLOW_UPS_BY_STATUS_DUE),
]

# Response assessments (issue 13.6): a tumour's response to treatment over
# time, listed by episode and by tumour in date order, and on the patient's
# timeline.
RESPONSE_ASSESSMENTS = "response_assessments"
RESPONSES_BY_EPISODE_DATE = [("episode_id", ASCENDING), ("assessment_date", ASCENDING)]
INDEXES[RESPONSE_ASSESSMENTS] = [
    IndexModel(RESPONSES_BY_EPISODE_DATE),
    IndexModel([("tumour_id", ASCENDING), ("assessment_date", ASCENDING)]),
    IndexModel([("patient_id", ASCENDING)]),
    IndexModel([("assessment_id", ASCENDING)], unique=True),
]

# $jsonSchema validators, put on once the adopt step has made every document
# canonical (`init_validators`): BSON types for ids, dates and coded fields,
# so a string can never again be stored where a date belongs. A value no
# mapping could read lives in `legacy_values` (any shape), never in these.
_DATE = {"bsonType": ["date", "null"]}
_TEXT = {"bsonType": ["string", "null"]}
_ID = {"bsonType": "string"}
_NUMBER = {"bsonType": ["int", "long", "double", "decimal", "null"]}


def _schema(required=(), **properties):
    return {"$jsonSchema": {"bsonType": "object", "required": list(required), "properties": properties}}


VALIDATORS = {
    PATIENTS: _schema(
        mrn=_TEXT, nhs_number=_TEXT, nhs_number_status=_TEXT, first_name=_TEXT, last_name=_TEXT,
        date_of_birth=_DATE, date_of_death=_DATE, sex=_TEXT, ethnic_category=_TEXT, postcode=_TEXT,
        created_at=_DATE, last_modified_at=_DATE),
    EPISODES: _schema(
        patient_id=_TEXT, referral_date=_DATE, first_seen_date=_DATE, mdt_date=_DATE, referral_source=_TEXT,
        mdt_outcome=_TEXT, care_plan_intent=_TEXT, performance_status=_TEXT, provider_organisation=_TEXT,
        status=_TEXT, created_at=_DATE, last_modified_at=_DATE),
    TUMOURS: _schema(
        ("tumour_id",), tumour_id=_ID, episode_id=_TEXT, patient_id=_TEXT, tumour_type=_TEXT, icd10_code=_TEXT,
        snomed_morphology_code=_TEXT, diagnosis_date=_DATE, created_at=_DATE, last_modified_at=_DATE),
    TREATMENTS: _schema(
        ("treatment_id",), treatment_id=_ID, episode_id=_TEXT, patient_id=_TEXT, treatment_type=_TEXT,
        treatment_date=_DATE, start_date=_DATE, end_date=_DATE, discharge_date=_DATE, response_date=_DATE,
        treatment_intent=_TEXT, adjunctive_therapy=_TEXT,
        follows_treatment_id=_TEXT, provider_organisation=_TEXT, treatment_site=_TEXT,
        opcs4_primary=_TEXT, surgical_access_type=_TEXT, admission_type=_TEXT, asa_grade=_TEXT,
        clavien_dindo_grade=_TEXT, anastomotic_leak_grade=_TEXT, return_to_theatre=_TEXT,
        discharge_destination=_TEXT, chemo_timing=_TEXT, radiotherapy_course=_TEXT, response=_TEXT,
        length_of_stay_days=_NUMBER, cycles=_NUMBER, total_dose_gy=_NUMBER, fractions=_NUMBER,
        created_at=_DATE, last_modified_at=_DATE),
}
VALIDATORS[RESPONSE_ASSESSMENTS] = _schema(
    ("assessment_id",), assessment_id=_ID, tumour_id=_TEXT, episode_id=_TEXT, patient_id=_TEXT,
    assessment_date=_DATE, method=_TEXT, scale=_TEXT, result=_TEXT, notes=_TEXT,
    created_at=_DATE, last_modified_at=_DATE)

CONNECT_TIMEOUT_MS = 5000
_clients = {}
_clients_lock = threading.Lock()
_default = {"uri": None, "name": None, "write_concern": "majority", "timeout_ms": 5000}
# Set by the app factory: the database of the app whose context is active, or
# None outside one. Kept as a hook so this module never imports Flask.
_context_database = None


def client_for(uri, write_concern="majority", timeout_ms=5000):
    """One client per (process, uri): pymongo pools connections itself, and a
    client must not cross a fork, so the pid is part of the key."""
    key = (os.getpid(), uri, write_concern)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            w = int(write_concern) if str(write_concern).isdigit() else write_concern
            # Selection is bounded by the short timeout (a dead server refuses
            # at once, and the page says so fast); opening a connection to a
            # live but busy server may take longer without being a fault.
            client = pymongo.MongoClient(
                uri, w=w, journal=True, serverSelectionTimeoutMS=timeout_ms,
                connectTimeoutMS=max(timeout_ms, CONNECT_TIMEOUT_MS), tz_aware=False, appname="cancer-episodes",
            )
            _clients[key] = client
        return client


def configure(uri, name, write_concern="majority", timeout_ms=5000):
    """Set this process's default database (used outside an app context)."""
    _default.update(uri=uri, name=name, write_concern=write_concern, timeout_ms=timeout_ms)
    return database(uri, name, write_concern, timeout_ms)


def database(uri, name, write_concern="majority", timeout_ms=5000):
    return client_for(uri, write_concern, timeout_ms)[name]


def init_app(app, context_database):
    """Bind `app`'s database: `collection()` answers for it inside the app's
    context (`context_database()` says which app that is), and outside any
    context it is the process's default (CLI, benchmarks)."""
    global _context_database
    cfg = app.config
    app.extensions["database"] = configure(cfg["MONGODB_URI"], cfg["MONGODB_DB"],
                                           cfg["MONGODB_WRITE_CONCERN"], cfg["MONGODB_TIMEOUT_MS"])
    _context_database = context_database


def resolve(given=None):
    """The database to work on: `given` (a bench's copy), else the current
    app's, else the process's default. Work handed to another thread (a
    migration's heartbeat) resolves it first, since a thread has no app
    context."""
    if given is not None:
        return given
    bound = _context_database() if _context_database else None
    if bound is not None:
        return bound
    if not _default["uri"]:
        raise RuntimeError("no database configured: call webapp.db.configure() or create the app")
    return database(_default["uri"], _default["name"], _default["write_concern"], _default["timeout_ms"])


def collection(name, database=None):
    """The one way to a collection: of `database` when given, else of the
    database `resolve` finds."""
    return resolve(database)[name]


# The seed's names for the two collections it introduced.
def get_treatments_collection():
    return collection(TREATMENTS)


def get_tumours_collection():
    return collection(TUMOURS)


def object_id(text):
    """The ObjectId that `text` spells, or None when it spells none (a
    malformed id in a URL is a missing record, never a crash)."""
    if isinstance(text, ObjectId):
        return text
    try:
        return ObjectId(str(text))
    except (InvalidId, TypeError):
        return None


def linkable(record_id):
    """A record's id as a page's address names it, or None when it is not
    an ObjectId (a legacy key such as "E-..." has no page of its own)."""
    return str(record_id) if object_id(record_id) is not None else None


def init_indexes(db=None):
    """Create every declared index; returns the ones the data does not allow
    yet, as [{collection, index, problem, duplicates}], never raising for
    them (a legacy database may hold duplicate MRNs until a person resolves
    them). Idempotent: an index that exists with the same keys and options
    is a no-op on MongoDB."""
    db = resolve(db)
    refused = []
    for name, models in INDEXES.items():
        for model in models:
            try:
                _create(db[name], model)
            except pymongo.errors.OperationFailure as exc:
                if exc.code not in (11000, 11001):
                    raise
                refused.append(_refusal(db, name, model, exc))
                _create(db[name], _lookup(model))
            else:
                _drop_lookup(db[name], model)
    return refused


def _lookup(model):
    """While the data refuses a unique index, the same keys (and _id, so
    that it is another index) serve the reads: looking a treatment up by
    its id must not scan the collection meanwhile."""
    spec = model.document
    options = {k: v for k, v in spec.items() if k == "partialFilterExpression"}
    return IndexModel([*spec["key"].items(), ("_id", ASCENDING)], name=f"{spec['name']}_lookup", **options)


def _drop_lookup(coll, model):
    if model.document.get("unique") and f"{model.document['name']}_lookup" in coll.index_information():
        coll.drop_index(f"{model.document['name']}_lookup")


def _create(coll, model):
    """Create the index; one declared anew under the same name (other
    options, such as the MRN index made partial) replaces the old one."""
    try:
        coll.create_indexes([model])
    except pymongo.errors.OperationFailure as exc:
        if exc.code not in (85, 86):  # IndexOptionsConflict, IndexKeySpecsConflict
            raise
        coll.drop_index(model.document["name"])
        coll.create_indexes([model])


def init_validators(db=None):
    """Put VALIDATORS on their collections (strict: every insert and update
    must leave a valid document)."""
    db = resolve(db)
    existing = set(db.list_collection_names())
    for name, validator in VALIDATORS.items():
        if name not in existing:
            db.create_collection(name)
        db.command("collMod", name, validator=validator, validationLevel="strict", validationAction="error")


def clear_validators(db=None):
    """Take them off again (a rollback of the adopt step brings legacy shapes back)."""
    db = resolve(db)
    existing = set(db.list_collection_names())
    for name in VALIDATORS:
        if name in existing:
            db.command("collMod", name, validator={}, validationLevel="off")


def validators_on(db=None):
    """Which collections carry a validator now."""
    db = resolve(db)
    return sorted(c["name"] for c in db.list_collections() if c.get("options", {}).get("validator"))


def _refusal(db, name, model, exc):
    """Why a unique index cannot be built: the values more than one document
    holds, with those documents' ids (the first 20 of each)."""
    keys = [k for k, _ in model.document["key"].items()]
    match = model.document.get("partialFilterExpression", {})
    group = {"_id": {k: f"${k}" for k in keys}, "n": {"$sum": 1}, "ids": {"$push": "$_id"}}
    rows = db[name].aggregate([{"$match": match}, {"$group": group}, {"$match": {"n": {"$gt": 1}}}, {"$limit": 50}])
    duplicates = [{"value": r["_id"], "count": r["n"], "ids": [str(i) for i in r["ids"][:20]]} for r in rows]
    return {"collection": name, "index": model.document["name"], "problem": f"duplicate values ({exc.code})",
            "duplicates": duplicates}


def ping(db=None):
    """The health check: the ping result and the server's version, or
    ok=0 and the error's name when the database does not answer."""
    db = resolve(db)
    try:
        reply = db.command("ping")
        version = db.client.server_info()["version"]
    except pymongo.errors.PyMongoError as exc:
        return {"ok": 0, "error": type(exc).__name__}
    return {"ok": reply.get("ok"), "version": version}

