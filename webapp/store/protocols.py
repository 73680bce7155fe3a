"""Protocol templates, in the `protocol_templates` collection: added and
retired by admins (never deleted, so a treatment naming one can always be
traced to it), each change audited in the same transaction. Not behind the
migration's write fence: no migration step reads or writes templates."""
from pymongo.errors import DuplicateKeyError

from webapp import db
from webapp.domain import clock, codes
from webapp.domain import protocols as rules
from webapp.store import audit, records

ENTITY = "protocol_template"


class ProtocolError(Exception):
    """A template cannot be added or retired, in words a person can act on."""


def _coll():
    return db.collection(db.PROTOCOL_TEMPLATES)


def all_templates():
    """Every template, active first, each group by name (whatever a stored
    name is)."""
    found = list(_coll().find({}))
    return sorted(found, key=lambda t: (not rules.is_active(t), str(t.get("name") or "").lower()))


def active():
    """What a clinician may apply, by name."""
    return [t for t in all_templates() if rules.offerable(t)]


def get(slug):
    return _coll().find_one({"slug": slug}) if isinstance(slug, str) else None


def by_name(name):
    return _coll().find_one({"name": name}) if isinstance(name, str) and name else None


def add(name, kind, values, actor):
    """Store a template. The values must already have passed the treatment
    form (forms/protocols.py); this keeps what the store can know: a name,
    a known type, only fields a template of that type may fill."""
    name = (name or "").strip()
    key = rules.slug(name)
    if not key or len(name) > rules.MAX_NAME:
        raise ProtocolError(f"Give the template a name of up to {rules.MAX_NAME} characters, with letters or digits.")
    if kind not in codes.TREATMENT_TYPE:
        raise ProtocolError("Choose one of the listed treatment types.")
    stray = sorted(set(values) - set(rules.fillable(kind)))
    if stray:
        raise ProtocolError(f"A {codes.TREATMENT_TYPE[kind].lower()} template cannot fill: {', '.join(stray)}.")
    if not values:
        raise ProtocolError("Fill in at least one field for the template to fill.")
    now = clock.now()
    doc = {"slug": key, "name": name, "treatment_type": kind, "values": dict(values), "active": True,
           "created_at": now, "created_by": actor, "last_modified_at": now, "version": 1}

    def work(session):
        try:
            _coll().insert_one(doc, session=session)
        except DuplicateKeyError:
            raise ProtocolError(f"A template named “{name}” already exists (perhaps retired): choose another name."
                                ) from None
        audit.record(actor, "create", ENTITY, key, before=None, after=doc, session=session)
        return doc

    return records.in_transaction(work)


def retire(slug, actor):
    """Hide a template from clinicians; it stays, with who retired it and when."""

    def work(session):
        before = _coll().find_one({"slug": slug}, session=session)
        if before is None:
            raise records.NotFound(slug)
        if not rules.is_active(before):
            raise ProtocolError(f"“{before.get('name')}” is already retired.")
        now = clock.now()
        changes = {"active": False, "retired_at": now, "retired_by": actor, "last_modified_at": now,
                   "version": before.get("version", 1) + 1 if isinstance(before.get("version", 1), int) else 2}
        result = _coll().update_one({"_id": before["_id"], "active": before.get("active")}, {"$set": changes},
                                    session=session)
        if result.modified_count != 1:
            raise ProtocolError(f"“{before.get('name')}” was changed meanwhile: look at the list again.")
        after = _coll().find_one({"_id": before["_id"]}, session=session)
        audit.record(actor, "retire", ENTITY, slug, before=before, after=after, session=session)
        return after

    return records.in_transaction(work)


def seed_defaults(actor="bootstrap"):
    """The default templates, only into an empty collection (an admin's
    retirements and additions are never undone by a restart). Returns how
    many were added."""
    if _coll().count_documents({}, limit=1):
        return 0
    added = 0
    for template in rules.DEFAULTS:
        try:
            add(template["name"], template["treatment_type"], template["values"], actor)
        except ProtocolError:
            continue  # another process seeded it first
        added += 1
    return added

