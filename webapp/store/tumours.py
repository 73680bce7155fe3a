"""Tumours of an episode, in the `tumours` collection."""
from datetime import date

from webapp import db
from webapp.domain import stored
from webapp.store import children, records, responses

ENTITY = "tumour"
ID = "tumour_id"


def for_episode(episode):
    """One indexed query on (episode_id, tumour_id); oldest diagnosis first,
    as treatments are listed (an episode holds a handful), undated last."""
    found = (db.get_tumours_collection().find({"episode_id": str(episode["_id"])})
             .sort(db.TUMOURS_BY_EPISODE).hint(db.TUMOURS_BY_EPISODE))
    return sorted(found, key=lambda t: stored.day(t.get("diagnosis_date")) or date.max)


def get(episode, tumour_id):
    return children.get(db.get_tumours_collection(), ID, episode, tumour_id)


def add(episode, fields, actor):
    return children.add(db.get_tumours_collection(), ENTITY, ID, db.TUMOURS, episode, fields, actor)


def update(episode, tumour_id, fields, expected_version, actor):
    return children.update(db.get_tumours_collection(), ENTITY, ID, episode, tumour_id, fields,
                           expected_version, actor)


def delete(episode, tumour_id, expected_version, actor):
    """The tumour goes with its response assessments (each audited)."""
    def assessments(_deleted, actor, session):
        responses.remove_with({"tumour_id": tumour_id, "episode_id": str(episode["_id"])}, actor,
                              f"tumour {tumour_id} deleted", session)

    return children.delete(db.get_tumours_collection(), ENTITY, ID, episode, tumour_id, expected_version, actor,
                           then=assessments)


def history(tumour_id):
    return records.history(ENTITY, tumour_id)
