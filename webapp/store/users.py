"""Users: who may sign in, with which role. Passwords are kept only as
werkzeug hashes; names are kept normalised (domain/accounts.py), so
"DEMO-ADMIN" and " demo-admin " are the one user "demo-admin".

Every change is audited. The last active admin can be neither deactivated
nor demoted: someone must always be able to manage the others."""
import secrets
from dataclasses import dataclass

from pymongo.errors import DuplicateKeyError
from werkzeug.security import check_password_hash, generate_password_hash

from webapp import db
from webapp.domain import accounts, clock
from webapp.store import audit, login_failures, sessions

ADMIN = "admin"


class UserError(ValueError):
    """A change refused, with the reason in plain words."""


@dataclass
class User:
    """What Flask-Login needs of a user, without importing Flask here."""

    id: str
    username: str
    role: str
    active: bool = True
    must_change_password: bool = False

    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self):
        return self.active

    def get_id(self):
        return self.id


def _user(doc):
    return User(id=str(doc["_id"]), username=doc["username"], role=doc["role"], active=doc.get("active", True),
                must_change_password=bool(doc.get("must_change_password")))


def _safe(doc):
    return {k: v for k, v in doc.items() if k not in ("password_hash", "_id")}


def get_by_id(user_id):
    oid = db.object_id(user_id)
    if oid is None:
        return None
    doc = db.collection(db.USERS).find_one({"_id": oid})
    return _user(doc) if doc else None


def get(username):
    doc = _find(username)
    return _user(doc) if doc else None


def _find(username):
    return db.collection(db.USERS).find_one({"username": accounts.normalise_username(username)})


def _require(username):
    doc = _find(username)
    if doc is None:
        raise UserError(f"There is no user named {accounts.normalise_username(username)!r}.")
    return doc


def authenticate(username, password):
    """The user if the name and password match an active account, else None.
    A missing user costs the same hash check, so timing does not say which
    half was wrong."""
    doc = _find(username)
    if doc is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(doc["password_hash"], password) or not doc.get("active", True):
        return None
    return _user(doc)


def create(username, password, role, actor="system", one_time=False):
    """Add a user. `one_time`: the password must be changed at first sign-in.
    Raises UserError for a bad name or password, or a name taken."""
    problem = accounts.username_problem(username) or accounts.password_problem(password, username)
    if problem:
        raise UserError(problem)
    name = accounts.normalise_username(username)
    doc = {"username": name, "password_hash": generate_password_hash(password), "role": role,
           "active": True, "must_change_password": bool(one_time), "created_at": clock.now()}
    try:
        result = db.collection(db.USERS).insert_one(doc)
    except DuplicateKeyError:
        raise UserError(f"A user named {name!r} already exists.") from None
    audit.record(actor, "create", "user", str(result.inserted_id), before=None, after=_safe(doc))
    return _user({**doc, "_id": result.inserted_id})


def list_all():
    return [_user(d) for d in db.collection(db.USERS).find({}, {"password_hash": 0}).sort("username", 1)]


def count():
    return db.collection(db.USERS).count_documents({})


def _active_admins():
    return db.collection(db.USERS).count_documents({"role": ADMIN, "active": {"$ne": False}})


def _change(doc, changes, actor, action):
    """Apply `changes` and audit them. When the change leaves no active admin
    (two admins demoting each other at once), it is undone and refused."""
    coll = db.collection(db.USERS)
    coll.update_one({"_id": doc["_id"]}, {"$set": changes})
    if doc.get("role") == ADMIN and _active_admins() == 0:
        coll.update_one({"_id": doc["_id"]}, {"$set": {k: doc.get(k) for k in changes}})
        raise UserError("This is the last active administrator: make another administrator first.")
    audit.record(actor, action, "user", str(doc["_id"]),
                 before={k: doc.get(k) for k in changes if k != "password_hash"},
                 after={k: v for k, v in changes.items() if k != "password_hash"})


def deactivate(username, actor):
    """No more sign-ins, and every open session of the user ends now."""
    doc = _require(username)
    _change(doc, {"active": False}, actor, "deactivate")
    sessions.end_all_for(doc["_id"])


def reactivate(username, actor):
    _change(_require(username), {"active": True}, actor, "reactivate")


def set_role(username, role, actor):
    _change(_require(username), {"role": role}, actor, "role")


def reset_password(username, actor):
    """A new one-time password (returned, shown once), to be changed at the
    next sign-in; the user's sessions end and any lock-out is lifted."""
    doc = _require(username)
    password = generate_one_time_password()
    _change(doc, {"password_hash": generate_password_hash(password), "must_change_password": True},
            actor, "reset_password")
    sessions.end_all_for(doc["_id"])
    login_failures.clear(doc["username"])
    return password


def generate_one_time_password():
    return secrets.token_urlsafe(12)


def change_password(user_id, current, new):
    """The user's own change: the current password, then the policy.
    Returns None when changed, else why not."""
    doc = db.collection(db.USERS).find_one({"_id": db.object_id(user_id)})
    if doc is None or not check_password_hash(doc["password_hash"], current or ""):
        return "The current password is not right."
    if check_password_hash(doc["password_hash"], new or ""):
        return "Choose a password different from the current one."
    problem = accounts.password_problem(new, doc["username"])
    if problem:
        return problem
    _change(doc, {"password_hash": generate_password_hash(new), "must_change_password": False},
            doc["username"], "change_password")
    return None


def unlock(username, actor):
    doc = _require(username)
    login_failures.clear(doc["username"])
    audit.record(actor, "unlock", "user", str(doc["_id"]))


def sign_out_everywhere(username, actor):
    doc = _require(username)
    ended = sessions.end_all_for(doc["_id"])
    audit.record(actor, "sign_out_everywhere", "user", str(doc["_id"]), after={"sessions_ended": ended})
    return ended


_DUMMY_HASH = generate_password_hash("not a real password")
