"""GET /healthz: is the database answering? For load balancers and people."""
from flask import Blueprint, jsonify
from pymongo.errors import PyMongoError

from webapp import db

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz():
    try:
        result = db.ping()
    except PyMongoError as exc:
        return jsonify(status="unavailable", database={"ok": 0, "error": type(exc).__name__}), 503
    return jsonify(status="ok", database=result)
