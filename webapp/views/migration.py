"""The migration dashboard (managers): the live before/after table, the
progress of the run in hand (htmx polling), the history with each report,
and dry run / run / rollback behind a confirmation page."""
from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from webapp.migration import background, report, scan, stats
from webapp.security import is_htmx, role_required
from webapp.store import lease
from webapp.views.rendering import found, page_or_fragment

bp = Blueprint("migration", __name__, url_prefix="/migration")

ACTIONS = {
    "dry-run": {"title": "Dry run", "button": "Start dry run"},
    "run": {"title": "Run the migration", "button": "Start the migration"},
    "rollback": {"title": "Roll back the migration", "button": "Start the rollback"},
}


def _following():
    """The run the page follows: ?run=<id>, else the one in progress."""
    run_id = request.args.get("run")
    if run_id:
        return found(report.get(run_id))
    return report.active()


def _context():
    state, last = stats.state()
    return {"state": state, "last": last, "measure": stats.measure(), "labels": stats.LABELS,
            "history": report.history(), "holder": lease.current_holder()}


@bp.route("/")
@role_required("manager")
def dashboard():
    run = _following()
    return render_template("migration/dashboard.html", run=run, live=report.is_live(run), **_context())


@bp.route("/progress")
@role_required("manager")
def progress():
    """The progress panel, polled while a run is live; when it has ended the
    status and history are swapped too (out of band). Without htmx, the
    whole dashboard."""
    run = _following()
    live = report.is_live(run)
    finished = run is not None and not live
    extra = _context() if finished or not is_htmx() else {}
    return page_or_fragment("migration/dashboard.html", "migration/_progress.html", run=run, live=live,
                            oob=finished, **extra)


@bp.route("/confirm/<action>")
@role_required("manager")
def confirm(action):
    if action not in ACTIONS:
        abort(404)
    return _confirm_page(action, scan.DEFAULT_BATCH)


def _confirm_page(action, batch_size, holder=None, error=None, status=200):
    return render_template("migration/confirm.html", action=action, info=ACTIONS[action],
                           measure=stats.measure(), labels=stats.LABELS, holder=holder or lease.current_holder(),
                           batch_size=batch_size, max_batch=scan.MAX_BATCH, error=error), status


@bp.route("/start/<action>", methods=["POST"])
@role_required("manager")
def start(action):
    if action not in ACTIONS:
        abort(404)
    try:
        batch_size = int(request.form.get("batch_size", scan.DEFAULT_BATCH))
        if not 1 <= batch_size <= scan.MAX_BATCH:
            raise ValueError
    except ValueError:
        return _confirm_page(action, request.form.get("batch_size", ""), status=422,
                             error=f"Enter a batch size between 1 and {scan.MAX_BATCH}.")
    holder = lease.current_holder()
    if holder is not None and action != "dry-run":
        return _confirm_page(action, batch_size, holder, str(lease.LockHeld(holder)) + ". Nothing was started.", 409)
    run_id = background.start(current_app._get_current_object(), action, current_user.username, batch_size)
    return redirect(url_for(".dashboard", run=str(run_id)), code=303)


@bp.route("/reports/<oid:run_id>")
@role_required("manager")
def report_page(run_id):
    doc = found(report.get(run_id))
    return render_template("migration/report.html", run=doc, labels=stats.LABELS)


@bp.route("/reports/<oid:run_id>.json")
@role_required("manager")
def report_json(run_id):
    doc = found(report.get(run_id))
    name = doc.get("report_file") or f"migration_report_{doc['_id']}.json"
    return Response(report.to_json(doc), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
