"""Patients: find (by MRN, NHS number, name, date of birth), read, create,
edit. Each change writes its audit entry in the same transaction."""
import re
from datetime import datetime

from pymongo.errors import DuplicateKeyError

from webapp import db
from webapp.domain import clock, nhs_number
from webapp.store import audit, records

ENTITY = "patient"
FIELDS = ("mrn", "nhs_number", "nhs_number_status", "first_name", "last_name", "date_of_birth",
          "sex", "ethnic_category", "postcode", "date_of_death", "date_of_death_source")
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")
_MRN_LIKE = re.compile(r"^[A-Za-z]{0,5}\d[A-Za-z0-9]*$")


class DuplicatePatient(Exception):
    def __init__(self, field):
        self.field = field
        super().__init__(field)


def search_filter(text):
    """The filter for what a user typed: an NHS number (spaces or not), a
    date of birth, an MRN, or a name (surname, or first and surname)."""
    text = (text or "").strip()
    if not text:
        return {}
    digits = nhs_number.normalise(text)
    if digits:
        return {"$or": [{"nhs_number": digits}, {"mrn": digits}]}
    for fmt in _DATE_FORMATS:
        try:
            return {"date_of_birth": datetime.strptime(text, fmt)}
        except ValueError:
            pass
    if "," in text:
        # "Fraser, Siobhan": how the results list writes a name.
        last, _, first = (part.strip() for part in text.partition(","))
        return {"last_name": _starts(last), **({"first_name": _starts(first)} if first else {})}
    if _MRN_LIKE.match(text):
        # A prefix match on the unique index: typing part of an MRN narrows.
        return {"mrn": {"$regex": "^" + re.escape(text.upper())}}
    words = text.split()
    if len(words) >= 2:
        return {"first_name": _starts(words[0]), "last_name": _starts(" ".join(words[1:]))}
    return {"$or": [{"last_name": _starts(text)}, {"first_name": _starts(text)}]}


def _starts(word):
    return {"$regex": "^" + re.escape(word), "$options": "i"}


def search(text, page=1, page_size=25):
    """(patients on this page, total matching), surname order."""
    flt = search_filter(text)
    coll = db.collection(db.PATIENTS)
    total = coll.count_documents(flt)
    page = max(1, page)
    cursor = (coll.find(flt).sort([("last_name", 1), ("first_name", 1), ("_id", 1)])
              .skip((page - 1) * page_size).limit(page_size))
    return list(cursor), total


def get(patient_id):
    oid = db.object_id(patient_id)
    if oid is None:
        return None
    return db.collection(db.PATIENTS).find_one({"_id": oid})


def get_by_mrn(mrn):
    # Only text is an MRN: a legacy sub-document here would be read as a
    # query operator and find someone else.
    if not isinstance(mrn, str) or not mrn:
        return None
    return db.collection(db.PATIENTS).find_one({"mrn": mrn})


# How an adopted legacy patient without an MRN of its own is linked: its
# records name it by its legacy id (the adopt step sets both).
LEGACY_LINK = "legacy_patient_id"


def link_keys(patient):
    """Every value its episodes, tumours and treatments may name the patient
    by: the MRN; for an adopted legacy patient with none, its legacy id; for
    one whose MRN another record holds too (to be merged), that MRN."""
    keys = [patient.get("mrn"), patient.get(LEGACY_LINK), shared_mrn(patient)]
    return [k for n, k in enumerate(keys) if isinstance(k, str) and k and k not in keys[:n]]


def by_links(keys, fields):
    """{link key: patient} for the patients named by `keys` (their MRN or
    legacy link), in one query, each with `fields` only."""
    if not keys:
        return {}
    found = db.collection(db.PATIENTS).find(
        {"$or": [{"mrn": {"$in": list(keys)}}, {LEGACY_LINK: {"$in": list(keys)}}]},
        {"mrn": 1, LEGACY_LINK: 1, **dict.fromkeys(fields, 1)})
    out = {}
    for p in found:
        for key in (p.get(LEGACY_LINK), p.get("mrn")):
            if isinstance(key, str) and key in keys:
                out[key] = p
    return out


