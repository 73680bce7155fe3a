"""Who is in the NBOCA submission: adults (18 or over at diagnosis) with a
primary colorectal tumour (ICD-10 C18.x, C19, C20) diagnosed in the
reporting period (both ends included). Pure: no I/O."""
from datetime import date, datetime

from webapp.domain import codes, validators

ADULT_AGE = 18


def in_scope_sites():
    return list(codes.COLORECTAL_SITES)


def age_on(birth, on):
    birth = birth.date() if isinstance(birth, datetime) else birth
    on = on.date() if isinstance(on, datetime) else on
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def is_adult_at(birth, diagnosed):
    """True/False, or None when the birth date is unknown (the record then
    cannot be judged and is listed, not silently dropped)."""
    if not isinstance(birth, (date, datetime)) or not isinstance(diagnosed, (date, datetime)):
        return None
    return age_on(birth, diagnosed) >= ADULT_AGE


def near_miss(tumour):
    """Why a tumour the selection passed over looks as if it belongs in the
    audit: a colorectal primary whose site or type is written in a form the
    selection does not match (legacy "C187", "Primary", no type at all).
    Empty when it does not look like one. Such a tumour is listed for staff to
    fix, not exported with a guessed code."""
    raw_site, raw_type = tumour.get("icd10_code"), tumour.get("tumour_type")
    site = validators.normalise_icd10(raw_site, codes.COLORECTAL_SITES)
    kind = str(raw_type or "").strip().lower()
    if site is None or kind not in ("primary", ""):
        return []
    reasons = []
    if raw_site != site:
        reasons.append(f"ICD-10 code '{raw_site}' is not written as {site}")
    if not kind:
        reasons.append("tumour type is missing (primary?)")
    elif raw_type != "primary":
        reasons.append(f"tumour type '{raw_type}' is not written as primary")
    return reasons


_TEXT_DATE_FORMS = ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%d-%m-%Y", "%d %b %Y")


def text_date(value):
    """The day a date stored as text means, when it reads as one; else None."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    for form in _TEXT_DATE_FORMS:
        try:
            return datetime.strptime(text, form).date()
        except ValueError:
            continue
    return None


def undated(tumour, start, end):
    """Why a tumour whose diagnosis date is not a date belongs on the page of
    the period start..end: a colorectal primary (however its codes are
    written) whose date is text meaning a day in the period, or cannot be
    read at all (then no period could select it). Empty when it does not
    concern this period. Listed, never exported on a guessed date."""
    raw_site, raw_type = tumour.get("icd10_code"), tumour.get("tumour_type")
    site = validators.normalise_icd10(raw_site, codes.COLORECTAL_SITES)
    if site is None or str(raw_type or "").strip().lower() not in ("primary", ""):
        return []
    raw = tumour.get("diagnosis_date")
    if raw is None or raw == "":
        reasons = ["no diagnosis date (CR2030): no reporting period can select it"]
    else:
        meant = text_date(raw)
        kind = "text" if isinstance(raw, str) else type(raw).__name__
        if meant is None:
            reasons = [f"diagnosis date (CR2030) cannot be read: stored as {kind} '{raw}', "
                       "so no reporting period can select it"]
        elif start <= meant <= end:
            reasons = [f"diagnosis date (CR2030) is stored as {kind} '{raw}', not a date, "
                       "so the period does not select it"]
        else:
            return []
    return reasons + near_miss(tumour)
