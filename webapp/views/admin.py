"""Administration: the people who may sign in (and what may be done to their
accounts), who did and saw what, how fast the app answers, and how big the
database is growing."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from webapp.forms.auth import NewUserForm, RoleForm
from webapp.security import ROLE_LABELS, ROLES, role_required
from webapp.store import activity, metrics, storage, users

bp = Blueprint("admin", __name__, url_prefix="/admin")

ROLE_CHOICES = [(r, ROLE_LABELS[r]) for r in ROLES]
# What an admin may do to an account from the list, and what it says after.
ACTIONS = {
    "deactivate": (users.deactivate, "{name} can no longer sign in, and their open sessions have ended."),
    "reactivate": (users.reactivate, "{name} can sign in again."),
    "unlock": (users.unlock, "{name}'s failed sign-ins are cleared."),
    "sign-out": (users.sign_out_everywhere, "{name} is signed out everywhere."),
}


def _forms():
    new, role = NewUserForm(prefix="new"), RoleForm()
    new.role.choices = role.role.choices = ROLE_CHOICES
    return new, role


@bp.route("/users", methods=["GET", "POST"])
@role_required("admin")
def user_list():
    new, _ = _forms()
    status, issued = 200, None
    if request.method == "POST":
        status = 422
        if new.validate_on_submit():
            password = users.generate_one_time_password()
            try:
                user = users.create(new.username.data, password, new.role.data, actor=current_user.username,
                                    one_time=True)
            except users.UserError as exc:
                new.username.errors = list(new.username.errors) + [str(exc)]
            else:
                issued, status = {"username": user.username, "password": password}, 201
    return render_template("admin/users.html", users=users.list_all(), new=new, roles=ROLE_CHOICES,
                           issued=issued), status


@bp.route("/users/<username>/<any(deactivate, reactivate, unlock, 'sign-out'):action>", methods=["POST"])
@role_required("admin")
def user_action(username, action):
    # CSRFProtect has checked the token of every post before this runs.
    change, done = ACTIONS[action]
    try:
        change(username, current_user.username)
    except users.UserError as exc:
        flash(str(exc), "error")
    else:
        flash(done.format(name=username), "success")
    return redirect(url_for(".user_list"), 303)


@bp.route("/users/<username>/role", methods=["POST"])
@role_required("admin")
def user_role(username):
    _, form = _forms()
    if not form.validate_on_submit():
        flash("Choose one of the listed roles.", "error")
    else:
        try:
            users.set_role(username, form.role.data, current_user.username)
        except users.UserError as exc:
            flash(str(exc), "error")
        else:
            flash(f"{username} is now {ROLE_LABELS[form.role.data]}.", "success")
    return redirect(url_for(".user_list"), 303)


@bp.route("/users/<username>/reset-password", methods=["POST"])
@role_required("admin")
def user_reset(username):
    try:
        password = users.reset_password(username, current_user.username)
    except users.UserError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".user_list"), 303)
    new, _ = _forms()
    return render_template("admin/users.html", users=users.list_all(), new=new, roles=ROLE_CHOICES,
                           issued={"username": username, "password": password, "reset": True})


FILTERS = ("user", "patient", "action", "start", "end")


@bp.route("/activity")
@role_required("admin")
def activity_page():
    """The audit trail or the access log (`log=access`), filtered. Read only:
    the app has no route that edits or removes an entry of either."""
    wanted = {k: request.args.get(k, "")[:100] for k in FILTERS}
    log = "access" if request.args.get("log") == "access" else "audit"
    rows = (activity.access if log == "access" else activity.audit)(**wanted)
    return render_template("admin/activity.html", rows=rows, log=log, wanted=wanted, limit=activity.LIMIT)


@bp.route("/performance")
@role_required("admin")
def performance():
    return render_template("admin/performance.html", routes=metrics.slowest("route"),
                           commands=metrics.slowest("command"))


@bp.route("/storage", methods=["GET", "POST"])
@role_required("manager")
def storage_page():
    if request.method == "POST":
        storage.record(current_user.username)
        flash("The figures now are kept as a snapshot.", "success")
        return redirect(url_for("admin.storage_page"))
    kept = storage.snapshots()
    return render_template("admin/storage.html", rows=storage.growth(storage.current(), kept[0] if kept else None),
                           snapshots=[snapshot_totals(s) for s in kept])


def snapshot_totals(snapshot):
    """A snapshot with its totals over every collection: `documents`, and
    `bytes` of data and indexes together (summed here, not in the page)."""
    collections = snapshot.get("collections", [])
    return {**snapshot, "documents": sum(c.get("documents", 0) for c in collections),
            "bytes": sum(c.get("data_bytes", 0) + c.get("index_bytes", 0) for c in collections)}
