"""The migration dashboard (managers): the live before/after table, the
progress of the run in hand (htmx polling), the history with each report,
and dry run / run / rollback behind a confirmation page."""
from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from webapp.migration import background, profile, report, scan, stats, steps
from webapp.security import is_htmx, role_required
from webapp.store import lease
from webapp.views.rendering import found, page_or_fragment

bp = Blueprint("migration", __name__, url_prefix="/migration")
bp.add_app_template_filter(lease.describe_owner, "who")


@bp.context_processor
def _step_titles():
    return {"step_titles": {step.name: step.title for step in steps.STEPS}}

ACTIONS = {
    "dry-run": {"title": "Dry run", "button": "Start dry run"},
    "run": {"title": "Run the migration", "button": "Start the migration"},
    "rollback": {"title": "Roll back the migration", "button": "Start the rollback"},
}


def _var_dir():
    # Where a dry run started by another worker process keeps its report.
    return current_app.config["VAR_DIR"]


def _following():
    """The run the page follows: ?run=<id> (and the steps that continued
    it), else the one in progress, else the last one that ended."""
    run_id = request.args.get("run")
    run = found(report.get(run_id, var_dir=_var_dir())) if run_id else report.active(var_dir=_var_dir())
    while run is not None and not report.is_live(run) and run.get("next_run"):
        following = report.get(run["next_run"], var_dir=_var_dir())
        if following is None:
            break
        run = following
    return run


def _context():
    state, last = stats.state()
    return {"state": state, "last": last, "measure": stats.measure(), "labels": stats.LABELS,
            "history": report.history(var_dir=_var_dir()), "holder": lease.current_holder(), "schema": steps.status(),
            "profiles": profile.names(), "default_profile": profile.DEFAULT}


@bp.route("/")
@role_required("manager")
def dashboard():
    context = _context()
    # With no run in hand, the last one that ended (its summary survives a reload).
    run = _following() or next(iter(context["history"]), None)
    return render_template("migration/dashboard.html", run=run, live=report.is_live(run), **context)


@bp.route("/progress")
@role_required("manager")
def progress():
    """The progress panel, polled while a run is live; when it has ended the
    status and history are swapped too (out of band). Without htmx, the
    whole dashboard."""
    run = _following()
    # Status, actions and history are swapped with every answer (out of
    # band), so the counts and the buttons follow the run as it goes.
    return page_or_fragment("migration/dashboard.html", "migration/_progress.html", run=run,
                            live=report.is_live(run), oob=is_htmx(), **_context())


@bp.route("/confirm/<action>")
@role_required("manager")
def confirm(action):
    if action not in ACTIONS:
        abort(404)
    return _confirm_page(action, scan.DEFAULT_BATCH)


def _confirm_page(action, batch_size, holder=None, error=None, status=200, chosen_profile=None):
    return render_template("migration/confirm.html", action=action, info=ACTIONS[action],
                           measure=stats.measure(), labels=stats.LABELS, holder=holder or lease.current_holder(),
                           batch_size=batch_size, max_batch=scan.MAX_BATCH, error=error, schema=steps.status(),
                           profiles=profile.names(), chosen_profile=chosen_profile or profile.DEFAULT), status


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
    chosen = request.form.get("profile") or profile.DEFAULT
    if chosen not in profile.names():
        return _confirm_page(action, batch_size, status=422, error="Choose one of the listed profiles.")
    holder = lease.current_holder()
    if holder is not None and action != "dry-run":
        return _confirm_page(action, batch_size, holder, str(lease.LockHeld(holder)) + ". Nothing was started.", 409,
                             chosen)
    try:
        run_id = background.start(current_app._get_current_object(), action, current_user.username, batch_size,
                                  chosen)
    except (steps.NothingToRollBack, steps.NothingPending) as nothing:
        return _confirm_page(action, batch_size, error=str(nothing), status=409, chosen_profile=chosen)
    except ValueError as bad_key:
        return _confirm_page(action, batch_size, error=f"{bad_key}. Nothing was started.", status=422,
                             chosen_profile=chosen)
    return redirect(url_for(".dashboard", run=str(run_id)), code=303)


@bp.route("/verify", methods=["POST"])
@role_required("manager")
def verify():
    """Check every applied step item by item, now; the page lists what differs."""
    results = steps.verify_all()
    return render_template("migration/verify.html", results=results,
                           total=sum(len(differences) for _, _, differences in results))


@bp.route("/reports/<oid:run_id>")
@role_required("manager")
def report_page(run_id):
    doc = found(report.get(run_id, var_dir=_var_dir()))
    return render_template("migration/report.html", run=doc, labels=stats.LABELS)


@bp.route("/reports/<oid:run_id>.json")
@role_required("manager")
def report_json(run_id):
    doc = found(report.get(run_id, var_dir=_var_dir()))
    name = doc.get("report_file") or f"migration_report_{doc['_id']}.json"
    return Response(report.to_json(doc), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
