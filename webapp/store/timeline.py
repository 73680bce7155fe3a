"""A patient's timeline: every episode event, tumour and treatment in date
order, in a fixed number of queries however many there are (no query per episode)."""
from datetime import date

from webapp import db
from webapp.domain import pathways, stored
from webapp.store import episodes as episode_store
from webapp.store import follow_ups, responses

_LAST = date.max


def for_patient(keys):
    """(episodes, events) of the patient its records name by any of `keys`
    (see patients.link_keys). Events are dicts {date, kind, label, record,
    episode_id}, oldest first; undated ones last."""
    if not keys:
        return [], []
    episodes = episode_store.for_patient(keys)
    tumours = list(db.get_tumours_collection().find({"patient_id": {"$in": keys}}))
    treatments = list(db.get_treatments_collection().find({"patient_id": {"$in": keys}}))
    events = []
    for e in episodes:
        events.append({"date": e.get("referral_date"), "kind": "referral", "record": e, "episode_id": str(e["_id"])})
        if not stored.is_blank(e.get("mdt_date")):
            events.append({"date": e["mdt_date"], "kind": "mdt", "record": e, "episode_id": str(e["_id"])})
    for t in tumours:
        events.append({"date": t.get("diagnosis_date"), "kind": "tumour", "record": t,
                       "episode_id": db.linkable(t.get("episode_id"))})
    for t in treatments:
        events.append({"date": t.get("treatment_date") or t.get("start_date"), "kind": "treatment", "record": t,
                       "episode_id": db.linkable(t.get("episode_id"))})
    # Each its own query: response assessments, and planned and done follow-up tests.
    events.extend(responses.timeline_events(keys, tumours))
    events.extend(follow_ups.timeline_events(keys))
    order = {"referral": 0, "mdt": 1, "tumour": 2, "treatment": 3, "response": 4, "follow_up": 5}
    # A date stored as text (legacy) is no day: it sorts last, shown as it is.
    events.sort(key=lambda ev: (stored.day(ev["date"]) or _LAST, order[ev["kind"]]))
    return episodes, events


def pathways_of(events):
    """The pathways among the timeline's treatments: [[(treatment, role)]],
    oldest first; each treatment event in one gains "pathway" (its number,
    from 1) and "role", so the timeline shows them as one pathway."""
    treatment_events = [ev for ev in events if ev["kind"] == "treatment"]
    found = [pathways.steps(group) for group in pathways.groups([ev["record"] for ev in treatment_events])]
    place = {t.get("treatment_id"): (n, part) for n, group in enumerate(found, 1) for t, part in group}
    for ev in treatment_events:
        if ev["record"].get("treatment_id") in place:
            ev["pathway"], ev["role"] = place[ev["record"]["treatment_id"]]
    return found
