"""Reading any stored value as what it is. The database may hold documents
no form of ours wrote: legacy shapes not yet adopted (strings where dates
belong, unknown codes, lists or dicts where one value is expected, "False"
and "yes" for booleans) and adopted records whose uninterpretable values the
migration kept aside. Every reader goes through these, so a page shows such
a value as it is, says why it cannot use it, and never fails on it. Pure.

The adoption convention: a value no mapping could interpret is moved to
`legacy_values: {path: raw value}` on the record, `path` being the field's
path in the canonical document, dotted when nested ("referral_source",
"pathology.grade", "tnm_staging.clinical.t"); the canonical field is left
empty. A save that gives the field a value removes its entry (`resolved`).
"""
from datetime import date, datetime

from webapp.domain import codes

LEGACY = "legacy_values"
NOTHING = "—"
DAY = "%d %b %Y"
MAX_SHOWN = 120  # characters of an odd value shown in a page


def day(value):
    """The calendar day a stored date means, or None when it is not a date
    (never a string: comparing one with a date is how forms failed)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return None


def iso_day(value):
    """The day a text in strict ISO form (2024-01-03, or with a time after
    it) names, or None. Only for pre-filling a form the user then saves."""
    if not isinstance(value, str) or len(value.strip()) < 10:
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def at(record, path):
    """The value at a dotted path, None where any step is missing or not a
    document (a list or text where a sub-document belongs)."""
    value = record
    for key in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def legacy_values(record):
    found = (record or {}).get(LEGACY) if isinstance(record, dict) else None
    return found if isinstance(found, dict) else {}


def describe(value):
    """Any stored value as plain text: lists and sub-documents spelt out,
    booleans as yes/no, dates as days. "" for nothing."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.strftime(DAY) if value.time() == datetime.min.time() else value.strftime(DAY + " %H:%M")
    if isinstance(value, date):
        return value.strftime(DAY)
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {describe(v) or 'blank'}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(describe(v) or "blank" for v in value)
    return str(value)


def quoted(value):
    text = describe(value)
    if len(text) > MAX_SHOWN:
        text = text[:MAX_SHOWN] + "…"
    return f"“{text}”"


def find_code(code_list, value):
    """The code a stored value means (codes.find), never for a list or sub-document."""
    return None if isinstance(value, (dict, list)) else codes.find(code_list, value)


def is_blank(value):
    return value is None or value == "" or value == [] or value == {}


# --- what is wrong with a value, in the words a page and a form use ---------

def code_note(value):
    return f"legacy value {quoted(value)}: choose a code"


def date_note(value):
    kind = "text" if isinstance(value, str) else _kind(value)
    return f"{quoted(value)} is stored as {kind}, not a date: enter the date"


def value_note(value, wanted):
    return f"legacy value {quoted(value)} is not {wanted}: enter it again"


def _kind(value):
    if isinstance(value, bool):
        return "yes/no"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, dict):
        return "a sub-document"
    if isinstance(value, (list, tuple)):
        return "a list"
    return type(value).__name__


def show_date(value):
    """A stored date for a page: "15 Mar 2024", "—", or the value with what it is."""
    if is_blank(value):
        return NOTHING
    if day(value) is not None:
        return describe(value)
    return f"{quoted(value)} (stored as {'text' if isinstance(value, str) else _kind(value)}, not a date)"


def show_code(code_list, value):
    """A stored code for a page: its meaning, "—", or the legacy value to correct."""
    if is_blank(value):
        return NOTHING
    code = find_code(code_list, value)
    return code_list[code] if code is not None else code_note(value)


def show_text(value):
    return describe(value) if not is_blank(value) else NOTHING


def show_field(record, path, code_list=None, kind="text"):
    """One field of a record for a page, with a kept legacy value when the
    canonical field is empty. kind: "text", "date", "code" (with code_list),
    "yes_no"."""
    value = at(record, path)
    kept = legacy_values(record)
    if is_blank(value) and path in kept:
        return code_note(kept[path]) if kind == "code" else f"legacy value {quoted(kept[path])}: correct it"
    if kind == "date":
        return show_date(value)
    if kind == "code":
        return show_code(code_list, value)
    if kind == "yes_no":
        return show_yes_no(value)
    return show_text(value)


_YES = {"y", "yes", "true", "1"}
_NO = {"n", "no", "false", "0"}
_UNKNOWN = {"", "9", "unknown", "not known", "nan", "none", "null"}


def yes_no(value):
    """(answer, understood): True/False/None for yes/no/not known however it
    was stored (True, "yes", "False", 1, "Y", "9"); understood is False for
    a value that says none of these ("maybe", a list)."""
    if value is None or isinstance(value, bool):
        return value, True
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value), True
    text = str(value).strip().casefold() if isinstance(value, (str, int)) else None
    if text in _YES:
        return True, True
    if text in _NO:
        return False, True
    return None, text in _UNKNOWN


def show_yes_no(value):
    answer, understood = yes_no(value)
    if not understood:
        return f"legacy value {quoted(value)}: choose yes, no or not known"
    return {True: "Yes", False: "No", None: "Not known"}[answer]


def others(record, known):
    """[(key, text)] for the stored keys a page does not show: what a legacy
    document holds beyond the canonical fields, so nothing is hidden."""
    skip = set(known) | {"_id", "version", "created_at", "last_modified_at", "migration", LEGACY}
    return [(k, describe(v) or "blank") for k, v in (record or {}).items() if k not in skip]


def resolved(record, fields):
    """The record's legacy_values with every entry removed whose field
    `fields` (a save, nested as stored) now gives a value; None when
    nothing changes. The one rule for clearing a kept legacy value."""
    kept = legacy_values(record)
    remaining = {k: v for k, v in kept.items() if is_blank(at(fields, k))}
    return None if len(remaining) == len(kept) else remaining
