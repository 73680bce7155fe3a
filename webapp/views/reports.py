"""Outcome reports across episodes (clinicians, managers, data officers):
treatments by type and, for operations, the outcomes NBOCA reports, for a
period and optionally one provider. Aggregates only: nobody is named."""
from flask import Blueprint, make_response, render_template, request

from webapp.forms.period import PeriodForm
from webapp.security import role_required
from webapp.store import outcomes

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.route("/outcomes")
@role_required("clinician", "manager", "data_officer")
def outcome_report():
    form = PeriodForm(request.args)
    if request.args and not form.validate():
        return make_response(render_template("reports/outcomes.html", form=form), 422)
    return render_template("reports/outcomes.html", form=form,
                           **outcomes.report(form.start.data, form.end.data, form.provider.value))
