"""Response assessments of a tumour over time, in the `response_assessments`
collection: each linked to its tumour, and (as tumours and treatments are)
to its episode and patient. Written through the same machinery as they are:
one transaction with the audit entry, versioned edits, refused while a
migration holds the write fence."""
from webapp import db
from webapp.domain import records as domain_records
from webapp.domain import responses as rules
from webapp.store import audit, children, records

ENTITY = "assessment"
ID = "assessment_id"
KIND = domain_records.RESPONSES


def _collection():
    return db.collection(db.RESPONSE_ASSESSMENTS)


def for_episode(episode):
    """The episode's assessments, oldest first (through the (episode_id,
    assessment_date) index; a date stored as text last)."""
    found = (_collection().find({"episode_id": str(episode["_id"])})
             .sort(db.RESPONSES_BY_EPISODE_DATE).hint(db.RESPONSES_BY_EPISODE_DATE))
    return rules.in_date_order(found)


def get(episode, assessment_id):
    return children.get(_collection(), ID, episode, assessment_id)


def add(episode, fields, actor):
    """`fields["tumour_id"]` names the tumour assessed: it must be one of
    this episode's (checked inside the write, so a tumour deleted meanwhile
    is not linked to). Raises records.NotFound otherwise."""
    tumour_id = fields.get("tumour_id")

    def links(session):
        # Only a string is looked up: a sub-document would be a query operator.
        tumour = db.get_tumours_collection().find_one(
            {"tumour_id": tumour_id, "episode_id": str(episode["_id"])}, {"tumour_id": 1},
            session=session) if isinstance(tumour_id, str) else None
        if tumour is None:
            raise records.NotFound(tumour_id)
        return {"tumour_id": tumour_id}

    return children.add(_collection(), ENTITY, ID, KIND, episode, fields, actor, links=links)


def update(episode, assessment_id, fields, expected_version, actor):
    """The tumour an assessment belongs to is never changed by an edit."""
    return children.update(_collection(), ENTITY, ID, episode, assessment_id, fields, expected_version, actor)


def delete(episode, assessment_id, expected_version, actor):
    return children.delete(_collection(), ENTITY, ID, episode, assessment_id, expected_version, actor)


def history(assessment_id):
    return records.history(ENTITY, assessment_id)


def remove_with(key, actor, reason, session):
    """Inside another delete's transaction (a tumour's, an episode's): remove
    the assessments matching `key`, each with its audit entry. Returns how
    many went."""
    coll = _collection()
    found = list(coll.find(key, session=session))
    if not found:
        return 0
    db.collection(db.AUDIT_LOG).insert_many(
        [audit.entry(actor, "delete", ENTITY, a.get(ID), before=a, reason=reason, episode_id=a.get("episode_id"))
         for a in found], session=session)
    coll.delete_many({"_id": {"$in": [a["_id"] for a in found]}}, session=session)
    return len(found)


def of_patient(keys):
    """A patient's assessments (every episode), for the timeline: one query."""
    if not keys:
        return []
    return list(_collection().find({"patient_id": {"$in": list(keys)}}))


def timeline_events(keys, tumours):
    """The timeline's events for a patient's assessments: {date, kind
    "response", record, tumour, episode_id}; `tumour` is the one assessed
    when the patient has several (among `tumours`), else None. The timeline
    sorts them with the rest."""
    by_id = {t.get("tumour_id"): t for t in tumours if isinstance(t.get("tumour_id"), str)}
    several = len(by_id) > 1
    return [{"date": a.get("assessment_date"), "kind": "response", "record": a,
             "tumour": by_id.get(a.get("tumour_id")) if several and isinstance(a.get("tumour_id"), str) else None,
             "episode_id": db.linkable(a.get("episode_id"))}
            for a in of_patient(keys)]
