"""Template helpers: navigation by role, dates, code meanings."""
from datetime import date, datetime

from flask_login import current_user

from webapp.domain import codes, nhs_number, validators
from webapp.security import ROLE_LABELS, WRITERS, allowed

# (endpoint, label, roles that see it). Admins see everything.
NAVIGATION = [
    ("home.index", "Home", ("clinician", "manager", "data_officer")),
    ("patients.index", "Patients", ("clinician", "data_officer")),
    ("migration.dashboard", "Migration", ("manager",)),
    ("exports.index", "NBOCA export", ("data_officer",)),
    ("reports.outcome_report", "Outcomes", ("clinician", "manager", "data_officer")),
    ("admin.storage_page", "Database", ("manager",)),
    ("admin.user_list", "Users", ()),
]


def navigation_for(role):
    return [(endpoint, label) for endpoint, label, roles in NAVIGATION if allowed(role, roles)]


def format_date(value, default="—"):
    if value is None or value == "":
        return default
    if isinstance(value, (datetime, date)):
        return value.strftime(validators.DAY)
    return str(value)


def format_datetime(value, default="—"):
    if isinstance(value, datetime):
        return value.strftime(validators.DAY + " %H:%M")
    return format_date(value, default)


def init_app(app):
    app.jinja_env.filters.update(
        date=format_date, datetime=format_datetime,
        nhs=nhs_number.format_spaced,
    )
    app.jinja_env.globals.update(codes=codes, code_label=codes.label, role_labels=ROLE_LABELS)

    @app.context_processor
    def navigation():
        if current_user.is_authenticated:
            return {"nav_items": navigation_for(current_user.role), "can_write": allowed(current_user.role, WRITERS)}
        return {"nav_items": [], "can_write": False}
