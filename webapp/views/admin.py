"""Administration: the people who may sign in."""
from flask import Blueprint, render_template

from webapp.security import ROLE_LABELS, role_required
from webapp.store import users

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/users")
@role_required("admin")
def user_list():
    return render_template("admin/users.html", users=users.list_all(), role_labels=ROLE_LABELS)
