"""Patients: find, view (with episodes and timeline), create, edit; and a new
episode for a patient."""
import math

from flask import Blueprint, current_app, redirect, request, url_for
from flask_login import current_user

from webapp.forms.episodes import EpisodeForm
from webapp.forms.patients import PatientForm
from webapp.security import READERS, WRITERS, role_required
from webapp.store import episodes as episodes_store
from webapp.store import patients as store
from webapp.store import records, timeline
from webapp.views.rendering import conflict_context, found, page_or_fragment

bp = Blueprint("patients", __name__, url_prefix="/patients")
MAX_PAGE = 100_000

DUPLICATE = {"mrn": "Another patient already has this hospital number.",
             "nhs_number": "Another patient already has this NHS number."}


@bp.route("/", methods=["GET", "POST"])
@role_required(*READERS)
def index():
    # A search (which may be a name or an NHS number) comes only by POST, so
    # it never sits in a URL: not in history, bookmarks or access logs.
    params = request.form if request.method == "POST" else {"page": request.args.get("page", "1")}
    query = params.get("q", "")[:100]
    try:
        # Bounded: MongoDB's skip takes 8-byte integers, and no list is this long.
        page = min(max(1, int(params.get("page", "1"))), MAX_PAGE)
    except ValueError:
        page = 1
    size = current_app.config["PAGE_SIZE"]
    patients, total = store.search(query, page, size)
    pages = max(1, math.ceil(total / size))
    return page_or_fragment("patients/index.html", "patients/_results.html", q=query, patients=patients,
                            total=total, page=page, pages=pages)


@bp.route("/new", methods=["GET", "POST"])
@role_required(*WRITERS)
def create():
    form = PatientForm()
    status = 200
    if form.validate_on_submit():
        try:
            patient = store.create(form.fields(), current_user.username)
        except store.DuplicatePatient as exc:
            form[exc.field].errors = list(form[exc.field].errors) + [DUPLICATE[exc.field]]
        else:
            return redirect(url_for(".show", patient_id=patient["_id"]), 303)
    if request.method == "POST":
        status = 422
    return page_or_fragment("patients/form.html", "patients/_form.html", status, form=form, patient=None)


@bp.route("/<oid:patient_id>")
@role_required(*READERS)
def show(patient_id):
    patient = found(store.get(patient_id))
    # An adopted legacy record may lack its MRN: its records name it otherwise.
    episodes, events = timeline.for_patient(store.link_keys(patient))
    return page_or_fragment("patients/show.html", "patients/_timeline.html", patient=patient,
                            episodes=episodes, events=events, pathways=timeline.pathways_of(events))


@bp.route("/<oid:patient_id>/edit", methods=["GET", "POST"])
@role_required(*WRITERS)
def edit(patient_id):
    patient = found(store.get(patient_id))
    form = PatientForm() if request.method == "POST" else PatientForm.for_record(patient)
    if patient.get("mrn"):
        form.mrn.data = patient["mrn"]  # never changes once set: episodes refer to it
    status, conflict = 200, None
    if form.validate_on_submit():
        try:
            store.update(patient["_id"], form.fields(), form.version_number(), current_user.username)
        except store.DuplicatePatient as exc:
            form[exc.field].errors = list(form[exc.field].errors) + [DUPLICATE[exc.field]]
        except records.Conflict as exc:
            conflict = conflict_context(exc, store.ENTITY, patient["_id"], form)
            status = 409
        else:
            return redirect(url_for(".show", patient_id=patient["_id"]), 303)
    if request.method == "POST" and status == 200:
        status = 422
    return page_or_fragment("patients/form.html", "patients/_form.html", status, form=form, patient=patient,
                            conflict=conflict)


@bp.route("/<oid:patient_id>/history")
@role_required(*READERS)
def history(patient_id):
    patient = found(store.get(patient_id))
    return page_or_fragment("clinical/history.html", "clinical/_history.html", entries=store.history(patient["_id"]),
                            title=f"Changes to patient {patient.get('mrn') or patient['_id']}",
                            back=url_for(".show", patient_id=patient["_id"]))


@bp.route("/<oid:patient_id>/episodes/new", methods=["GET", "POST"])
@role_required(*WRITERS)
def new_episode(patient_id):
    patient = found(store.get(patient_id))
    form = EpisodeForm()
    if form.validate_on_submit():
        episode = episodes_store.create(patient, form.fields(), current_user.username)
        return redirect(url_for("episodes.show", episode_id=episode["_id"]), 303)
    status = 422 if request.method == "POST" else 200
    return page_or_fragment("episodes/form.html", "episodes/_form.html", status, form=form, patient=patient,
                            episode=None, action=url_for(".new_episode", patient_id=patient["_id"]))

