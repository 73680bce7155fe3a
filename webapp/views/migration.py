"""The migration dashboard (managers)."""
from flask import Blueprint, render_template

from webapp.security import role_required

bp = Blueprint("migration", __name__, url_prefix="/migration")


@bp.route("/")
@role_required("manager")
def dashboard():
    return render_template("migration/dashboard.html")
