"""Per request: an id (taken from X-Request-ID when it is sane, else made),
the latency observed for the route's template (never its path, which holds
record ids), and one JSON log line that names no patient: route template,
method, status, time, user name, request id."""
import json
import logging
import re
import sys
import time
import uuid

from flask import g, request

from webapp.store import metrics

log = logging.getLogger("webapp.requests")
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class JsonLines(logging.Formatter):
    """The message is already a JSON object; add the time and level to it."""

    def format(self, record):
        try:
            payload = json.loads(record.getMessage())
        except ValueError:
            payload = {"message": record.getMessage()}
        payload = {"ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"), "level": record.levelname, **payload}
        return json.dumps(payload, separators=(",", ":"))


def configure_logging():
    if not any(isinstance(h.formatter, JsonLines) for h in log.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonLines())
        log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


def route_of():
    rule = request.url_rule
    return rule.rule if rule is not None else "<unmatched>"


def _who():
    # Never load the user here: a response for a database fault must not
    # ask the database. Flask-Login caches the user it already loaded in g.
    user = g.get("_login_user")
    return getattr(user, "username", None) if user is not None and user.is_authenticated else None


def init_app(app):
    configure_logging()

    @app.before_request
    def start():
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if _SANE_ID.match(given) else uuid.uuid4().hex
        g.started = time.perf_counter()

    @app.after_request
    def finish(response):
        started = g.get("started")
        if started is None:
            return response
        seconds = time.perf_counter() - started
        route = route_of()
        if request.endpoint != "static":
            metrics.observe_route(route, request.method, response.status_code, seconds)
        response.headers["X-Request-ID"] = g.request_id
        log.info(json.dumps({"request_id": g.request_id, "method": request.method, "route": route,
                             "status": response.status_code, "ms": round(seconds * 1000, 1), "user": _who()}))
        return response
