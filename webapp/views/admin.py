"""Administration: the people who may sign in, and how big the database is
growing."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from webapp.security import role_required
from webapp.store import storage, users

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/users")
@role_required("admin")
def user_list():
    return render_template("admin/users.html", users=users.list_all())


@bp.route("/storage", methods=["GET", "POST"])
@role_required("manager")
def storage_page():
    if request.method == "POST":
        storage.record(current_user.username)
        flash("The figures now are kept as a snapshot.", "success")
        return redirect(url_for("admin.storage_page"))
    kept = storage.snapshots()
    return render_template("admin/storage.html", rows=storage.growth(storage.current(), kept[0] if kept else None),
                           snapshots=[snapshot_totals(s) for s in kept])


def snapshot_totals(snapshot):
    """A snapshot with its totals over every collection: `documents`, and
    `bytes` of data and indexes together (summed here, not in the page)."""
    collections = snapshot.get("collections", [])
    return {**snapshot, "documents": sum(c.get("documents", 0) for c in collections),
            "bytes": sum(c.get("data_bytes", 0) + c.get("index_bytes", 0) for c in collections)}
