"""Treatments of an episode, in the `treatments` collection."""
from datetime import date

from webapp import db
from webapp.domain import pathways, stored
from webapp.domain import treatments as treatment_types
from webapp.store import children, follow_ups, records

ENTITY = "treatment"
ID = "treatment_id"

# Changing a treatment's type removes the old type's fields, so the stored
# shape always matches its type.
ALL_TYPE_FIELDS = treatment_types.ALL_TYPE_FIELDS
# A link cleared on the form is removed, like a field of another type.
PATHWAY_FIELD = treatment_types.PATHWAY_FIELD
REMOVABLE = ALL_TYPE_FIELDS + (PATHWAY_FIELD,)


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
    """Raises records.Invalid when its pathway link breaks a rule; plans
    its follow-up when it is a curative resection."""
    return children.add(db.get_treatments_collection(), ENTITY, ID, db.TREATMENTS, episode, fields, actor,
                        check=_pathway_sound, then=follow_ups.sync)


def update(episode, treatment_id, fields, expected_version, actor):
    return children.update(db.get_treatments_collection(), ENTITY, ID, episode, treatment_id, fields,
                           expected_version, actor, unset=REMOVABLE, check=_pathway_sound, then=follow_ups.sync)


def delete(episode, treatment_id, expected_version, actor):
    """Raises records.Invalid while another treatment names this one."""
    return children.delete(db.get_treatments_collection(), ENTITY, ID, episode, treatment_id,
                           expected_version, actor, then=follow_ups.cancel_for, check=_not_followed)


def delete_blocked(record, session=None):
    """Why the treatment cannot be deleted yet (the treatments that name it
    would point at nothing), or None."""
    followers = list(db.get_treatments_collection().find({PATHWAY_FIELD: record.get(ID)}, PATHWAY_PROJECTION,
                                                         session=session))
    return pathways.blocks_delete([treatment_types.reconciled(f) for f in followers])


def _not_followed(treatment_id, session):
    blocked = delete_blocked({ID: treatment_id}, session)
    if blocked:
        raise records.Invalid({"delete": blocked})


def history(treatment_id):
    return records.history(ENTITY, treatment_id)


# What the pathway rules read of a treatment (domain/pathways.py).
PATHWAY_PROJECTION = {"_id": 0, "treatment_id": 1, "patient_id": 1, "episode_id": 1, "treatment_type": 1,
                      "treatment_date": 1, "adjunctive_therapy": 1, "chemo_timing": 1, "opcs4_primary": 1,
                      "follows_treatment_id": 1, "provider_organisation": 1}


def of_patient(patient_id, session=None):
    """A patient's treatments (every episode), as the pathway rules read them."""
    if not isinstance(patient_id, str) or not patient_id:
        return []  # anything else would be read as a query operator and match other patients
    return list(db.get_treatments_collection().find({"patient_id": patient_id}, PATHWAY_PROJECTION, session=session)
                .sort([("treatment_date", 1), ("treatment_id", 1)]))


def link_target(treatment_id, session=None):
    """(the treatment `treatment_id` names, as the rules read it, or None;
    the ids reached from it by following links among its patient's
    treatments)."""
    linked = db.get_treatments_collection().find_one({"treatment_id": treatment_id}, PATHWAY_PROJECTION,
                                                     session=session)
    if linked is None:
        return None, set()
    links = {t["treatment_id"]: t.get("follows_treatment_id") for t in of_patient(linked.get("patient_id"), session)
             if t.get("treatment_id")}
    chain, step = set(), linked.get("follows_treatment_id")
    while isinstance(step, str) and step not in chain:
        chain.add(step)
        step = links.get(step)
    return linked, chain


def _pathway_sound(before, fields, session):
    """The pathway rules again, on the stored treatments, inside the write's
    transaction: a write that bypasses the form, or that another edit
    overtook, cannot store a link to another patient, a circle or an
    impossible order. Two links written at once cannot both pass: every
    clinical write marks the migration fence document (store/lease.py), so
    the later transaction retries and its retry sees the other's link."""
    after = {k: v for k, v in (before or {}).items() if k not in REMOVABLE or k in fields}
    after.update(fields)
    mine = {**treatment_types.reconciled(after), "treatment_id": (before or fields).get(ID),
            "patient_id": (before or fields).get("patient_id")}
    if before:
        _followers_sound(mine, session)
    target = fields.get(PATHWAY_FIELD)
    if target in (None, ""):
        return  # no link (an update without one removes it)
    if not isinstance(target, str):
        raise records.Invalid({PATHWAY_FIELD: "Choose one of this patient's treatments."})
    linked, chain = link_target(target, session)
    found = pathways.problems(mine, linked, chain)
    if found:
        raise records.Invalid(found)


def _followers_sound(mine, session):
    """An edit of a treatment that others name (a new date, another type)
    must leave each of their links sound: the operation moved after the
    adjuvant chemotherapy that follows it is refused, on its own form."""
    followers = db.get_treatments_collection().find({PATHWAY_FIELD: mine["treatment_id"]}, PATHWAY_PROJECTION,
                                                    session=session)
    found = pathways.problems_for_followers(mine, [treatment_types.reconciled(f) for f in followers])
    if found:
        raise records.Invalid(found)