def shared_mrn(patient):
    """The MRN a legacy record was stored with that another record holds
    too (adopt keeps it aside until the two are merged), or None."""
    kept = patient.get("legacy_values")
    return kept.get("mrn") if isinstance(kept, dict) else None


def get_by_link(key):
    """The patient an episode names by `key` (two indexed look-ups, never a scan)."""
    if key is None:
        return None
    coll = db.collection(db.PATIENTS)
    return coll.find_one({"mrn": key}) or coll.find_one({LEGACY_LINK: key})


def _check_unique(fields, session, exclude_id=None):
    coll = db.collection(db.PATIENTS)
    for field in ("mrn", "nhs_number"):
        value = fields.get(field)
        if not value:
            continue
        flt = {field: value}
        if exclude_id is not None:
            flt["_id"] = {"$ne": exclude_id}
        if coll.find_one(flt, {"_id": 1}, session=session):
            raise DuplicatePatient(field)


def create(fields, actor):
    """Insert a patient; raises DuplicatePatient when the MRN or NHS number is taken."""
    now = clock.now()
    doc = {**{k: fields.get(k) for k in FIELDS}, "created_at": now, "last_modified_at": now, "version": 1}

    def work(session):
        _check_unique(doc, session)
        result = db.collection(db.PATIENTS).insert_one(doc, session=session)
        audit.record(actor, "create", ENTITY, result.inserted_id, before=None, after=doc, session=session)
        return doc

    try:
        return records.in_transaction(work)
    except DuplicateKeyError as exc:
        # Two people adding the same patient at once: the unique index decides.
        raise DuplicatePatient(_duplicate_field(exc)) from exc


def _duplicate_field(exc):
    pattern = (exc.details or {}).get("keyPattern") or {}
    return "nhs_number" if "nhs_number" in pattern or "nhs_number" in str(exc) else "mrn"


def update(patient_id, fields, expected_version, actor):
    """Edit a patient's details. The MRN never changes once set (episodes
    refer to it); a record without one (an adopted legacy patient) may be
    given one, and the records that named it by its legacy id then name it
    by the MRN, in the same transaction."""
    oid = db.object_id(patient_id)
    if oid is None:
        raise records.NotFound(patient_id)
    changes = {k: fields.get(k) for k in FIELDS if k != "mrn"}

    def work(session):
        current = db.collection(db.PATIENTS).find_one({"_id": oid}, session=session) or {}
        first_mrn = fields.get("mrn") if not has_mrn(current) else None
        if first_mrn:
            changes["mrn"] = first_mrn
        _check_unique(changes, session, exclude_id=oid)
        after = records.versioned_update(db.collection(db.PATIENTS), ENTITY, {"_id": oid}, oid,
                                         changes, expected_version, actor, session=session)
        if first_mrn:
            _relink(current, first_mrn, actor, session)
        return after

    try:
        # The adopt step rewrites patients (and a relink writes their
        # episodes): an edit must not land in the middle of a migration.
        return records.fenced(work)
    except DuplicateKeyError as exc:
        raise DuplicatePatient(_duplicate_field(exc)) from exc


def has_mrn(patient):
    return isinstance(patient.get("mrn"), str) and bool(patient["mrn"])


def _relink(patient, mrn, actor, session):
    """Its episodes, tumours and treatments named it by its legacy id: they
    name it by its MRN now (only by that id: an MRN it shared with another
    record stays where it is until the two are merged)."""
    legacy = patient.get(LEGACY_LINK)
    if not isinstance(legacy, str) or not legacy:
        return
    moved = {}
    for name in (db.EPISODES, db.TUMOURS, db.TREATMENTS, db.FOLLOW_UPS, db.RESPONSE_ASSESSMENTS):
        result = db.collection(name).update_many({"patient_id": legacy}, {"$set": {"patient_id": mrn}},
                                                 session=session)
        moved[name] = result.modified_count
    audit.record(actor, "relink", ENTITY, patient["_id"], before={"patient_id": legacy},
                 after={"patient_id": mrn, "records": moved}, session=session)


def history(patient_id):
    return records.history(ENTITY, patient_id)
