"""What tumours and treatments share: records under an episode, named by a
unique string id (`domain.records.new_id`), with `episode_id` and `patient_id` always taken
from the episode, never from what a user sent."""
from webapp.domain import clock
from webapp.domain import records as domain_records
from webapp.store import audit, records

# Never taken from what a caller passes: they come from the episode, the id
# generator and the clock.
IDENTITY = {"_id", "tumour_id", "treatment_id", "assessment_id", "episode_id", "patient_id", "created_at",
            "last_modified_at", "version"}


def add(coll, entity, id_field, kind, episode, fields, actor, links=None):
    """`links(session)`: further parents, read inside the write's transaction
    (a response assessment's tumour, which must still be there)."""
    now = clock.now()

    def work(session):
        doc = {
            id_field: domain_records.new_id(kind),
            **(links(session) if links else {}),
            "episode_id": str(episode["_id"]),
            "patient_id": episode.get("patient_id"),
        }
        doc.update({k: v for k, v in fields.items() if k not in IDENTITY and k not in doc})
        doc.update(created_at=now, last_modified_at=now, version=1)
        coll.insert_one(doc, session=session)
        audit.record(
            actor,
            "create",
            entity,
            doc[id_field],
            before=None,
            after=doc,
            session=session,
            episode_id=doc["episode_id"],
        )
        return doc

    return records.fenced(work)


def update(coll, entity, id_field, episode, record_id, fields, expected_version, actor, unset=()):
    key = {id_field: record_id, "episode_id": str(episode["_id"])}
    fields = {k: v for k, v in fields.items() if k not in IDENTITY}

    def work(session):
        return records.versioned_update(
            coll, entity, key, record_id, fields, expected_version, actor, unset=unset, session=session
        )

    return records.fenced(work)


def delete(coll, entity, id_field, episode, record_id, expected_version, actor, then=None):
    """`then(session)`: what goes with the record, in the same transaction
    (a tumour's response assessments)."""
    key = {id_field: record_id, "episode_id": str(episode["_id"])}

    def work(session):
        deleted = records.versioned_delete(
            coll, entity, key, record_id, expected_version, actor, session=session, episode_id=str(episode["_id"])
        )
        if then:
            then(session)
        return deleted

    return records.fenced(work)


def get(coll, id_field, episode, record_id):
    return coll.find_one({id_field: record_id, "episode_id": str(episode["_id"])})
