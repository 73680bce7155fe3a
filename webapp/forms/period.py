"""A reporting period (and optionally one provider), as the NBOCA export and
the outcome reports ask for it: read from the query string, defaulting to
the last complete audit year."""
from datetime import date

from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms.validators import DataRequired, ValidationError

from webapp.forms.common import OdsCodeField


def last_audit_year(today=None):
    """NBOCA reports by audit year, April to March: the last complete one is
    the sensible default period."""
    today = today or date.today()
    end_year = today.year if today.month >= 4 else today.year - 1
    return date(end_year - 1, 4, 1), date(end_year, 3, 31)


EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)


def _within_audit_era(field):
    if field.data and not EARLIEST <= field.data <= LATEST:
        raise ValidationError(f"Enter a date between {EARLIEST:%Y} and {LATEST:%Y}.")


class PeriodForm(FlaskForm):
    """Read from the query string (GET: choosing what to look at changes
    nothing, so there is no CSRF token)."""

    class Meta:
        csrf = False

    start = DateField("Reporting period start", default=lambda: last_audit_year()[0], validators=[
        DataRequired(message="Enter the first day of the reporting period, for example 2024-04-01.")])
    end = DateField("Reporting period end", default=lambda: last_audit_year()[1], validators=[
        DataRequired(message="Enter the last day of the reporting period, for example 2025-03-31.")])
    # The rule the clinical forms store codes by: any other code matches nothing.
    provider = OdsCodeField("Provider organisation (optional)")

    def validate_start(self, field):
        _within_audit_era(field)

    def validate_end(self, field):
        _within_audit_era(field)
        if self.start.data and field.data and field.data < self.start.data:
            raise ValidationError("The end of the period must be on or after its start.")
