"""GET /metrics: the Prometheus text format, for a scraper holding the bearer
token (METRICS_TOKEN) or a signed-in admin; nobody else."""
import hmac

from flask import Blueprint, abort, current_app, request
from flask_login import current_user

from webapp.store import metrics

bp = Blueprint("monitoring", __name__)


def _bearer_ok():
    token = current_app.config.get("METRICS_TOKEN") or ""
    given = request.headers.get("Authorization", "")
    return bool(token) and given.startswith("Bearer ") and hmac.compare_digest(given[7:].encode(), token.encode())


@bp.route("/metrics")
def metrics_page():
    if not _bearer_ok() and not (current_user.is_authenticated and current_user.role == "admin"):
        abort(401 if not current_user.is_authenticated else 403)
    return metrics.exposition(), 200, {"Content-Type": metrics.CONTENT_TYPE}
