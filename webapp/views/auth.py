"""Sign in and sign out."""
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from webapp.forms.auth import LoginForm
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


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        cfg = current_app.config
        username = form.username.data.strip()
        addr = request.remote_addr
        if login_failures.is_locked(username, addr, cfg["LOGIN_MAX_FAILURES"], cfg["LOGIN_LOCKOUT_SECONDS"]):
            form.form_errors.append(LOCKED)
            status = 429
        else:
            user = users.authenticate(username, form.password.data)
            if user is None:
                login_failures.record(username, addr)
                audit.record(username, "login_failed", "user", username, remote_addr=addr)
                form.form_errors.append(BAD_CREDENTIALS)
                status = 401
            else:
                login_failures.clear(username)
                session.clear()  # a fresh session: no fixation
                login_user(user)
                audit.record(user.username, "login", "user", user.id, remote_addr=addr)
                return redirect(_safe_next(request.args.get("next")) or url_for("home.index"))
    elif request.method == "POST":
        status = 422
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        audit.record(current_user.username, "logout", "user", current_user.id)
    logout_user()
    session.clear()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))
