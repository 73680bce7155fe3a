"""The NBOCA submission (data officers)."""
from flask import Blueprint, render_template

from webapp.security import role_required

bp = Blueprint("exports", __name__, url_prefix="/exports")


@bp.route("/")
@role_required("data_officer")
def index():
    return render_template("exports/index.html")
