"""Follow-up after a curative resection: the overdue list (and its CSV) for
clinicians, managers and data officers, and recording a planned test's
result, in place on the patient's timeline or as a page of its own."""
import math

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from webapp.domain import codes, stored, surveillance, validators
from webapp.forms.follow_ups import FollowUpResultForm
from webapp.security import EDITORS, READERS, REPORT_READERS, allowed, is_htmx, role_required
from webapp.store import follow_ups, records
from webapp.store import patients as patients_store
from webapp.views import csv_download
from webapp.views.access import viewed
from webapp.views.rendering import (
    conflict_context,
    found,
    page_number,
    page_or_fragment,
    refused_form,
    save_unless_paused,
)

bp = Blueprint("followup", __name__, url_prefix="/follow-up")
# What the overdue list shows of a patient.
SHOWN = ("first_name", "last_name", "date_of_death")


def _kind():
    """The kind asked for, None for every kind; an unknown one is a 404."""
    asked = request.args.get("kind") or None
    if asked is not None and asked not in codes.FOLLOW_UP_KIND:
        abort(404)
    return asked


def _rows(events, today):
    """What the list shows of each event: the event, its patient (None when
    no patient record names it) and the days since it was due."""
    patients = patients_store.by_links(follow_ups.patient_keys(events), SHOWN)
    return [{"event": e, "patient": patients.get(e["patient_id"]) if isinstance(e.get("patient_id"), str) else None,
             "days": surveillance.days_past_due(e, today)} for e in events]


@bp.route("/overdue")
@role_required(*REPORT_READERS)
def overdue():
    kind, page, today = _kind(), page_number(request.args.get("page")), validators.today()
    size = current_app.config["PAGE_SIZE"]
    events, total = follow_ups.overdue(today, kind, page, size)
    if allowed(current_user.role, READERS):  # names shown: the access log says who saw them
        viewed(*follow_ups.patient_keys(events))
    return render_template("followup/overdue.html", rows=_rows(events, today), total=total, page=page,
                           pages=max(1, math.ceil(total / size)), kind=kind, today=today,
                           kinds=codes.FOLLOW_UP_KIND, schedule=surveillance.SCHEDULE_TEXT,
                           links=allowed(current_user.role, READERS))


@bp.route("/overdue.csv")
@role_required(*REPORT_READERS)
def overdue_csv():
    kind, today = _kind(), validators.today()
    rows = _rows(follow_ups.overdue_all(today, kind), today)
    named = allowed(current_user.role, READERS)
    if named:
        viewed(*follow_ups.patient_keys(row["event"] for row in rows))
    header = ["hospital number", *(["name"] if named else []), "test", "due date", "days since due",
              "treatment", "planned event"]
    return csv_download.response(header, [_csv_row(row, named) for row in rows],
                                 f"follow-up-overdue-{kind or 'all'}-{today}.csv")


def _csv_row(row, named):
    e, p = row["event"], row["patient"]
    name = f"{stored.describe(p.get('last_name'))}, {stored.describe(p.get('first_name'))}" if p else ""
    return [stored.describe(e.get("patient_id")), *([name] if named else []),
            stored.show_code(codes.FOLLOW_UP_KIND, e.get("kind")), _iso(e.get("due_date")),
            "" if row["days"] is None else row["days"], stored.describe(e.get("treatment_id")),
            stored.describe(e.get("follow_up_id"))]


def _iso(value):
    day = stored.day(value)
    return day.isoformat() if day else stored.describe(value)


# --- one event on the timeline, and recording its result ------------------------

def _slot(event):
    return f"follow-up-{event.get('follow_up_id')}"


@bp.app_template_filter("follow_up")
def follow_up_view(event):
    """What the timeline and the form say of a stored event, whatever it
    holds (a due date stored as text is shown as it is, never compared)."""
    status = surveillance.status_of(event)
    months = validators.whole_number(event.get("months"))
    return {"id": event.get("follow_up_id"), "slot": _slot(event), "kind_code": surveillance.kind_of(event),
            "kind": stored.show_code(codes.FOLLOW_UP_KIND, event.get("kind")), "months": months,
            "status": status, "status_label": stored.show_code(codes.FOLLOW_UP_STATUS, event.get("status")),
            "due": stored.show_date(event.get("due_date")), "done": stored.show_date(event.get("done_date")),
            "overdue": surveillance.is_overdue(event, validators.today()),
            "days": surveillance.days_past_due(event, validators.today()),
            "result": surveillance.result_text(event),
            "recordable": status in surveillance.OPEN and isinstance(event.get("follow_up_id"), str)}


@bp.route("/<follow_up_id>/record", methods=["GET", "POST"])
@role_required(*EDITORS)
def record(follow_up_id):
    event = found(follow_ups.get(follow_up_id))
    viewed(event.get("patient_id"))
    if surveillance.status_of(event) not in surveillance.OPEN:
        status = stored.show_code(codes.FOLLOW_UP_STATUS, event.get("status")).lower()
        abort(409, description=f"This planned test is {status} "
                               "(a test is cancelled when its operation is deleted or is no longer a curative "
                               "resection): there is nothing to record against it.")
    status, conflict = 200, None
    if request.method == "GET":
        form = FollowUpResultForm.for_event(event)
    else:
        form = FollowUpResultForm(kind=surveillance.kind_of(event), operation_date=event.get("operation_date"))
        status = 422
        if form.validate_on_submit():
            saved = {}
            try:
                refusal = save_unless_paused(lambda: saved.setdefault("event", follow_ups.record(
                    follow_up_id, form.fields(), form.version_number(), current_user.username)))
            except records.Conflict as exc:
                conflict, status = conflict_context(exc, follow_ups.ENTITY, follow_up_id, form), 409
            else:
                if refusal is None:
                    return _recorded(saved["event"])
                status = refused_form(form, refusal)
    headers = {"HX-Retarget": f"#{_slot(event)}-form", "HX-Reswap": "innerHTML"} if is_htmx() else {}
    return page_or_fragment("followup/record.html", "followup/_record_form.html", status, headers=headers,
                            form=form, event=event, conflict=conflict, slot=_slot(event), back=_patient_url(event),
                            action=url_for(".record", follow_up_id=follow_up_id), in_place=is_htmx())


def _patient_url(event):
    patient = patients_store.get_by_link(event.get("patient_id")) if isinstance(event.get("patient_id"), str) else None
    return url_for("patients.show", patient_id=patient["_id"]) if patient else url_for(".overdue")


def _recorded(event):
    """htmx: the event's line on the timeline, saying it was saved (and the
    form's slot emptied); else back to the patient's page."""
    message = f"{stored.show_code(codes.FOLLOW_UP_KIND, event.get('kind'))}: result saved."
    if is_htmx():
        return render_template("followup/_recorded.html", ev=follow_ups.timeline_event(event), r=event,
                               saved=message, slot=_slot(event), can_edit=True), 200, {"Vary": "HX-Request"}
    flash(message, "success")
    return redirect(_patient_url(event), 303)
