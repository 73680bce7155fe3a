"""What every clinical write shares: one transaction holding the change and
its audit entry, optimistic concurrency on a `version` field, and the
errors a caller turns into 404/409."""
import threading

from pymongo import ReadPreference
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

from webapp import db
from webapp.domain import clock, diff, stored
from webapp.store import audit, lease


class NotFound(Exception):
    """The record does not exist (or not under the parent named)."""


class Invalid(Exception):
    """The store refused a write that would break a rule across records (a
    pathway link to another patient's treatment, a circle): `problems` is
    {field: message}, as a form puts them."""

    def __init__(self, problems):
        self.problems = dict(problems)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.problems.items()))


class Conflict(Exception):
    """Someone saved a newer version since the caller read theirs."""

    def __init__(self, entity, entity_id, expected_version, current):
        self.entity = entity
        self.entity_id = entity_id
        self.expected_version = expected_version
        self.current = current  # None when the record was deleted meanwhile
        super().__init__(f"{entity} {entity_id}: expected version {expected_version}, "
                         f"found {current.get('version') if current else 'deleted'}")


_support = {}
_support_lock = threading.Lock()


def supports_transactions(database):
    """Replica sets and sharded clusters do (the embedded server answers as a
    one-node replica set); a standalone mongod does not. Asked once per client."""
    key = id(database.client)
    with _support_lock:
        if key not in _support:
            hello = database.command("hello")
            _support[key] = bool(hello.get("setName")) or hello.get("msg") == "isdbgrid"
        return _support[key]


def in_transaction(work):
    """Run work(session) so its writes and their audit entries commit
    together (retried on transient errors); without transaction support, run
    it with a plain session, writes in order, audit last."""
    database = db.resolve()
    with database.client.start_session() as session:
        if not supports_transactions(database):
            return work(session)
        return session.with_transaction(
            work, read_concern=ReadConcern("snapshot"),
            write_concern=WriteConcern("majority", j=True),
            read_preference=ReadPreference.PRIMARY)


def fenced(work):
    """`in_transaction` for the writes a migration must not meet (episode
    edits and deletes, tumours, treatments): raises lease.WritesPaused while
    one holds the lease, checked inside the transaction itself."""

    def guarded(session):
        lease.fence_clinical_write(session)
        return work(session)

    return in_transaction(guarded)


def version_filter(key, before, expected_version):
    """`key`, narrowed to the version the caller read: the write matches
    nothing if someone saved in between (records older than versioning have
    no `version` field and are at version 1)."""
    return {**key, "version": expected_version} if "version" in before else {**key, "version": {"$exists": False}}


def versioned_update(coll, entity, key, entity_id, fields, expected_version, actor,
                     unset=(), session=None, action="update", check=None):
    """Apply `fields` (and remove `unset`) to the record matching `key` only if
    it is still at `expected_version`; write the audit entry with before and
    after. Returns the new document. Raises NotFound or Conflict, or what
    `check(before, fields, session)` raises to refuse the change (it sees
    the stored record once it is known to be there, at that version)."""
    before = coll.find_one(key, session=session)
    if before is None:
        raise NotFound(entity_id)
    if before.get("version", 1) != expected_version:
        raise Conflict(entity, entity_id, expected_version, before)
    if check:
        check(before, fields, session)
    now = clock.now()
    update = {"$set": {**fields, "last_modified_at": now, "version": expected_version + 1}}
    removed = [k for k in unset if k in before and k not in fields]
    if removed:
        update["$unset"] = {k: "" for k in removed}
    _clear_resolved_legacy(update, before, fields)
    result = coll.update_one(version_filter(key, before, expected_version), update, session=session)
    if result.matched_count != 1:
        raise Conflict(entity, entity_id, expected_version, coll.find_one(key, session=session))
    after = coll.find_one(key, session=session)
    audit.record(actor, action, entity, entity_id, before=before, after=after, session=session)
    return after


def _clear_resolved_legacy(update, before, fields):
    """The one place a kept legacy value goes: when a save gives its field a
    value (checked by the form), its entry leaves `legacy_values`, and the
    sub-document with its last entry."""
    remaining = stored.resolved(before, fields)
    if remaining is None:
        return
    if remaining:
        update["$set"][stored.LEGACY] = remaining
    else:
        update.setdefault("$unset", {})[stored.LEGACY] = ""


def versioned_delete(coll, entity, key, entity_id, expected_version, actor, session=None, **extra):
    before = coll.find_one(key, session=session)
    if before is None:
        raise NotFound(entity_id)
    if before.get("version", 1) != expected_version:
        raise Conflict(entity, entity_id, expected_version, before)
    result = coll.delete_one(version_filter({**key, "_id": before["_id"]}, before, expected_version), session=session)
    if result.deleted_count != 1:
        raise Conflict(entity, entity_id, expected_version, None)
    audit.record(actor, "delete", entity, entity_id, before=before, after=None, session=session, **extra)
    return before


def changes_since(entity, entity_id, version):
    """What others changed after `version`: [{at, actor, action, changes}],
    oldest first, read from the audit trail."""
    entries = db.collection(db.AUDIT_LOG).find(
        {"entity": entity, "entity_id": str(entity_id)}).sort("at", 1)
    out = []
    for e in entries:
        before_version = (e.get("before") or {}).get("version", 0)
        if before_version >= version:
            out.append({"at": e["at"], "actor": e["actor"], "action": e["action"],
                        "changes": diff.changes(e.get("before"), e.get("after"))})
    return out


def history(entity, entity_id, limit=100):
    """The audit entries for one record, newest first, each with its changes."""
    out = []
    for e in audit.history(entity, entity_id, limit):
        out.append({"at": e["at"], "actor": e["actor"], "action": e["action"],
                    "changes": diff.changes(e.get("before"), e.get("after")),
                    "reason": e.get("reason")})
    return out
