"""Planned follow-up tests after a curative resection, in `follow_ups`: made,
moved and cancelled with the treatment they follow (inside the treatment
write's own transaction, `sync` and `cancel_for`), recorded as done or not
done, and read for a patient's timeline and for the overdue list."""
from datetime import timedelta

from pymongo import ReturnDocument

from webapp import db
from webapp.domain import clock, stored, surveillance
from webapp.store import audit, records

ENTITY = "follow_up"
ID = "follow_up_id"
# A test may be overdue only this long after its due date at the soonest:
# lets the overdue list's query run on the (status, due_date) index.
_SOONEST = timedelta(days=min(surveillance.WINDOW_DAYS.values()))


def _coll(database=None):
    return db.collection(db.FOLLOW_UPS, database)


# --- kept in step with the treatment, inside its write ----------------------------

def sync(treatment, actor, session, database=None):
    """Make the treatment's planned events match its plan: created for a new
    curative resection, moved with its operation date, cancelled when it is
    no longer one, reinstated when it is again. Each change is audited."""
    existing = _of_treatment(treatment, session, database)
    if existing is None:
        return
    actions = surveillance.reconcile(existing, surveillance.plan(treatment))
    _apply(actions, existing, treatment, actor, session, database)


def cancel_for(treatment, actor, session, database=None, reason=None):
    """The treatment is gone: its planned events are cancelled (kept, so
    the record says what was planned), what was done stays."""
    existing = _of_treatment(treatment, session, database)
    if existing is not None:
        _cancel(treatment, existing, actor, session, database, reason)


def cancel_for_episode(episode_id, treatments, actor, session, database=None, reason=None):
    """`cancel_for` each of the episode's deleted treatments, its events
    read in one query (through the episode_id index), not one per treatment."""
    events = {}
    for e in _coll(database).find({"episode_id": episode_id}, session=session):
        events.setdefault(e.get("treatment_id"), {})[e.get("plan_key")] = e
    for treatment in treatments:
        treatment_id = treatment.get("treatment_id")
        if isinstance(treatment_id, str) and treatment_id in events:
            _cancel(treatment, events[treatment_id], actor, session, database, reason)


def _cancel(treatment, existing, actor, session, database, reason):
    actions = surveillance.reconcile(existing, {})
    reason = reason or f"treatment {treatment.get('treatment_id')} deleted"
    _apply(actions, existing, treatment, actor, session, database, reason)


def _of_treatment(treatment, session, database):
    """{plan key: event} of this treatment, or None when it has no id to
    name its events by. By episode too: a legacy database may repeat a
    treatment id across episodes until the adopt step renames the repeats,
    and one operation's plan must never move or cancel another's. An id
    that is not text would be read as a query operator and match others'."""
    treatment_id, episode_id = treatment.get("treatment_id"), treatment.get("episode_id")
    if not isinstance(treatment_id, str) or not treatment_id or not isinstance(episode_id, str):
        return None
    return {e.get("plan_key"): e for e in _coll(database).find(
        {"treatment_id": treatment_id, "episode_id": episode_id}, session=session)}


def _apply(actions, existing, treatment, actor, session, database, reason=None):
    coll = _coll(database)
    now = clock.now()
    created, entries = [], []
    for action, key, fields in actions:
        if action == "create":
            doc = surveillance.new_event(treatment, key, fields, now)
            created.append(doc)
            entries.append(audit.entry(actor, "create", ENTITY, doc[ID], after=doc, treatment_id=doc["treatment_id"],
                                       reason=_why(action, treatment)))
            continue
        before = existing[key]
        change = {"cancel": {"status": "cancelled", "cancelled_reason": reason or _why(action, treatment)},
                  "reschedule": fields, "reinstate": {**fields, "status": "planned"}}[action]
        update = {"$set": {**change, "last_modified_at": now}, "$inc": {"version": 1}}
        if action == "reinstate":
            update["$unset"] = {"cancelled_reason": ""}
        after = coll.find_one_and_update({"_id": before["_id"]}, update, session=session,
                                         return_document=ReturnDocument.AFTER)
        entries.append(audit.entry(actor, action, ENTITY, before.get(ID), before=before, after=after,
                                   treatment_id=before.get("treatment_id"),
                                   reason=reason if action == "cancel" and reason else _why(action, treatment, before)))
    if created:
        coll.insert_many(created, session=session)
    if entries:
        db.collection(db.AUDIT_LOG, database).insert_many(entries, session=session)


