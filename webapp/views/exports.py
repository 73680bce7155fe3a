"""The NBOCA submission (data officers): choose a version and period, see
what is in scope, what is missing and what would be left out, download the
COSD file (streamed), and see every export made."""
from datetime import datetime

from flask import Blueprint, Response, current_app, render_template, request, stream_with_context
from flask_login import current_user

from webapp.export import audit, service
from webapp.forms.exports import ExportForm
from webapp.security import is_htmx, role_required
from webapp.views.access import viewed
from webapp.views.rendering import page_or_fragment

bp = Blueprint("exports", __name__, url_prefix="/exports")


def _clock():
    # Tests pin the clock to compare the route's bytes with the CLI's.
    fixed = current_app.config.get("EXPORT_FIXED_CLOCK")
    return service.FixedClock(datetime.fromisoformat(fixed)) if fixed else service.SystemClock()


def _page(form, status=200, export=None, problem=None, near_misses=(), undated=()):
    # The history is on the whole page only; a preview fragment does not show it.
    return page_or_fragment("exports/index.html", "exports/_preview.html", status, form=form, export=export,
                            problem=problem, near_misses=near_misses, undated=undated,
                            history=None if is_htmx() else audit.recent_exports())


@bp.route("/")
@role_required("data_officer")
def index():
    form = ExportForm(request.args)
    if not request.args:
        return _page(form)
    if not form.validate():
        return _page(form, 422)
    wanted = form.to_request()
    export = service.prepare(wanted, organisation=current_app.config.get("NBOCA_ORGANISATION"), write=False)
    near_misses, undated = service.near_misses(wanted), service.undated(wanted)
    viewed(*(row.get("mrn") for row in [*export.left_out, *near_misses, *undated]))  # the rows name patients
    return _page(form, export=export, near_misses=near_misses, undated=undated)


@bp.route("/nboca.xml")
@role_required("data_officer")
def download():
    if request.headers.get("Sec-Fetch-Site", "none") not in ("same-origin", "none"):
        # The download is a GET (a link staff can keep), so a page elsewhere
        # (even on a sibling subdomain) could start one for a signed-in
        # officer: browsers say where a request came from.
        return render_template("errors/error.html", status=403,
                               message="An NBOCA file can only be made from this system's export page. "
                                       "Nothing was exported."), 403
    form = ExportForm(request.args)
    if not form.validate():
        return _page(form, 422)
    export = service.prepare(form.to_request(), _clock(), organisation=current_app.config.get("NBOCA_ORGANISATION"))
    if not export.valid:
        export.close()
        return _page(form, 422, export=export, problem=export.message)
    actor = current_user.username

    def stream():
        try:
            yield from export.chunks()
            # Recorded once the whole file has gone: a download cut short is
            # not a submission made.
            audit.record_export(export, actor=actor)
        finally:
            export.close()

    response = Response(stream_with_context(stream()), mimetype="application/xml")
    response.headers["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response
