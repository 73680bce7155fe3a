"""Template helpers, each written once: navigation by role, dates, byte
sizes and changes, code meanings, a treatment's one-line summary, TNM text,
and the title of each error page. Templates render what these return; the
rules (which type a stored value means, how a dose reads) live here or in
the domain, never in a template."""
from datetime import date, datetime

from flask_login import current_user
from jinja2 import Undefined
from jinja2.filters import do_filesizeformat

from webapp.domain import codes, labels, nhs_number, stored, validators
from webapp.domain.treatments import type_label, type_of
from webapp.security import EDITORS, ROLE_LABELS, WRITERS, allowed

# (endpoint, label, roles that see it). Admins see everything.
NAVIGATION = [
    ("home.index", "Home", ("clinician", "manager", "data_officer")),
    ("patients.index", "Patients", ("clinician", "data_officer")),
    ("migration.dashboard", "Migration", ("manager",)),
    ("exports.index", "NBOCA export", ("data_officer",)),
    ("reports.outcome_report", "Outcomes", ("clinician", "manager", "data_officer")),
    ("followup.overdue", "Overdue follow-up", ("clinician", "manager", "data_officer")),
    ("admin.storage_page", "Database", ("manager",)),
    ("admin.user_list", "Users", ()),
    ("admin.activity_page", "Activity", ()),
    ("admin.performance", "Performance", ()),
    ("protocols.index", "Protocols", ()),
]

# The title of the error page for each status (errors/error.html).
ERROR_TITLES = {
    403: "You do not have access to this page", 404: "Page not found", 405: "That action is not allowed here",
    409: "Someone else changed this first", 413: "What you sent is too large", 422: "Please check what you entered",
    429: "Too many requests", 500: "Sorry, something went wrong on our side",
    503: "The database is not answering",
}
# What the error page says when the error itself says nothing.
ERROR_EXPLANATIONS = {
    403: "Your role does not allow this. If you need it, ask an administrator.",
    404: "There is no record at this address. It may have been deleted, or the link may be wrong.",
    500: "Nothing you did caused this. Nothing was saved. The error has been logged.",
}

NOTHING = "—"


def navigation_for(role):
    return [(endpoint, label) for endpoint, label, roles in NAVIGATION if allowed(role, roles)]


def error_title(status):
    return ERROR_TITLES.get(status, "Error")


def error_explanation(status):
    return ERROR_EXPLANATIONS.get(status)


def format_date(value, default=NOTHING):
    """A day as validators.DAY ("15 Mar 2024"): dates, datetimes, and the
    YYYY-MM-DD text the export carries; anything else as it is."""
    if value is None or value == "":
        return default
    if isinstance(value, (datetime, date)):
        return value.strftime(validators.DAY)
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value).strftime(validators.DAY)
        except ValueError:
            pass
    return str(value)


def format_datetime(value, default=NOTHING):
    if isinstance(value, datetime):
        return value.strftime(validators.DAY + " %H:%M")
    return format_date(value, default)


def format_bytes(value):
    """A size in bytes for people: "1.5 MB" (decimal units)."""
    return do_filesizeformat(value or 0)


def format_change(value, as_bytes=False):
    """A change since the last snapshot: "—" when none is known, "no change",
    "+3" / "−2", or for bytes "+1.5 kB" / "−2.0 MB"."""
    if value is None:
        return NOTHING
    if value == 0:
        return "no change"
    sign = "+" if value > 0 else "−"
    return sign + (format_bytes(abs(value)) if as_bytes else str(abs(value)))


def _number(value):
    """45.0 -> "45", 25.5 -> "25.5"; anything that is not a number quoted as
    it is stored ("“45Gy”"), so no unit is put after it."""
    try:
        return f"{float(value):g}"
    except (TypeError, ValueError):
        return stored.quoted(value)


def _count(value, one, many):
    return f"{_number(value)} {one if _number(value) == '1' else many}"


def treatment_details(t):
    """What tells one treatment from another of its type, in a few words:
    "H071, Mr A Surgeon", "CAPOX × 8 cycles", "45 Gy in 25 fractions", then
    the response if one is recorded; "" when there is nothing to say."""
    kind = type_of(t)
    parts = []
    if kind == "surgery":
        parts = [stored.describe(p) for p in (t.get("opcs4_primary"), t.get("consultant_surgeon")) if p]
    elif kind == "chemotherapy":
        what = stored.describe(t.get("regimen"))
        if t.get("cycles"):
            what = f"{what} × {_count(t['cycles'], 'cycle', 'cycles')}".strip()
        parts = [what] if what else []
    elif kind is None:
        # A type no code means: what it holds still tells it apart.
        parts = [stored.describe(t.get(k)) for k in ("opcs4_primary", "regimen", "consultant_surgeon") if t.get(k)]
    elif kind == "radiotherapy":
        dose = _number(t["total_dose_gy"]) if t.get("total_dose_gy") not in (None, "") else ""
        what = f"dose {dose}" if dose.startswith("“") else f"{dose} Gy" if dose else ""
        if t.get("fractions"):
            what = f"{what} in {_count(t['fractions'], 'fraction', 'fractions')}".strip()
        parts = [what] if what else []
    details = ", ".join(str(p) for p in parts)
    response = t.get("response")
    if response not in (None, ""):
        said = stored.show_code(codes.RECIST_RESPONSE, response)
        if t.get("response_date"):
            said += f" ({stored.show_date(t['response_date'])})"
        details = f"{details}; response: {said}" if details else f"response: {said}"
    return details


