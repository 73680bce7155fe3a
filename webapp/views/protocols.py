"""Protocol templates, for admins: the list, adding one (its values typed
into the chosen type's treatment-form fields and checked by that form), and
retiring one after a confirmation. Retired templates stay, for the
treatments that name them."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from webapp.domain import protocols as rules
from webapp.forms.protocols import ProtocolForm, described
from webapp.security import role_required
from webapp.store import protocols as store
from webapp.store import records
from webapp.views.rendering import found, page_or_fragment

bp = Blueprint("protocols", __name__, url_prefix="/admin/protocols")

PAGE = "admin/protocols.html"
FORM_PAGE = "admin/protocol_form.html"


@bp.route("")
@role_required("admin")
def index():
    rows = [{"template": t, "values": described(t), "active": rules.is_active(t),
             "slug": t.get("slug") if isinstance(t.get("slug"), str) and t.get("slug") else None}
            for t in store.all_templates()]
    return render_template(PAGE, rows=rows)


@bp.route("/new", methods=["GET", "POST"])
@role_required("admin")
def create():
    """GET (or the "Show its fields" button): the form for the type chosen.
    POST: the template, when the treatment form accepts its values."""
    posted = request.method == "POST" and "show_fields" not in request.form
    form = ProtocolForm(formdata=request.form if request.method == "POST" else request.args)
    form.value_form(request.form if request.method == "POST" else None)
    status = 200
    if posted:
        status = 422
        valid = form.validate_on_submit()
        values = form.check_values()
        if valid and values is not None:
            try:
                added = store.add(form.name.data, form.kind(), values, current_user.username)
            except store.ProtocolError as exc:
                form.name.errors = list(form.name.errors) + [str(exc)]
            else:
                flash(f"“{added['name']}” is added: clinicians can apply it now.", "success")
                return redirect(url_for(".index"), 303)
    fragment = "admin/_protocol_values.html" if request.headers.get("HX-Target") == "protocol-values" else FORM_PAGE
    return page_or_fragment(FORM_PAGE, fragment, status, form=form)


@bp.route("/<slug>/retire", methods=["GET", "POST"])
@role_required("admin")
def retire(slug):
    """GET: what retiring does, and the button. POST: retire it."""
    template = found(store.get(slug))
    if request.method == "POST":
        try:
            store.retire(slug, current_user.username)
        except store.ProtocolError as exc:
            flash(str(exc), "error")
        except records.NotFound:
            return found(None)
        else:
            flash(f"“{template.get('name')}” is retired: clinicians are no longer offered it.", "success")
        return redirect(url_for(".index"), 303)
    return render_template("admin/protocol_retire.html", template=template, values=described(template),
                           active=rules.is_active(template))
