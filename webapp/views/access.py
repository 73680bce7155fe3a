"""The one call each record view makes to the access log."""
from flask import request
from flask_login import current_user

from webapp.store import access_log


def viewed(*patients):
    """Record that the signed-in user saw these patients' records (MRNs; a
    patient record without one by its id) on this page."""
    access_log.viewed(current_user.username, patients, request.endpoint, request.remote_addr)


def patient_key(patient):
    return (patient or {}).get("mrn") or str((patient or {}).get("_id") or "")
