"""The routes tumours and treatments share: a list fragment, add, edit,
delete (after a confirmation), history, all under /episodes/<id>/<kind>.
Each answers htmx with a fragment swapped in place and a plain form post
with a redirect, so the page works without JavaScript too."""
from flask import Blueprint, redirect, request, url_for
from flask_login import current_user

from webapp.security import READERS, WRITERS, is_htmx, role_required
from webapp.store import episodes as episodes_store
from webapp.store import lease, records
from webapp.store import patients as patients_store
from webapp.views.rendering import (
    conflict_context,
    found,
    migration_message,
    page_or_fragment,
    refuse_during_migration,
    version_from_request,
)


class Kind:
    """What differs between tumours and treatments."""

    def __init__(self, name, singular, store, make_form, notes=None):
        self.name = name  # "tumours": collection, URL segment, element id
        self.singular = singular
        self.store = store
        self.make_form = make_form  # (episode, record) -> form
        self.notes = notes or (lambda records: [])  # records -> warnings shown above the list

    @property
    def slot(self):
        return f"#{self.name}-form"


def blueprint(kind):
    bp = Blueprint(kind.name, __name__, url_prefix=f"/episodes/<episode_id>/{kind.name}")
    list_fragment = f"episodes/_{kind.name}.html"
    form_fragment = f"episodes/_{kind.singular}_form.html"
    confirm_fragment = "episodes/_confirm_delete.html"
    page = "episodes/record_page.html"

    def load(episode_id):
        return found(episodes_store.get(episode_id))

    def context(episode, **extra):
        mrn = episode.get("patient_id")
        patient = patients_store.get_by_mrn(mrn) if mrn and not is_htmx() else None
        return {"episode": episode, "patient": patient, "kind": kind, **extra}

    def listing(episode, status=200):
        records = kind.store.for_episode(episode)
        return page_or_fragment(page, list_fragment, status, **context(episode, records=records,
                                                                        notes=kind.notes(records)))

    def done(episode):
        """After a change: the refreshed list in place, or (without
        JavaScript) a redirect to it."""
        if is_htmx():
            return listing(episode)
        return redirect(url_for(f"{kind.name}.index", episode_id=episode["_id"]), 303)

    def in_slot():
        # An invalid form, a conflict or a refusal replaces the form, not the list.
        return {"HX-Retarget": kind.slot, "HX-Reswap": "innerHTML"} if is_htmx() else {}

    @bp.route("")
    @role_required(*READERS)
    def index(episode_id):
        return listing(load(episode_id))

    def blocked(form):
        """The form back, with what the user typed, while a migration runs."""
        message = migration_message() if request.method != "GET" else None
        if message:
            form.form_errors.append(message)
        return message is not None

    def paused(form, refusal):
        """The same, when the store found the lease (taken since `blocked` looked)."""
        form.form_errors.append(migration_message(refusal.holder))
        return 423

    @bp.route("/new", methods=["GET", "POST"])
    @role_required(*WRITERS)
    def create(episode_id):
        episode = load(episode_id)
        form = kind.make_form(episode, None)
        if blocked(form):
            status = 423
        elif form.validate_on_submit():
            try:
                kind.store.add(episode, form.fields(), current_user.username)
            except lease.WritesPaused as refusal:
                status = paused(form, refusal)
            else:
                return done(episode)
        else:
            status = 422 if request.method == "POST" else 200
        return page_or_fragment(page, form_fragment, status, headers=in_slot(), **context(
            episode, form=form, record=None, action=url_for(f"{kind.name}.create", episode_id=episode["_id"])))

    @bp.route("/<record_id>/edit", methods=["GET", "POST", "PUT"])
    @role_required(*WRITERS)
    def edit(episode_id, record_id):
        episode = load(episode_id)
        record = found(kind.store.get(episode, record_id))
        form = kind.make_form(episode, record)
        status, conflict = 200, None
        if blocked(form):
            status = 423
        elif form.validate_on_submit():
            try:
                kind.store.update(episode, record_id, form.fields(), form.version_number(), current_user.username)
            except lease.WritesPaused as refusal:
                status = paused(form, refusal)
            except records.Conflict as exc:
                conflict = conflict_context(exc, kind.store.ENTITY, record_id, form)
                status = 409
            else:
                return done(episode)
        if request.method != "GET" and status == 200:
            status = 422
        return page_or_fragment(page, form_fragment, status, headers=in_slot(), **context(
            episode, form=form, record=record, conflict=conflict,
            action=url_for(f"{kind.name}.edit", episode_id=episode["_id"], record_id=record_id)))

    @bp.route("/<record_id>/delete", methods=["GET", "POST", "DELETE"])
    @role_required(*WRITERS)
    @refuse_during_migration(kind.slot)
    def delete(episode_id, record_id):
        episode = load(episode_id)
        record = found(kind.store.get(episode, record_id))
        conflict = None
        if request.method != "GET":
            try:
                kind.store.delete(episode, record_id, version_from_request(), current_user.username)
            except records.Conflict as exc:
                conflict = conflict_context(exc, kind.store.ENTITY, record_id)
                record = exc.current
            else:
                return done(episode)
        status = 409 if conflict else 200
        return page_or_fragment(page, confirm_fragment, status, headers=in_slot(), **context(
            episode, record=record, conflict=conflict,
            action=url_for(f"{kind.name}.delete", episode_id=episode["_id"], record_id=record_id)))

    @bp.route("/<record_id>/history")
    @role_required(*READERS)
    def history(episode_id, record_id):
        episode = load(episode_id)
        found(kind.store.get(episode, record_id))  # 404 unless it is this episode's
        return page_or_fragment("clinical/history.html", "clinical/_history.html",
                                entries=kind.store.history(record_id),
                                title=f"Changes to {kind.singular} {record_id}",
                                back=url_for(f"{kind.name}.index", episode_id=episode["_id"]))

    return bp
