"""Treatments of an episode, in place on the episode page; the form's
type-specific section is swapped by htmx when the type changes."""
from flask import redirect, request, url_for

from webapp.domain import sequence
from webapp.domain.treatments import canonical_type, default_site, type_of
from webapp.forms.treatments import form_class
from webapp.security import EDITORS, is_htmx, role_required
from webapp.store import episodes as episodes_store
from webapp.store import treatments as store
from webapp.views.episode_records import RecordViews
from webapp.views.rendering import found, page_or_fragment

DEFAULT_TYPE = "surgery"


def chosen_type(record=None):
    """The type whose form to show: the one asked for, else the record's
    (read through the domain's canonical_type, so a legacy "Chemotherapy"
    opens the chemotherapy form), else surgery."""
    asked = request.form.get("treatment_type") if request.method != "GET" else request.args.get("treatment_type")
    return (canonical_type(asked) if asked else type_of(record)) or DEFAULT_TYPE


def make_form(episode, record):
    form = _form(episode, record)
    own = {"treatment_id": (record or {}).get("treatment_id"), "patient_id": episode.get("patient_id")}
    form.offer_pathway(own, store.of_patient(episode.get("patient_id")), store.link_target)
    return form


def _form(episode, record):
    """The form for a new treatment (its provider and site from the
    episode's provider), for a stored one (whatever it holds), or as posted
    (with the notes on what the stored record held)."""
    cls = form_class(chosen_type(record))
    referral = episode.get("referral_date")
    if request.method == "GET":
        if record is not None:
            form = cls.for_record(record, referral_date=referral)
            if request.args.get("treatment_type") or type_of(record):
                form.treatment_type.data = chosen_type(record)
            return form
        site = default_site(episode)
        return cls(data={"treatment_type": chosen_type(), "provider_organisation": site and site[:3],
                         "treatment_site": site}, referral_date=referral)
    form = cls(referral_date=referral)
    return form.with_notes(record) if record is not None else form


bp = RecordViews("treatments", "treatment", store, make_form, notes=sequence.out_of_order).blueprint()


@bp.route("/fields")
@role_required(*EDITORS)
def type_fields(episode_id):
    """The chosen type's section of the form (htmx swaps it in when the type
    select changes)."""
    episode = found(episodes_store.get(episode_id))
    if not is_htmx():
        return redirect(url_for(".create", episode_id=episode["_id"], treatment_type=chosen_type()))
    return page_or_fragment("episodes/record_page.html", "episodes/_treatment_type_fields.html",
                            form=make_form(episode, None), episode=episode)
