"""Who may do what, and the protections every response carries: sign-in
(Flask-Login), roles, CSRF (Flask-WTF), security headers, error pages."""
from functools import wraps

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect

from webapp.store import records
from webapp.store import users as users_store

ROLES = ("clinician", "manager", "data_officer", "admin")
ROLE_LABELS = {"clinician": "Clinician", "manager": "Manager", "data_officer": "Data officer", "admin": "Administrator"}

# Who may read clinical records, and who may change them (admins always may).
READERS = ("clinician", "data_officer")
WRITERS = ("clinician",)
# Who may add and correct them (not delete): data officers enter and correct
# the COSD items, as cancer data officers do in real services.
EDITORS = ("clinician", "data_officer")

# Endpoints anyone may reach; every other endpoint must carry a role
# requirement (a test walks the URL map to prove it).
PUBLIC_ENDPOINTS = {"auth.login", "auth.logout", "health.healthz", "static"}

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}

csrf = CSRFProtect()
login_manager = LoginManager()


def allowed(role, roles):
    """The one rule: a role may do what `roles` lists, and an admin anything."""
    return role == "admin" or role in roles


def role_required(*roles):
    """Allow signed-in users whose role is in `roles` (admins always).
    The roles are kept on the view so the route-walking test can read them."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {unknown}")

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not allowed(current_user.role, roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = tuple(roles)
        return wrapped

    return decorator


def is_htmx():
    return request.headers.get("HX-Request") == "true"


def init_app(app):
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id):
        return users_store.get_by_id(user_id)

    @login_manager.unauthorized_handler
    def unauthorized():
        if is_htmx():
            # htmx would swap the login page into a fragment: send the whole
            # window there instead.
            return "", 401, {"HX-Redirect": url_for("auth.login")}
        flash(login_manager.login_message, "info")
        # The path only: a query string may hold a search for a name or NHS
        # number, which must not travel on into another URL and the logs.
        return redirect(url_for("auth.login", next=request.path if request.method == "GET" else None))

    @app.after_request
    def security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.endpoint != "static":
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        # Not a bare 400: say what happened, that nothing was saved, and how on.
        return render_template("errors/csrf.html", reason=error.description), 400

    for status in (403, 404, 405, 409, 413, 422, 429):
        app.register_error_handler(status, _error_page(status))
    # A record the store cannot find (deleted meanwhile, or a wrong id) is a
    # 404 wherever it happens, not a try/except in every view.
    app.register_error_handler(records.NotFound, _error_page(404))

    @app.errorhandler(500)
    def server_error(error):
        return render_template("errors/error.html", status=500), 500


def _error_page(status):
    def handler(error):
        return render_template("errors/error.html", status=status, error=error), status

    return handler
