"""The admins' reading of the audit trail and the access log, with filters
(user, patient, action, dates). Reads only: nothing in the app edits or
removes an entry of either."""
from datetime import datetime, timedelta

from webapp import db

LIMIT = 200
# Where an audit entry names a patient: the patient record itself (by id),
# or the MRN a patient, episode, tumour or treatment carries.
_AUDIT_PATIENT = ("entity_id", "after.mrn", "before.mrn", "after.patient_id", "before.patient_id")


def _day(text):
    try:
        return datetime.strptime((text or "").strip(), "%Y-%m-%d")
    except ValueError:
        return None


def query_filter(user=None, patient=None, action=None, start=None, end=None, patient_fields=("patient",),
                 action_field="view"):
    """The MongoDB filter (dates as YYYY-MM-DD, the end day included)."""
    wanted = {}
    if user and user.strip():
        wanted["actor"] = user.strip()
    if action and action.strip():
        wanted[action_field] = action.strip()
    if patient and patient.strip():
        wanted["$or"] = [{f: patient.strip()} for f in patient_fields]
    since, until = _day(start), _day(end)
    if since or until:
        wanted["at"] = {**({"$gte": since} if since else {}), **({"$lt": until + timedelta(days=1)} if until else {})}
    return wanted


def access(limit=LIMIT, **filters):
    """Views of patient records, newest first."""
    return list(db.collection(db.ACCESS_LOG).find(query_filter(**filters)).sort("at", -1).limit(limit))


def audit(limit=LIMIT, **filters):
    """Changes (and sign-ins, user administration), newest first."""
    wanted = query_filter(**filters, patient_fields=_AUDIT_PATIENT, action_field="action")
    return list(db.collection(db.AUDIT_LOG).find(wanted, {"before": 0, "after": 0}).sort("at", -1).limit(limit))
