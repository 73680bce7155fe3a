"""Sign in, sign out, and change one's own password."""
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from webapp.forms.auth import ChangePasswordForm, LoginForm
from webapp.security import ROLES, role_required
from webapp.store import audit, login_failures, users

bp = Blueprint("auth", __name__)

# Never say which half was wrong.
BAD_CREDENTIALS = "The username or password is not right."
LOCKED = "Too many failed sign-ins. Wait 15 minutes and try again, or ask an administrator."


def _safe_next(target):
    """Only local paths: never send a user to another site after sign-in."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _sign_in(form):
    """The user signed in, or (message, status) saying why not."""
    cfg = current_app.config
    username, addr = form.username.data.strip(), request.remote_addr
    # Counted before the password is checked, in one atomic step: however
    # many attempts arrive at once, at most the limit are checked.
    if not login_failures.attempt(username, addr, cfg["LOGIN_MAX_FAILURES"], cfg["LOGIN_LOCKOUT_SECONDS"]):
        return LOCKED, 429
    user = users.authenticate(username, form.password.data)
    if user is None:
        audit.record(username, "login_failed", "user", username, remote_addr=addr)
        return BAD_CREDENTIALS, 401
    login_failures.succeeded(username, addr)
    session.clear()
    session.regenerate()  # a new session id: one known before sign-in is worthless
    login_user(user)
    audit.record(user.username, "login", "user", user.id, remote_addr=addr)
    return user


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        outcome = _sign_in(form)
        if isinstance(outcome, tuple):
            form.form_errors.append(outcome[0])
            status = outcome[1]
        elif outcome.must_change_password:
            flash("Your password was set by someone else: choose your own now.", "info")
            return redirect(url_for("auth.change_password"))
        else:
            return redirect(_safe_next(request.args.get("next")) or url_for("home.index"))
    elif request.method == "POST":
        status = 422
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        audit.record(current_user.username, "logout", "user", current_user.id, remote_addr=request.remote_addr)
    logout_user()
    session.clear()  # and the server-side session with it: a copied cookie is worthless now
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@role_required(*ROLES)  # anyone signed in
def change_password():
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        problem = users.change_password(current_user.id, form.current.data, form.new.data)
        if problem is None:
            flash("Your password is changed.", "success")
            return redirect(url_for("home.index"), 303)
        form.new.errors = list(form.new.errors) + [problem]
    if request.method == "POST":
        status = 422
    return render_template("auth/change_password.html", form=form,
                           must=current_user.must_change_password), status