def _why(action, treatment, before=None):
    operated = stored.show_date(surveillance.operation_day(treatment))
    if action == "reschedule":
        was = stored.show_date((before or {}).get("operation_date"))
        return f"operation date of {treatment.get('treatment_id')} changed from {was} to {operated}: due date moved"
    if action == "cancel":
        return f"{treatment.get('treatment_id')} is no longer a curative resection"
    return f"planned after the curative resection {treatment.get('treatment_id')} on {operated}"


# --- recording what was done ---------------------------------------------------

def record(follow_up_id, fields, expected_version, actor):
    """Save a result (done, with its date and value or finding; or not
    done, with the reason) on an event that is not cancelled (the route
    reads its status first, legacy spellings included); the result
    fields not given are removed, so a correction leaves no stale value."""
    key = {ID: follow_up_id, "status": {"$ne": "cancelled"}}
    changes = {k: v for k, v in fields.items() if k == "status" or k in surveillance.RESULT_FIELDS}
    unset = [f for f in surveillance.RESULT_FIELDS if stored.is_blank(changes.get(f))]
    changes = {k: v for k, v in changes.items() if k not in unset}

    def work(session):
        return records.versioned_update(_coll(), ENTITY, key, follow_up_id, changes, expected_version, actor,
                                        unset=unset, session=session, action="record")

    return records.fenced(work)


# --- reads ------------------------------------------------------------------

def get(follow_up_id):
    if not isinstance(follow_up_id, str):
        return None
    return _coll().find_one({ID: follow_up_id})


def for_patient(keys):
    """A patient's events that are not cancelled, through the (patient, due) index."""
    if not keys:
        return []
    # One batch: a patient's whole follow-up, however many operations, in one round trip.
    return list(_coll().find({"patient_id": {"$in": list(keys)}, "status": {"$ne": "cancelled"}})
                .sort([("patient_id", 1), ("due_date", 1)]).batch_size(5000))


def timeline_event(event):
    """A follow-up event as the timeline shows it (the timeline sorts them
    with the rest)."""
    return {"date": surveillance.event_date(event), "kind": "follow_up", "record": event,
            "episode_id": db.linkable(event.get("episode_id"))}


def timeline_events(keys):
    return [timeline_event(e) for e in for_patient(keys)]


def _overdue_filter(today, kind=None):
    midnight = surveillance.midnight(today)
    flt = {"status": "planned", "due_date": {"$lt": midnight - _SOONEST}, "overdue_from": {"$lt": midnight}}
    if kind:
        flt["kind"] = kind
    return flt


def _overdue_first(today, kind):
    """The overdue events, oldest due first, on the (status, due_date) index."""
    return _coll().find(_overdue_filter(today, kind)).sort([("status", 1), ("due_date", 1), ("_id", 1)]) \
        .hint(db.FOLLOW_UPS_BY_STATUS_DUE)


def overdue(today, kind=None, page=1, size=25):
    """(events overdue on `today`, oldest due first, on this page; how many
    in all). Planned, and past their due date plus window."""
    total = _coll().count_documents(_overdue_filter(today, kind))
    return list(_overdue_first(today, kind).skip((max(1, page) - 1) * size).limit(size)), total


def overdue_all(today, kind=None):
    """Every event overdue on `today` (the CSV leaves none out)."""
    return list(_overdue_first(today, kind))


def patient_keys(events):
    """The patients these events name (by MRN, or an adopted patient's legacy id)."""
    return sorted({e.get("patient_id") for e in events if isinstance(e.get("patient_id"), str)})
