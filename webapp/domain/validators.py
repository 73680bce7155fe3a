"""Clinical validation rules as pure functions (no I/O): the forms call them,
tests call them directly. Each returns a message in plain words, or None."""
import re
import unicodedata
from datetime import date, datetime

from webapp.domain import stored

# Text may hold no character that is invisible or changes how the rest reads:
# controls (C0, DEL, C1 such as U+0085), format characters (bidirectional
# overrides like U+202E, zero-width U+200B/U+200D/U+FEFF, soft hyphen),
# surrogates, private use, unassigned and non-characters (U+FFFE), and the
# line/paragraph separators. Multi-line text may also hold line breaks and tabs.
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_MULTILINE_ALLOWED = frozenset("\n\r\t")

POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")
# ODS organisation codes: 3 characters for a trust, 5 for one of its sites.
ODS_CODE = re.compile(r"^[A-Z0-9]{3}([A-Z0-9]{2})?$")
# OPCS-4 as COSD sends it (CR0720): a letter and three digits, no dot.
OPCS4 = re.compile(r"^[A-Z][0-9]{3}$")
MRN = re.compile(r"^[A-Z0-9]{3,20}$")

MAX_TEXT = 200
MAX_NOTES = 2000


# How dates read in messages and on the pages.
DAY = "%d %b %Y"


_UTC_SUFFIX = re.compile(r"(Z|[+-]00:?00)$")


def legacy_datetime(value, formats):
    """A BSON-able datetime for a date a legacy system stored as text in one
    of `formats`, or None when it is none of them (never a guess: only UTC
    offsets are accepted, and impossible days stay unreadable)."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        return None
    text = _UTC_SUFFIX.sub("", value.strip())
    for fmt in formats:
        try:
            parsed = datetime.strptime(text, fmt)
        except ValueError:
            continue
        # BSON keeps milliseconds; hold what we will read back.
        return parsed.replace(microsecond=parsed.microsecond // 1000 * 1000)
    return None


def as_date(value):
    """The day a value means, None for anything that is not a date: a legacy
    string date is never compared with a date (that comparison raised)."""
    return stored.day(value)


def control_characters(text, multiline=False):
    if text is None:
        return None
    allowed = _MULTILINE_ALLOWED if multiline else frozenset()
    if any(ch not in allowed and unicodedata.category(ch) in _INVISIBLE for ch in text):
        return "Remove the control characters (invisible characters) from this text."
    return None


def normalise_postcode(text):
    """`ng7 2uh` -> `NG7 2UH`; None when it is not a UK postcode."""
    match = POSTCODE.match((text or "").strip().upper())
    if not match:
        return None
    return f"{match.group(1)} {match.group(2)}"


ODS_MESSAGE = "Enter an ODS code: 3 or 5 letters or digits, for example RX1 (a trust) or RX1RA (one of its sites)."


def normalise_ods(text):
    code = (text or "").strip().upper()
    return code if ODS_CODE.match(code) else None


def normalise_opcs4(text):
    code = (text or "").strip().upper().replace(".", "")
    return code if OPCS4.match(code) else None


def normalise_icd10(text, known):
    """The stored form (C18.7, C20) of a code in `known` however it was
    written (c187, "C18.7 ", C20X), or None when it is none of them."""
    compact = re.sub(r"[\s.]", "", str(text or "")).upper()
    if len(compact) == 4 and compact.endswith("X"):
        compact = compact[:3]
    code = compact if len(compact) == 3 else f"{compact[:3]}.{compact[3:]}"
    return code if code in known else None


_YES = {"y", "yes", "true", "1"}
_NO = {"n", "no", "false", "0"}


def yes_no(value):
    """True or False for a yes/no however it was stored (True, 1, "Y",
    "yes"...), None when it says neither (missing, "9" not known, other)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().casefold() if value is not None else ""
    return True if text in _YES else False if text in _NO else None


def whole_number(value):
    """An int for a count stored as 7, 7.0 or "7"; None for anything else."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    return int(text) if text.isdigit() else None


def normalise_mrn(text):
    code = (text or "").strip().upper()
    return code if MRN.match(code) else None


def not_in_future(value, today):
    value = as_date(value)
    if value is not None and value > today:
        return f"The date cannot be in the future (today is {today:{DAY}})."
    return None


def not_before(value, earlier, earlier_name):
    value, earlier = as_date(value), as_date(earlier)
    if value is not None and earlier is not None and value < earlier:
        return f"This date cannot be before the {earlier_name} ({earlier:{DAY}})."
    return None


def nodes_consistent(examined, positive):
    if examined is not None and positive is not None and positive > examined:
        return f"Positive nodes ({positive}) cannot be more than nodes examined ({examined})."
    return None


def treatment_before_referral(treatment_date, referral_date):
    """A warning (the user may confirm it), not an error: treatment before
    referral happens (emergency surgery, then referral) but is usually a typo."""
    treatment_date, referral_date = as_date(treatment_date), as_date(referral_date)
    if treatment_date is not None and referral_date is not None and treatment_date < referral_date:
        return (f"The treatment date ({treatment_date:{DAY}}) is before the episode's referral date "
                f"({referral_date:{DAY}}). Check it, and tick the box to confirm if it is right.")
    return None


def end_not_before_start(start, end):
    start, end = as_date(start), as_date(end)
    if start is not None and end is not None and end < start:
        return "The end date cannot be before the start date."
    return None


def response_complete(response, assessed, started):
    """A RECIST response needs the date it was assessed, and that date
    cannot be before the treatment started. Returns (field, message) for
    the field to mark, or None."""
    if response and not assessed:
        return "response_date", "Enter the date the response was assessed."
    if assessed and not response:
        return "response", "Choose the response, or clear the date it was assessed."
    started, assessed = as_date(started), as_date(assessed)
    if started is not None and assessed is not None and assessed < started:
        return "response_date", "The response cannot be assessed before the treatment started."
    return None


def leak_needs_grade(leak, grade):
    if leak and not grade:
        return "Give the grade of the anastomotic leak."
    return None


def complication_needs_grade(complications, grade):
    if complications and not grade:
        return "Give the Clavien-Dindo grade of the complication."
    return None


def today():
    return date.today()


def cosd_postcode(value):
    """A stored postcode as COSD carries it (upper case, one space before the
    inward code: "sw1a  1aa" -> "SW1A 1AA"), or None when it is not text
    that reads as a UK postcode. Whitespace inside counts for nothing, as
    people type it anywhere."""
    if not isinstance(value, str):
        return None
    return normalise_postcode("".join(value.split()))
