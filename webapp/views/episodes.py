"""Episodes: the episode page (which loads its tumours and treatments as
htmx fragments), edit, close, delete with confirmation, history."""
from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user

from webapp.forms.episodes import EpisodeForm
from webapp.security import EDITORS, READERS, WRITERS, is_htmx, role_required
from webapp.store import episodes as store
from webapp.store import patients as patients_store
from webapp.store import records
from webapp.views.access import viewed
from webapp.views.rendering import (
    conflict_context,
    found,
    page_or_fragment,
    refuse_during_migration,
    refused_form,
    save_unless_paused,
    version_from_request,
)

bp = Blueprint("episodes", __name__, url_prefix="/episodes")


def _load(episode_id):
    episode = found(store.get(episode_id))
    # Legacy episodes may lack patient_id (the migration reports them): show
    # the episode without its patient rather than fail.
    mrn = episode.get("patient_id")
    return episode, patients_store.get_by_link(mrn) if mrn else None


@bp.route("/<oid:episode_id>")
@role_required(*READERS)
def show(episode_id):
    episode, patient = _load(episode_id)
    viewed(episode.get("patient_id"))
    return page_or_fragment("episodes/show.html", "episodes/_summary.html", episode=episode, patient=patient)


@bp.route("/<oid:episode_id>/edit", methods=["GET", "POST"])
@role_required(*EDITORS)
def edit(episode_id):
    episode, patient = _load(episode_id)
    form = EpisodeForm().with_notes(episode) if request.method == "POST" else EpisodeForm.for_record(episode)
    status, conflict = (422 if request.method == "POST" else 200), None
    if form.validate_on_submit():
        try:
            # A rollback rewrites whole episodes: an edit saved during one would be lost.
            refusal = save_unless_paused(lambda: store.update(
                episode["_id"], form.fields(), form.version_number(), current_user.username))
        except records.Conflict as exc:
            conflict = conflict_context(exc, store.ENTITY, episode["_id"], form)
            status = 409
        else:
            if refusal is None:
                flash("Episode saved.", "success")
                return redirect(url_for(".show", episode_id=episode["_id"]), 303)
            status = refused_form(form, refusal)
    return page_or_fragment("episodes/form.html", "episodes/_form.html", status, form=form, patient=patient,
                            episode=episode, conflict=conflict,
                            action=url_for(".edit", episode_id=episode["_id"]))


def _conflict(exc, episode, patient):
    """Someone changed the episode since this page was read: say what."""
    return page_or_fragment("episodes/conflict.html", "episodes/_conflict.html", 409, episode=episode,
                            patient=patient, conflict=conflict_context(exc, store.ENTITY, episode["_id"]))


@bp.route("/<oid:episode_id>/close", methods=["POST"])
@role_required(*EDITORS)
@refuse_during_migration()
def close(episode_id):
    episode, patient = _load(episode_id)
    try:
        store.close(episode["_id"], version_from_request(), current_user.username)
    except records.Conflict as exc:
        return _conflict(exc, episode, patient)
    flash("Episode closed.", "success")
    return redirect(url_for(".show", episode_id=episode["_id"]), 303)


@bp.route("/<oid:episode_id>/delete", methods=["GET", "POST", "DELETE"])
@role_required(*WRITERS)
@refuse_during_migration()  # it deletes the episode's tumours and treatments too
def delete(episode_id):
    episode, patient = _load(episode_id)
    if request.method == "GET":
        counts = store.counts(episode)
        return page_or_fragment("episodes/delete.html", "episodes/_delete.html", episode=episode, patient=patient,
                                counts=counts)
    try:
        store.delete(episode["_id"], version_from_request(), current_user.username)
    except records.Conflict as exc:
        return _conflict(exc, episode, patient)
    target = url_for("patients.show", patient_id=patient["_id"]) if patient else url_for("patients.index")
    flash("Episode deleted, with its tumours and treatments.", "success")
    if is_htmx():
        return "", 200, {"HX-Redirect": target}
    return redirect(target, 303)


@bp.route("/<oid:episode_id>/history")
@role_required(*READERS)
def history(episode_id):
    episode, _ = _load(episode_id)
    viewed(episode.get("patient_id"))
    return page_or_fragment("clinical/history.html", "clinical/_history.html", entries=store.history(episode["_id"]),
                            title="Changes to this episode", back=url_for(".show", episode_id=episode["_id"]))