def treatment_label(t):
    """What a treatment's stored type means ("Chemotherapy" for "chemotherapy" or "Chemotherapy")."""
    return type_label((t or {}).get("treatment_type"))


def treatment_summary(t, with_type=False):
    """A treatment in one line. The list (type and intent in their own
    columns) shows only its details, or "—"; with_type (the timeline) leads
    with "Chemotherapy (Curative)"."""
    details = treatment_details(t)
    if not with_type:
        return details or NOTHING
    intent = stored.show_code(codes.TREATMENT_INTENT, t.get("treatment_intent"))
    lead = f"{treatment_label(t)} ({intent})"
    return f"{lead}: {details}" if details else lead


def _category(code_list, letter, value):
    if value in (None, ""):
        return None
    found = codes.find(code_list, value)
    if found:
        return code_list[found]
    text = stored.describe(value).strip()
    # A category outside the list ("1", "N1") still reads with its letter once.
    return text if text[:1].upper() == letter else f"{letter}{text}"


def tnm_stage(stage):
    """One staging ({prefix, t, n, m}) as text, "cT3 N1a M0"; "" without a T;
    a legacy staging that is not a sub-document as it is."""
    if not isinstance(stage, dict):
        return stored.describe(stage)
    t = _category(codes.T_CATEGORY, "T", stage.get("t"))
    if not t:
        return ""
    n = _category(codes.N_CATEGORY, "N", stage.get("n"))
    m = _category(codes.M_CATEGORY, "M", stage.get("m"))
    return " ".join(p for p in (f"{stored.describe(stage.get('prefix'))}{t}", n, m) if p)


def tnm_text(tumour):
    """A tumour's clinical and pathological staging, "cT3 N1a M0 · pT3 N1a M0";
    "—" when neither is recorded."""
    staging = (tumour or {}).get("tnm_staging") or {}
    if not isinstance(staging, dict):
        return stored.show_text(staging)
    stages = [tnm_stage(staging.get(which)) for which in ("clinical", "pathological")]
    return " · ".join(s for s in stages if s) or NOTHING


def nhs_text(value):
    """An NHS number as people read it; anything else said for what it is
    (an identifier still encrypted by the legacy system, or not a number)."""
    if stored.is_blank(value):
        return "Not traced"
    if nhs_number.normalise(value) and not isinstance(value, (dict, list)):
        return nhs_number.format_spaced(str(value))
    if isinstance(value, str) and value.startswith("ENC:"):
        return "encrypted by the legacy system: the migration decrypts it"
    return f"{stored.quoted(value)} (not an NHS number)"


def person_name(patient):
    """"Ada Testpatient", whatever the name fields hold, or says it is not recorded."""
    parts = [stored.describe((patient or {}).get(k)) for k in ("first_name", "last_name")]
    return " ".join(p for p in parts if p) or "Name not recorded"


def waiting(episode, kind):
    """How many tumours or treatments (kind: "tumours"/"treatments") a legacy
    episode still holds embedded, or lists by id, for the migration to move
    or link: (embedded, listed)."""
    return _count_held((episode or {}).get(kind)), _count_held((episode or {}).get(kind[:-1] + "_ids"))


def _count_held(value):
    return len(value) if isinstance(value, list) else (0 if stored.is_blank(value) else 1)


def _defined(read):
    """A reader for templates: a key the document lacks (Jinja's Undefined)
    reads as nothing, not as the word "Undefined"."""
    def reading(value, *args, **kwargs):
        return read(None if isinstance(value, Undefined) else value, *args, **kwargs)
    return reading


def init_app(app):
    app.jinja_env.filters.update(
        date=format_date, datetime=format_datetime, bytes=format_bytes, change=format_change,
        nhs=_defined(nhs_text), person=person_name, day=_defined(stored.show_date), shown=_defined(stored.show_text),
        yes_no=_defined(stored.show_yes_no),
        readable=labels.readable, record_name=labels.record_name,
        treatment_type=type_of, treatment_label=treatment_label, treatment_summary=treatment_summary,
        tnm=tnm_text,
    )
    app.jinja_env.globals.update(codes=codes, code_label=codes.label, show=stored.show_field,
                                 others=stored.others, legacy_values=stored.legacy_values, waiting=waiting,
                                 record_name=labels.record_name, field_label=labels.label, known_fields=labels.KNOWN,
                                 role_labels=ROLE_LABELS,
                                 error_title=error_title, error_explanation=error_explanation)

    @app.context_processor
    def navigation():
        if current_user.is_authenticated:
            role = current_user.role
            return {"nav_items": navigation_for(role), "can_write": allowed(role, WRITERS),
                    "can_edit": allowed(role, EDITORS)}
        return {"nav_items": [], "can_write": False, "can_edit": False}
