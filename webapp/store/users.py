"""Users: who may sign in, with which role. Passwords are kept only as
werkzeug hashes."""
from dataclasses import dataclass

from werkzeug.security import check_password_hash, generate_password_hash

from webapp import db
from webapp.domain import clock
from webapp.store import audit


@dataclass
class User:
    """What Flask-Login needs of a user, without importing Flask here."""

    id: str
    username: str
    role: str
    active: bool = True

    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self):
        return self.active

    def get_id(self):
        return self.id


def _user(doc):
    return User(id=str(doc["_id"]), username=doc["username"], role=doc["role"], active=doc.get("active", True))


def get_by_id(user_id):
    oid = db.object_id(user_id)
    if oid is None:
        return None
    doc = db.collection(db.USERS).find_one({"_id": oid})
    return _user(doc) if doc else None


def authenticate(username, password):
    """The user if the name and password match an active account, else None.
    A missing user costs the same hash check, so timing does not say which
    half was wrong."""
    doc = db.collection(db.USERS).find_one({"username": username})
    if doc is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(doc["password_hash"], password) or not doc.get("active", True):
        return None
    return _user(doc)


def create(username, password, role, actor="system"):
    """Add a user; raises DuplicateKeyError when the name is taken."""
    now = clock.now()
    doc = {
        "username": username,
        "password_hash": generate_password_hash(password),
        "role": role,
        "active": True,
        "created_at": now,
    }
    result = db.collection(db.USERS).insert_one(doc)
    safe = {k: v for k, v in doc.items() if k != "password_hash"}
    audit.record(actor, "create", "user", str(result.inserted_id), before=None, after=safe)
    return _user({**doc, "_id": result.inserted_id})


def list_all():
    return [_user(d) for d in db.collection(db.USERS).find({}, {"password_hash": 0}).sort("username", 1)]


def count():
    return db.collection(db.USERS).count_documents({})


_DUMMY_HASH = generate_password_hash("not a real password")
