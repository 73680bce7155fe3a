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
        IndexModel([("mrn", ASCENDING)], unique=True),
        # Unique where present: a patient may not have an NHS number yet.
        IndexModel([("nhs_number", ASCENDING)], unique=True,
                   partialFilterExpression={"nhs_number": {"$type": "string"}}),
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
            client = pymongo.MongoClient(
                uri, w=w, journal=True, serverSelectionTimeoutMS=timeout_ms,
                connectTimeoutMS=timeout_ms, tz_aware=False, appname="cancer-episodes",
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


def init_indexes(db=None):
    """Create every declared index. Idempotent: creating an index that exists
    with the same keys and options is a no-op on MongoDB."""
    db = resolve(db)
    created = {}
    for name, models in INDEXES.items():
        created[name] = db[name].create_indexes(models)
    return created


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

