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


def add(coll, entity, id_field, kind, episode, fields, actor, check=None, then=None, links=None):
    """`links(session)`: further parents, read inside the write's transaction
    (a response assessment's tumour, which must still be there);
    `check(None, doc, session)` raises to refuse the record;
    `then(doc, actor, session)` writes what follows from it."""
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
        if check:
            check(None, doc, session)
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
        if then:  # what follows from the record, in the same transaction
            then(doc, actor, session)
        return doc

    return records.fenced(work)


def update(coll, entity, id_field, episode, record_id, fields, expected_version, actor, unset=(), check=None,
           then=None):
    """`check(before, fields, session)`, when given, sees the stored record
    and the change inside the write's transaction, and raises to refuse it;
    `then(saved, actor, session)` writes what follows from the saved record
    in the same transaction."""
    key = {id_field: record_id, "episode_id": str(episode["_id"])}
    fields = {k: v for k, v in fields.items() if k not in IDENTITY}

    def work(session):
        saved = records.versioned_update(
            coll, entity, key, record_id, fields, expected_version, actor, unset=unset, session=session, check=check
        )
        if then:
            then(saved, actor, session)
        return saved

    return records.fenced(work)


def delete(coll, entity, id_field, episode, record_id, expected_version, actor, then=None, check=None):
    """`then(deleted, actor, session)`: what goes with the record, in the
    same transaction (a tumour's response assessments, a treatment's
    planned follow-up). `check(record_id, session)` raises records.Invalid
    when another record still needs this one, before anything is deleted."""
    key = {id_field: record_id, "episode_id": str(episode["_id"])}

    def work(session):
        if check:
            check(record_id, session)
        gone = records.versioned_delete(
            coll, entity, key, record_id, expected_version, actor, session=session, episode_id=str(episode["_id"])
        )
        if then:
            then(gone, actor, session)
        return gone

    return records.fenced(work)


def get(coll, id_field, episode, record_id):
    return coll.find_one({id_field: record_id, "episode_id": str(episode["_id"])})
