"""Patients: find, view, create, edit."""
from flask import Blueprint, render_template

from webapp.security import role_required

bp = Blueprint("patients", __name__, url_prefix="/patients")


@bp.route("/")
@role_required("clinician", "data_officer")
def index():
    return render_template("patients/index.html")
