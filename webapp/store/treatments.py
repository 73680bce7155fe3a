"""Treatments of an episode, in the `treatments` collection."""
from datetime import date

from webapp import db
from webapp.domain import stored
from webapp.domain import treatments as treatment_types
from webapp.store import children, records

ENTITY = "treatment"
ID = "treatment_id"

# Changing a treatment's type removes the old type's fields, so the stored
# shape always matches its type.
ALL_TYPE_FIELDS = treatment_types.ALL_TYPE_FIELDS


def for_episode(episode):
    """Date order through the (episode_id, treatment_date) index, named so
    no planner picks the single-field episode_id index and sorts in memory."""
    found = (db.get_treatments_collection().find({"episode_id": str(episode["_id"])})
             .sort(db.TREATMENTS_BY_EPISODE_DATE).hint(db.TREATMENTS_BY_EPISODE_DATE))
    # BSON orders text before dates: a legacy date stored as text goes last.
    return sorted(found, key=lambda t: stored.day(treatment_types.reconciled(t).get("treatment_date")) or date.max)


def get(episode, treatment_id):
    return children.get(db.get_treatments_collection(), ID, episode, treatment_id)


def add(episode, fields, actor):
    return children.add(db.get_treatments_collection(), ENTITY, ID, db.TREATMENTS, episode, fields, actor)


def update(episode, treatment_id, fields, expected_version, actor):
    return children.update(db.get_treatments_collection(), ENTITY, ID, episode, treatment_id, fields,
                           expected_version, actor, unset=ALL_TYPE_FIELDS)


def delete(episode, treatment_id, expected_version, actor):
    return children.delete(db.get_treatments_collection(), ENTITY, ID, episode, treatment_id,
                           expected_version, actor)


def history(treatment_id):
    return records.history(ENTITY, treatment_id)
