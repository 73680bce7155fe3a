"""Tumours of an episode, in place on the episode page."""
from flask import request

from webapp.domain import responses
from webapp.forms.tumours import TumourForm
from webapp.store import treatments as treatments_store
from webapp.store import tumours as store
from webapp.views.episode_records import RecordViews


def make_form(episode, record):
    if record is not None and request.method == "GET":
        return TumourForm.for_record(record)
    return TumourForm().with_notes(record) if record is not None else TumourForm()


def notes(tumours):
    """A regression grade kept for a patient with no neo-adjuvant treatment
    is named above the list (their treatments are read only then)."""
    graded = [t for t in tumours if responses.regression_grade(t) is not None]
    if not graded:
        return []
    patient_id = graded[0].get("patient_id")
    # Only a string is looked up: a sub-document stored there would be a query operator.
    found = treatments_store.of_patient(patient_id) if isinstance(patient_id, str) else []
    return responses.regression_notes(graded, found)


bp = RecordViews("tumours", "tumour", store, make_form, notes=notes,
                 deletes_with="Its response assessments, if any, are deleted with it.").blueprint()
