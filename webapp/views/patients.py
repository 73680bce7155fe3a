"""Patients: find, view (with episodes and timeline), create, edit; and a new
episode for a patient."""
import math
import secrets
import time

from flask import Blueprint, current_app, flash, redirect, request, session, url_for
from flask_login import current_user

from webapp.domain import nhs_number, stored
from webapp.forms.episodes import EpisodeForm
from webapp.forms.patients import PatientForm
from webapp.security import EDITORS, READERS, is_htmx, role_required
from webapp.store import episodes as episodes_store
from webapp.store import patients as store
from webapp.store import records, timeline
from webapp.views.access import patient_key, viewed
from webapp.views.rendering import (
    conflict_context,
    found,
    page_number,
    page_or_fragment,
    refused_form,
    save_unless_paused,
)

bp = Blueprint("patients", __name__, url_prefix="/patients")

DUPLICATE = {"mrn": "Another patient already has this hospital number.",
             "nhs_number": "Another patient already has this NHS number."}


# A search gets an address (/patients/?s=<id>) so Back and reload return to
# its results; what was searched for stays in the signed session cookie, out
# of every URL, history entry and access log, and is forgotten after this.
SEARCH_SECONDS = 30 * 60
SEARCHES_KEPT = 5


def _remember(query):
    now = time.time()
    kept = {k: v for k, v in (session.get("searches") or {}).items() if now - v.get("at", 0) < SEARCH_SECONDS}
    search_id = secrets.token_urlsafe(9)
    kept[search_id] = {"q": query, "at": now}
    session["searches"] = dict(sorted(kept.items(), key=lambda kv: kv[1]["at"])[-SEARCHES_KEPT:])
    return search_id


def _recall(search_id):
    entry = (session.get("searches") or {}).get(search_id)
    if entry and time.time() - entry.get("at", 0) < SEARCH_SECONDS:
        return entry["q"]
    return None


def _nhs_note(query):
    """Why an NHS number finds nobody, said before the count."""
    if nhs_number.normalise(query) and not nhs_number.is_valid(query):
        return (f"{nhs_number.format_spaced(query)} is not a valid NHS number: its check digit does not match. "
                "Check each digit (patients are still searched for this number as a hospital number).")
    return None


@bp.route("/", methods=["GET", "POST"])
@role_required(*READERS)
def index():
    # A search comes by POST and is answered with its own address.
    if request.method == "POST":
        query, page = request.form.get("q", "")[:100], page_number(request.form.get("page"))
        search_id = _remember(query) if query.strip() else None
        address = url_for(".index", s=search_id, page=page if page > 1 else None)
        if not is_htmx():
            return redirect(address, 303)
        return _results(query, page, search_id, {"HX-Replace-Url": address})
    search_id = request.args.get("s")
    query = _recall(search_id) if search_id else ""
    if search_id and query is None:
        flash("That search has expired (searches are kept for 30 minutes): search again.", "info")
        query = ""
    return _results(query, page_number(request.args.get("page")), search_id if query else None)


def _results(query, page, search_id, headers=None):
    size = current_app.config["PAGE_SIZE"]
    patients, total = store.search(query, page, size)
    pages = max(1, math.ceil(total / size))
    return page_or_fragment("patients/index.html", "patients/_results.html", headers=headers, q=query,
                            patients=patients, total=total, page=page, pages=pages, search_id=search_id,
                            note=_nhs_note(query))


@bp.route("/new", methods=["GET", "POST"])
@role_required(*EDITORS)
def create():
    form = PatientForm()
    status = 200
    if form.validate_on_submit():
        try:
            patient = store.create(form.fields(), current_user.username)
        except store.DuplicatePatient as exc:
            form[exc.field].errors = list(form[exc.field].errors) + [DUPLICATE[exc.field]]
        else:
            flash("Patient saved.", "success")
            return redirect(url_for(".show", patient_id=patient["_id"]), 303)
    if request.method == "POST":
        status = 422
    return page_or_fragment("patients/form.html", "patients/_form.html", status, form=form, patient=None)


@bp.route("/<oid:patient_id>")
@role_required(*READERS)
def show(patient_id):
    patient = found(store.get(patient_id))
    viewed(patient_key(patient))
    # An adopted legacy record may lack its MRN: its records name it otherwise.
    episodes, events = timeline.for_patient(store.link_keys(patient))
    return page_or_fragment("patients/show.html", "patients/_timeline.html", patient=patient,
                            episodes=episodes, events=events, pathways=timeline.pathways_of(events))


@bp.route("/<oid:patient_id>/edit", methods=["GET", "POST"])
@role_required(*EDITORS)
def edit(patient_id):
    patient = found(store.get(patient_id))
    form = PatientForm() if request.method == "POST" else PatientForm.for_record(patient)
    mrn_set = store.has_mrn(patient)
    if mrn_set:
        form.mrn.data = patient["mrn"]  # never changes once set: episodes refer to it
    status, conflict = 200, None
    if form.validate_on_submit():
        try:
            refusal = save_unless_paused(lambda: store.update(patient["_id"], form.fields(), form.version_number(),
                                                              current_user.username))
        except store.DuplicatePatient as exc:
            form[exc.field].errors = list(form[exc.field].errors) + [DUPLICATE[exc.field]]
        except records.Conflict as exc:
            conflict = conflict_context(exc, store.ENTITY, patient["_id"], form)
            status = 409
        else:
            if refusal:
                status = refused_form(form, refusal)
            else:
                flash("Patient details saved.", "success")
                return redirect(url_for(".show", patient_id=patient["_id"]), 303)
    if request.method == "POST" and status == 200:
        status = 422
    return page_or_fragment("patients/form.html", "patients/_form.html", status, form=form, patient=patient,
                            conflict=conflict, mrn_set=mrn_set,
                            shared_mrn=store.shared_mrn(patient))


@bp.route("/<oid:patient_id>/history")
@role_required(*READERS)
def history(patient_id):
    patient = found(store.get(patient_id))
    viewed(patient_key(patient))
    return page_or_fragment("clinical/history.html", "clinical/_history.html", entries=store.history(patient["_id"]),
                            title=f"Changes to patient {stored.show_text(patient.get('mrn') or patient['_id'])}",
                            back=url_for(".show", patient_id=patient["_id"]))


@bp.route("/<oid:patient_id>/episodes/new", methods=["GET", "POST"])
@role_required(*EDITORS)
def new_episode(patient_id):
    patient = found(store.get(patient_id))
    form = EpisodeForm()
    if form.validate_on_submit():
        episode = episodes_store.create(patient, form.fields(), current_user.username)
        flash("Episode saved.", "success")
        return redirect(url_for("episodes.show", episode_id=episode["_id"]), 303)
    status = 422 if request.method == "POST" else 200
    return page_or_fragment("episodes/form.html", "episodes/_form.html", status, form=form, patient=patient,
                            episode=None, action=url_for(".new_episode", patient_id=patient["_id"]))

