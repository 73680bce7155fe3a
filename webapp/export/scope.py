"""Who is in the NBOCA submission: adults (18 or over at diagnosis) with a
primary colorectal tumour (ICD-10 C18.x, C19, C20) diagnosed in the
reporting period (both ends included). Pure: no I/O."""
from datetime import date, datetime, time, timedelta

from webapp.domain import codes

ADULT_AGE = 18


def in_scope_sites():
    return list(codes.COLORECTAL_SITES)


def period_bounds(start, end):
    """Datetimes [from, to) covering the dates `start`..`end` inclusive."""
    return datetime.combine(start, time()), datetime.combine(end + timedelta(days=1), time())


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
