"""Episodes: one cancer pathway of a patient. Create, edit, close, and delete
(which takes the episode's tumours and treatments with it, in one
transaction, with an audit entry for each record removed)."""
from webapp import db
from webapp.domain import clock
from webapp.store import audit, follow_ups, records, responses

ENTITY = "episode"
FIELDS = ("referral_date", "referral_source", "first_seen_date", "mdt_date", "mdt_outcome",
          "care_plan_intent", "lead_clinician", "provider_organisation", "performance_status", "status")


def get(episode_id):
    oid = db.object_id(episode_id)
    if oid is None:
        return None
    return db.collection(db.EPISODES).find_one({"_id": oid})


def for_patient(keys):
    """A patient's episodes, newest referral first."""
    return list(db.collection(db.EPISODES).find({"patient_id": {"$in": list(keys)}})
                .sort([("referral_date", -1), ("_id", -1)]))


def create(patient, fields, actor):
    now = clock.now()
    doc = {"patient_id": patient["mrn"], "episode_type": "cancer",
           **{k: fields.get(k) for k in FIELDS},
           "created_at": now, "last_modified_at": now, "version": 1}
    doc["status"] = doc["status"] or "open"

    def work(session):
        result = db.collection(db.EPISODES).insert_one(doc, session=session)
        audit.record(actor, "create", ENTITY, result.inserted_id, before=None, after=doc, session=session)
        return doc

    return records.in_transaction(work)


def update(episode_id, fields, expected_version, actor, action="update"):
    oid = db.object_id(episode_id)
    if oid is None:
        raise records.NotFound(episode_id)
    changes = {k: fields[k] for k in FIELDS if k in fields}

    def work(session):
        return records.versioned_update(db.collection(db.EPISODES), ENTITY, {"_id": oid}, oid,
                                        changes, expected_version, actor, session=session, action=action)

    return records.fenced(work)


def close(episode_id, expected_version, actor):
    return update(episode_id, {"status": "closed"}, expected_version, actor, action="close")


def delete(episode_id, expected_version, actor):
    """Remove the episode, its tumours and its treatments together. Returns
    {"episode": doc, "tumours": n, "treatments": n}."""
    oid = db.object_id(episode_id)
    if oid is None:
        raise records.NotFound(episode_id)
    database = db.resolve()

    def work(session):
        episode = db.collection(db.EPISODES, database).find_one({"_id": oid}, session=session)
        if episode is None:
            raise records.NotFound(episode_id)
        if episode.get("version", 1) != expected_version:
            raise records.Conflict(ENTITY, oid, expected_version, episode)
        key = {"episode_id": str(oid)}
        tumours = list(db.collection(db.TUMOURS, database).find(key, session=session))
        treatments = list(db.collection(db.TREATMENTS, database).find(key, session=session))
        reason = f"episode {oid} deleted"
        # A legacy record may lack its id: the audit names it by its _id then.
        entries = [audit.entry(actor, "delete", "tumour", t.get("tumour_id") or t["_id"], before=t, reason=reason)
                   for t in tumours]
        entries += [audit.entry(actor, "delete", "treatment", t.get("treatment_id") or t["_id"], before=t,
                                reason=reason) for t in treatments]
        entries.append(audit.entry(actor, "delete", ENTITY, oid, before=episode,
                                   tumours_deleted=len(tumours), treatments_deleted=len(treatments)))
        db.collection(db.TUMOURS, database).delete_many(key, session=session)
        db.collection(db.TREATMENTS, database).delete_many(key, session=session)
        # Their planned follow-up is cancelled, what was done kept.
        follow_ups.cancel_for_episode(key["episode_id"], treatments, actor, session, database, reason=reason)
        responses.remove_with(key, actor, reason, session)  # the tumours' response assessments
        result = db.collection(db.EPISODES, database).delete_one(
            records.version_filter({"_id": oid}, episode, expected_version), session=session
        )
        if result.deleted_count != 1:
            raise records.Conflict(ENTITY, oid, expected_version, None)
        db.collection(db.AUDIT_LOG).insert_many(entries, session=session)
        return {"episode": episode, "tumours": len(tumours), "treatments": len(treatments)}

    return records.fenced(work)


def history(episode_id):
    return records.history(ENTITY, episode_id)


def counts(episode):
    """How many tumours, treatments and response assessments a delete would take with it."""
    key = {"episode_id": str(episode["_id"])}
    return {
        "tumours": db.get_tumours_collection().count_documents(key),
        "treatments": db.get_treatments_collection().count_documents(key),
        "assessments": db.collection(db.RESPONSE_ASSESSMENTS).count_documents(key),
    }
