"""Treatments of an episode, in place on the episode page; the form's
type-specific section is swapped by htmx when the type changes."""
from flask import redirect, request, url_for
from werkzeug.datastructures import MultiDict

from webapp.domain import protocols as protocol_rules
from webapp.domain import sequence
from webapp.domain.treatments import canonical_type, default_site, type_of
from webapp.forms.treatments import form_class
from webapp.security import EDITORS, is_htmx, role_required
from webapp.store import episodes as episodes_store
from webapp.store import protocols as protocols_store
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


def make_form(episode, record, form=None):
    form = form or _form(episode, record)
    own = {"treatment_id": (record or {}).get("treatment_id"), "patient_id": episode.get("patient_id")}
    form.offer_pathway(own, store.of_patient(episode.get("patient_id")), store.link_target)
    # Templates fill a new treatment; an edit keeps the name of the one applied.
    form.offer_protocols(protocols_store.active() if record is None else [],
                         lambda name: protocols_store.by_name(name) is not None)
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


views = RecordViews("treatments", "treatment", store, make_form, notes=sequence.out_of_order,
                    delete_blocked=store.delete_blocked)
bp = views.blueprint()


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


# Sent with the form to apply a template, never copied into the refilled form.
NOT_COPIED = {"csrf_token", "form_token", "protocol", "apply_protocol"}


@bp.route("/protocol", methods=["GET", "POST"])
@role_required(*EDITORS)
def apply_protocol(episode_id):
    """The add-treatment form again, with the chosen template's values in
    its fields and everything else as the clinician left it (htmx sends the
    form's fields without its tokens; without JavaScript the form is posted
    here by its "Apply template" button). Nothing is saved."""
    episode = found(episodes_store.get(episode_id))
    template = protocols_store.get(request.values.get("protocol"))
    typed = MultiDict([(k, v) for k, v in request.values.items(multi=True) if k not in NOT_COPIED])
    status = 200
    if template is not None and protocol_rules.offerable(template):
        kind = canonical_type(template.get("treatment_type"))
        for name, value in protocol_rules.form_values(template).items():
            typed.setlist(name, [value])
        typed.setlist("treatment_type", [kind])
        typed.setlist("protocol_template", [template["name"]])
    elif request.values.get("protocol"):
        status = 422
    kind = canonical_type(typed.get("treatment_type")) or DEFAULT_TYPE
    form = make_form(episode, None, form_class(kind)(formdata=typed, referral_date=episode.get("referral_date")))
    if status == 422:
        form.form_errors.append("That protocol template is not offered any more: choose one from the list.")
    return views.form_page(episode, form, status, url_for(".create", episode_id=episode["_id"]))
