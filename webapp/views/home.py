"""The landing page: what each role comes here to do."""
from flask import Blueprint, render_template
from flask_login import current_user

from webapp.security import role_required

bp = Blueprint("home", __name__)


@bp.route("/")
@role_required("clinician", "manager", "data_officer")
def index():
    return render_template("home/index.html", role=current_user.role)
