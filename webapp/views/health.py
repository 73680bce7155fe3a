"""GET /healthz: is the database answering? For load balancers and people."""
from flask import Blueprint, jsonify

from webapp.store import storage

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz():
    result = storage.ping()
    if not result["ok"]:
        return jsonify(status="unavailable", database=result), 503
    return jsonify(status="ok", database=result)
