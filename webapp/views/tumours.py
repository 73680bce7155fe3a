"""Tumours of an episode, in place on the episode page."""
from flask import request

from webapp.forms.tumours import TumourForm
from webapp.store import tumours as store
from webapp.views.episode_records import RecordViews


def make_form(episode, record):
    if record is not None and request.method == "GET":
        return TumourForm.for_record(record)
    return TumourForm().with_notes(record) if record is not None else TumourForm()


bp = RecordViews("tumours", "tumour", store, make_form).blueprint()
