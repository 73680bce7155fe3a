"""Outcome reports across episodes (clinicians, managers, data officers):
treatments by type, and NBOCA's surgical measures for a period and
optionally one provider, with intervals, funnel plots and their tables as
CSV; the resections behind a number are one click away."""

from flask import Blueprint, abort, make_response, render_template, request
from flask_login import current_user

from webapp.domain import nboca as rules
from webapp.forms.period import PeriodForm
from webapp.security import READERS, REPORT_READERS, allowed, role_required
from webapp.store import nboca
from webapp.views import csv_download

bp = Blueprint("reports", __name__, url_prefix="/reports")


def _period():
    form = PeriodForm(request.args)
    if request.args and not form.validate():
        return form, False
    return form, True


@bp.route("/outcomes")
@role_required(*REPORT_READERS)
def outcome_report():
    form, ok = _period()
    if not ok:
        return make_response(render_template("reports/outcomes.html", form=form), 422)
    dashboard = nboca.report(form.start.data, form.end.data, form.provider.value)
    return render_template("reports/outcomes.html", form=form, dashboard=dashboard, **dashboard["treatments"])


def _measure_or_404():
    key, kind = request.args.get("measure"), request.args.get("by")
    if key not in rules.MEASURE or kind not in ("provider", "consultant"):
        abort(404)
    return key, kind


@bp.route("/outcomes.csv")
@role_required(*REPORT_READERS)
def outcome_csv():
    form, ok = _period()
    if not ok:
        abort(422)
    key, kind = _measure_or_404()
    funnel = nboca.funnel_of(form.start.data, form.end.data, form.provider.value, key, kind)
    header = [kind, "numerator", "denominator", "missing", "rate", "expected", "observed/expected",
              "adjusted rate", "95% low", "95% high", "99.8% low", "99.8% high", "position"]
    # By the unit's own key: "" (none recorded) and a unit named "not recorded" share a label.
    plotted = {p["unit"]: p for p in (funnel["plot"] or {}).get("points", [])}
    rows = [[str(p["label"]), p["events"], p["n"], p["missing"], _num(p["crude"]),
             _num(p.get("expected")), _num(p.get("ratio")), _num(p.get("adjusted")),
             *(_num(v) for name in ("95%", "99.8%") for v in p["limits"][name]),
             plotted.get(p["unit"], {}).get("position", "")] for p in funnel["points"]]
    return csv_download.response(header, rows, f"nboca-{key}-by-{kind}-{form.start.data}-{form.end.data}.csv")


def _num(value):
    return "" if value is None else f"{value:.4f}"


@bp.route("/outcomes/records")
@role_required(*REPORT_READERS)
def outcome_records():
    form, ok = _period()
    if not ok:
        abort(422)
    key, kind = _measure_or_404()
    unit, part = request.args.get("unit", ""), request.args.get("part", "denominator")
    if part not in rules.PARTS:
        abort(404)
    rows = nboca.records_behind(form.start.data, form.end.data, form.provider.value, (kind, unit), key, part)
    return render_template("reports/records.html", form=form, rows=rows, measure=rules.MEASURE[key], kind=kind,
                           unit=unit, part=part, links=allowed(current_user.role, READERS))
