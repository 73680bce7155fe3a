"""The application factory."""
import logging

from flask import Flask, current_app, has_app_context

from webapp import config as config_module
from webapp import db


def create_app(test_config=None):
    """Build the app: settings (defaults < environment < test_config), the
    database (embedded when no MONGODB_URI), security, blueprints, CLI."""
    app = Flask(__name__, template_folder="../templates", static_folder="../static")
    settings = config_module.load(test_config)
    app.config.update(settings)
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
    )
    if test_config:
        app.config.update(test_config)

    if not app.config["MONGODB_URI"]:
        from webapp.embedded import SharedServer

        app.config["MONGODB_URI"] = SharedServer(app.config["VAR_DIR"]).attach()
        app.config["EMBEDDED_DB"] = True
    from webapp.store import metrics

    metrics.install()  # before the client exists: pymongo applies listeners to clients made after
    db.init_app(app, _context_database)

    if app.config["TRUSTED_PROXIES"] > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        # The client's address (rate limit, audit) and scheme as the proxies saw them.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from webapp import converters, security

    converters.init_app(app)

    security.init_app(app)

    from webapp.views import register_blueprints

    register_blueprints(app)

    from webapp import cli

    cli.init_app(app)

    from webapp import templating

    templating.init_app(app)

    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO)
    return app


def _context_database():
    """The database of the app whose context is active (None outside one):
    the hook that lets `db` answer per app without importing Flask."""
    return current_app.extensions.get("database") if has_app_context() else None
