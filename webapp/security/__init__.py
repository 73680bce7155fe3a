"""Who may do what, and the protections every response carries: sign-in
(Flask-Login) over server-side sessions, roles, CSRF (Flask-WTF) and refusal
of cross-site posts, one-use form tokens, security headers, error pages, and
the 503 page for a database that does not answer."""
from functools import wraps
from urllib.parse import urlsplit

from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect

from webapp.security import monitoring
from webapp.security.sessions import LEAVE_ALONE, MongoSessionInterface
from webapp.store import availability, form_tokens, records
from webapp.store import users as users_store

ROLES = ("clinician", "manager", "data_officer", "admin")
ROLE_LABELS = {"clinician": "Clinician", "manager": "Manager", "data_officer": "Data officer", "admin": "Administrator"}

# Who may read clinical records, and who may change them (admins always may).
READERS = ("clinician", "data_officer")
WRITERS = ("clinician",)
# Who may add and correct them (not delete): data officers enter and correct
# the COSD items, as cancer data officers do in real services.
EDITORS = ("clinician", "data_officer")
# Who reads the reports (outcomes, the overdue follow-up list): figures and
# lists a manager needs too; the patients' names only for READERS.
REPORT_READERS = ("clinician", "manager", "data_officer")

# Endpoints anyone may reach; every other endpoint must carry a role
# requirement (a test walks the URL map to prove it).
# /metrics checks its own reader (an admin, or the bearer token).
PUBLIC_ENDPOINTS = {"auth.login", "auth.logout", "health.healthz", "static", "monitoring.metrics_page"}
# What a user who must change their password may still reach.
WHILE_MUST_CHANGE = {"auth.change_password", "auth.logout", "static", "health.healthz"}
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

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
    monitoring.init_app(app)
    app.session_interface = MongoSessionInterface()
    # Before CSRF: a cross-site post is refused before Flask-WTF would start
    # a new session for it (which replaced the user's cookie).
    app.before_request(refuse_cross_site)
    app.before_request(database_answered)
    csrf.init_app(app)
    _init_login(app)
    app.before_request(must_change_password)
    app.before_request(spend_form_token)
    app.after_request(give_back_unused_token)
    app.after_request(security_headers)
    app.jinja_env.globals["one_use_token"] = form_tokens.new
    _init_errors(app)


def _init_login(app):
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id):
        # Read on every request: a deactivation or a role change applies to
        # open sessions at their next request.
        user = users_store.get_by_id(user_id)
        return user if user is not None and user.active else None

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


def _same_site():
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site in ("same-origin", "none")
    origin = request.headers.get("Origin")
    if origin is None:
        return True  # not a browser that says (a script with its token, the test client)
    return origin != "null" and urlsplit(origin).netloc == request.host


def refuse_cross_site():
    """403 for a post another site's page makes, before anything reads or
    writes the session, and with no cookie set in the answer."""
    if request.method in UNSAFE_METHODS and not _same_site():
        request.environ[LEAVE_ALONE] = True
        return plain_page(403, "This request came from another site, so it was refused. Nothing was changed."), 403


def database_answered():
    if getattr(session, "unavailable", False):
        raise availability.DatabaseUnavailable("the session could not be read")


def must_change_password():
    if (current_user.is_authenticated and current_user.must_change_password
            and request.endpoint not in WHILE_MUST_CHANGE):
        if is_htmx():
            return "", 401, {"HX-Redirect": url_for("auth.change_password")}
        return redirect(url_for("auth.change_password"))


def spend_form_token():
    if request.method != "POST":
        return None
    token = request.form.get("form_token")
    if not token:
        return None
    if not form_tokens.spend(token):
        headers = {"HX-Reswap": "none"} if is_htmx() else {}
        return plain_page(409, "This form was already sent, and saved once: it is not saved again."), 409, headers
    g.spent_form_token = token


def give_back_unused_token(response):
    token = g.pop("spent_form_token", None)
    if token and response.status_code >= 400:
        try:
            form_tokens.give_back(token)
        except availability.UNAVAILABLE:
            pass  # the database is gone: the token stays spent, the form can be reloaded
    return response


def security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def plain_page(status, message):
    """An error page that needs neither the database nor the session:
    rendered without the context processors (Flask-Login's loads the user)."""
    return current_app.jinja_env.get_template("errors/plain.html").render(status=status, message=message)


def _init_errors(app):
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        # Not a bare 400: say what happened, that nothing was saved, and how on.
        return render_template("errors/csrf.html", reason=error.description), 400

    for status in (403, 404, 405, 409, 413, 422, 429):
        app.register_error_handler(status, _error_page(status))
    # A record the store cannot find (deleted meanwhile, or a wrong id) is a
    # 404 wherever it happens, not a try/except in every view.
    app.register_error_handler(records.NotFound, _error_page(404))

    @app.errorhandler(availability.UNAVAILABLE)
    def database_unavailable(error):
        availability.tripped(error)
        request.environ[LEAVE_ALONE] = True
        return plain_page(503, "The database is not answering. Nothing was saved by this request. "
                               "Try again in a moment."), 503, {"Retry-After": "5"}

    @app.errorhandler(500)
    def server_error(error):
        return render_template("errors/error.html", status=500), 500


def _error_page(status):
    def handler(error):
        return render_template("errors/error.html", status=status, error=error), status

    return handler
