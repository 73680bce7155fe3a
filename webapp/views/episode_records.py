"""The routes tumours and treatments share: a list fragment, add, edit,
delete (after a confirmation), history, all under /episodes/<id>/<records>.
Each answers htmx with a fragment swapped in place and a plain form post
with a redirect, so the page works without JavaScript too."""
from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user

from webapp.domain.labels import record_name
from webapp.security import EDITORS, READERS, WRITERS, is_htmx, role_required
from webapp.store import episodes as episodes_store
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

PAGE = "episodes/record_page.html"
CONFIRM = "episodes/_confirm_delete.html"


def invalid_form(form, exc):
    """What the store refused (a rule across records it checks again on
    write), on the fields concerned, as the form's own errors are; 422 follows."""
    for name, message in exc.problems.items():
        if name in form:
            form[name].errors = list(form[name].errors) + [message]
        else:
            form.form_errors.append(message)


class RecordViews:
    """The views of one kind of record under an episode. `store` is the
    store module for it (for_episode, get, add, update, delete, history,
    ENTITY); `make_form(episode, record)` builds its form; `notes(records)`
    gives warnings shown above the list."""

    def __init__(self, name, singular, store, make_form, notes=None, deletes_with=None, delete_blocked=None):
        self.name = name  # "tumours": collection, URL segment, element id
        self.singular = singular
        self.store = store
        self.make_form = make_form
        self.notes = notes or (lambda found_records: [])
        self.deletes_with = deletes_with  # what the delete confirmation says goes too
        # record -> why it cannot be deleted yet, or None (the store refuses too)
        self.delete_blocked = delete_blocked or (lambda record: None)
        self.list_fragment = f"episodes/_{name}.html"
        self.form_fragment = f"episodes/_{singular}_form.html"

    @property
    def slot(self):
        return f"#{self.name}-form"

    def blueprint(self):
        bp = Blueprint(self.name, __name__, url_prefix=f"/episodes/<oid:episode_id>/{self.name}")
        bp.add_url_rule("", "index", role_required(*READERS)(self.index))
        bp.add_url_rule("/new", "create", role_required(*EDITORS)(self.create), methods=["GET", "POST"])
        bp.add_url_rule("/<record_id>/edit", "edit", role_required(*EDITORS)(self.edit),
                        methods=["GET", "POST", "PUT"])
        bp.add_url_rule("/<record_id>/delete", "delete",
                        role_required(*WRITERS)(refuse_during_migration(self.slot)(self.delete)),
                        methods=["GET", "POST", "DELETE"])
        bp.add_url_rule("/<record_id>/history", "history", role_required(*READERS)(self.history))
        return bp

    # --- what the routes share ------------------------------------------------

    def load(self, episode_id):
        return found(episodes_store.get(episode_id))

    def context(self, episode, **extra):
        mrn = episode.get("patient_id")
        patient = patients_store.get_by_link(mrn) if mrn and not is_htmx() else None
        return {"episode": episode, "patient": patient, "kind": self, **extra}

    def listing(self, episode, status=200, saved=None):
        found_records = self.store.for_episode(episode)
        return page_or_fragment(PAGE, self.list_fragment, status, **self.context(
            episode, records=found_records, notes=self.notes(found_records), saved=saved))

    def done(self, episode, record, what):
        """After a change: the refreshed list in place, saying what was saved
        (the row it names takes the focus), or (without JavaScript) a
        redirect to it with the same message."""
        saved = {"id": record.get(self.store.ID) if what != "deleted" else None,
                 "message": f"{record_name(self.singular, record)}: {what}."}
        if is_htmx():
            # Other parts of the page that show these records listen for it
            # (the response assessments list the tumours).
            body, status, headers = self.listing(episode, saved=saved)
            return body, status, {**headers, "HX-Trigger": f"{self.name}-changed"}
        flash(saved["message"], "success")
        return redirect(url_for(f"{self.name}.index", episode_id=episode["_id"]), 303)

    def in_slot(self):
        # An invalid form, a conflict or a refusal replaces the form, not the list.
        return {"HX-Retarget": self.slot, "HX-Reswap": "innerHTML"} if is_htmx() else {}

    def form_page(self, episode, form, status, action, record=None, conflict=None):
        return page_or_fragment(PAGE, self.form_fragment, status, headers=self.in_slot(), **self.context(
            episode, form=form, record=record, conflict=conflict, action=action))

    # --- the routes -------------------------------------------------------------

    def index(self, episode_id):
        episode = self.load(episode_id)
        viewed(episode.get("patient_id"))
        return self.listing(episode)

    def create(self, episode_id):
        episode = self.load(episode_id)
        form = self.make_form(episode, None)
        status = 200
        if request.method == "POST":
            status = 422
            if form.validate_on_submit():
                added = {}
                try:
                    refusal = save_unless_paused(lambda: added.setdefault(
                        "record", self.store.add(episode, form.fields(), current_user.username)))
                except records.Invalid as exc:
                    invalid_form(form, exc)
                else:
                    if refusal is None:
                        return self.done(episode, added["record"], "saved")
                    status = refused_form(form, refusal)
        return self.form_page(episode, form, status, url_for(f"{self.name}.create", episode_id=episode["_id"]))

    def edit(self, episode_id, record_id):
        episode = self.load(episode_id)
        record = found(self.store.get(episode, record_id))
        form = self.make_form(episode, record)
        status, conflict = 200, None
        if request.method != "GET":
            status = 422
            if form.validate_on_submit():
                saved = {}
                try:
                    refusal = save_unless_paused(lambda: saved.setdefault("record", self.store.update(
                        episode, record_id, form.fields(), form.version_number(), current_user.username)))
                except records.Conflict as exc:
                    conflict, status = conflict_context(exc, self.store.ENTITY, record_id, form), 409
                except records.Invalid as exc:
                    invalid_form(form, exc)
                else:
                    if refusal is None:
                        return self.done(episode, saved["record"], "saved")
                    status = refused_form(form, refusal)
        action = url_for(f"{self.name}.edit", episode_id=episode["_id"], record_id=record_id)
        return self.form_page(episode, form, status, action, record, conflict)

    def delete(self, episode_id, record_id):
        episode = self.load(episode_id)
        record = found(self.store.get(episode, record_id))
        conflict = None
        # Asked before confirming; a delete sent is checked by the store, in its transaction.
        blocked = self.delete_blocked(record) if request.method == "GET" else None
        if request.method != "GET":
            try:
                deleted = self.store.delete(episode, record_id, version_from_request(), current_user.username)
            except records.Conflict as exc:
                conflict = conflict_context(exc, self.store.ENTITY, record_id)
                record = exc.current
            except records.Invalid as exc:
                blocked = exc.problems.get("delete")
            else:
                return self.done(episode, deleted, "deleted")
        status = 409 if conflict or (blocked and request.method != "GET") else 200
        return page_or_fragment(PAGE, CONFIRM, status, headers=self.in_slot(), **self.context(
            episode, record=record, conflict=conflict, blocked=blocked,
            action=url_for(f"{self.name}.delete", episode_id=episode["_id"], record_id=record_id)))

    def history(self, episode_id, record_id):
        episode = self.load(episode_id)
        record = found(self.store.get(episode, record_id))  # 404 unless it is this episode's
        viewed(episode.get("patient_id"))
        return page_or_fragment("clinical/history.html", "clinical/_history.html",
                                entries=self.store.history(record_id),
                                title=f"Changes to {record_name(self.singular, record)}",
                                back=url_for(f"{self.name}.index", episode_id=episode["_id"]))
