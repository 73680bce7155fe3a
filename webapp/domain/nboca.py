"""NBOCA's surgical outcome measures, as rules on one resection's values.

The store's aggregation reduces each major resection to a small row of the
values these rules read (raw stored values, plus day counts and follow-up
flags computed from dates); the rules here say what each value means, with
the domain's readers (codes.find, validators.yes_no/whole_number), so legacy
forms count as what they mean and a value that says nothing is "missing":
out of the denominator, and counted. Pure: no I/O.

Where the methods note (shared/reference/nboca-measures.md) marks a point
unverified, the choice made is in CHOICES below, the one place that says
it; the dashboard prints these sentences."""
from collections import namedtuple
from datetime import datetime, timedelta

from webapp.domain import codes, validators

ADULT_AGE = 18
# Age bands (lower bound, label) the aggregation reads a resection's age into:
# the first band is out of NBOCA's population, the others are the model's.
AGE_BANDS = ((0, "under 18"), (ADULT_AGE, "18-64"), (65, "65-74"), (75, "75-84"), (85, "85+"))
MORTALITY_DAYS = 90
STOMA_DAYS = 548  # 18 months, as 18 x 30.4 days
LONG_STAY_DAYS = 5
NODES_WANTED = 12
APPENDIX = "C18.1"
MEMO_LIMIT = 10_000
RECTUM = "C20"
# OPCS-4 H33 fourth characters taken to form a stoma at the index operation
# (H33.1 abdominoperineal excision, assumed permanent; H33.5 Hartmann's).
STOMA_FORMING_OPCS = {"H331": "permanent", "H335": "temporary"}

# Each choice made where the methods note marks a point unverified.
CHOICES = {
    "unit": "Patients, not operations: each patient's first major resection in the period that is in "
            "the population is counted, and their later ones are left out and counted (NBOCA counts "
            "patients; \"first major resection only\" is unverified).",
    "age": "Adults are patients aged 18 or over on the day of the resection; a resection without a "
           "usable date of birth is left out and counted.",
    "site": "Primary tumours C18.0-C18.9 except the appendix (C18.1), C19 and C20, from the episode's "
            "primary tumour; rectal measures read C20 only, lymph nodes colonic sites (C18) only.",
    "opcs": "Major resections are the OPCS-4 codes listed for the COSD export ("
            + ", ".join(f"{c[:3]}.{c[3:]}" if len(c) > 3 else c for c in codes.MAJOR_RESECTION_OPCS)
            + "); H29 and X14 are included although unverified.",
    "death": "Deaths come from the date of death on the patient record (no ONS linkage): a patient "
             "without one is taken as alive. Resections less than 90 days ago are left out of 90-day "
             "mortality, and a death dated before the resection is left out and counted.",
    "readmission": "The recorded \"readmitted within 30 days\" is read as NBOCA's emergency readmission "
                   "to any hospital within 30 days of surgery (the record does not say emergency).",
    "rtt": "Unplanned return to theatre is the recorded answer (CR6480); \"not known\" is missing.",
    "stay": "Length of stay counts days from the resection to discharge (the discharge date, else the "
            "recorded length of stay); a stay is long when it is over 5 days. Deaths in hospital "
            "without a discharge date are missing.",
    "leak": "Anastomotic leak is not an NBOCA measure: it is counted over resections with an "
            "anastomosis and a recorded answer.",
    "stoma": "A stoma is formed when recorded (ileostomy, colostomy) or by an APER (H33.1, permanent) or "
             "Hartmann's (H33.5); it counts at 18 months unless a linked treatment (one that names the "
             "resection it follows) with a stoma-closure code (G75.3, H15.4, H15.5: unverified) is dated "
             "within 18 months. A death before reversal counts as a stoma. Resections under 18 months "
             "ago are left out.",
    "nodes": "12 or more lymph nodes is counted over colonic resections with a node count recorded, the "
             "count not recorded shown beside it; NBOCA's denominator is every colonic resection, so its "
             "rate is this one times the share recorded.",
    "crm": "CRM involvement is \"involved (<= 1 mm)\" over rectal resections with clear or involved "
           "recorded; not applicable and not known are missing.",
    "complete": "Data completeness is over the population and the resections left out for want of data "
                "(no patient record, no usable date of birth, no primary tumour or no readable site), "
                "which count as incomplete.",
    "intervals": "Intervals are Wilson 95% intervals; funnel limits are exact binomial with "
                 "Spiegelhalter's interpolation around the overall rate, at 95% and 99.8%.",
    "model": "Risk adjustment is a logistic model (age, sex, ASA, pT, pN, pM, site, admission type) "
             "fitted on the period's resections; comorbidities are not recorded here. A missing "
             "covariate is its own category, counted.",
}

# OPCS-4 codes read as closing a stoma (closure of ileostomy, of colostomy):
# unverified, kept here; a linked treatment needs one to count as a reversal.
STOMA_CLOSURE_OPCS = ("G753", "H154", "H155")

Measure = namedtuple("Measure", "key label over adjusted")
MEASURES = (
    Measure("mortality90", "90-day post-operative mortality", "resections with 90 days of follow-up", True),
    Measure("readmission30", "30-day emergency readmission", "resections with readmission recorded", True),
    Measure("rtt", "Unplanned return to theatre", "resections with return to theatre recorded", True),
    Measure("stay5", "Length of stay over 5 days", "resections with a length of stay", False),
    Measure("leak", "Anastomotic leak", "resections with an anastomosis and leak recorded", False),
    Measure("stoma18", "Stoma at 18 months after rectal resection",
            "rectal resections with 18 months of follow-up and stoma recorded", False),
    Measure("crm", "CRM involved in rectal cancer", "rectal resections with CRM recorded", False),
    Measure("nodes12", "12 or more lymph nodes examined", "colonic resections with nodes recorded", False),
    Measure("complete", "Data complete (age, sex, ASA, pT, pN, pM, site)",
            "resections in the population or left out for want of data", False),
)
MEASURE = {m.key: m for m in MEASURES}

EVENT, NO_EVENT, MISSING, NOT_APPLICABLE = "event", "no event", "missing", "not applicable"
# The parts of a measure's figures a page links to, by the states they hold.
PARTS = {"events": (EVENT,), "denominator": (EVENT, NO_EVENT), "missing": (MISSING,)}


# Why a resection is left out. The first two the store sets on the row
# ("left"), as its values cannot say them; the others exclusion reads.
NO_PATIENT = "no patient record linked"
LATER = "a later resection of a patient already counted"
NO_BIRTH_DATE = "date of birth not usable"
NO_TUMOUR = "no primary tumour recorded"
SITE_UNREADABLE = "tumour site not readable"
# Left out for want of data, not for being outside the population: these
# count in data completeness, as incomplete.
DATA_GAPS = frozenset({NO_PATIENT, NO_BIRTH_DATE, NO_TUMOUR, SITE_UNREADABLE})


def exclusion(row):
    """Why a resection is outside NBOCA's population, or None when it is in."""
    if row.get("left"):
        return row["left"]
    age = row.get("age")
    if age is None:
        return NO_BIRTH_DATE
    if age == AGE_BANDS[0][1]:
        return "under 18"
    site = site_of(row.get("site"))
    if site is None:
        return NO_TUMOUR
    if site == "?":
        return SITE_UNREADABLE
    if site not in codes.COLORECTAL_SITES:
        return f"outside C18-C20 ({site})"
    if site == APPENDIX:
        return "appendix (C18.1)"
    return None


def _memo(reader):
    """Remember what a reader made of each stored value: a period holds
    thousands of resections but few distinct values in each field, so each
    is read once. Values that cannot be remembered (a legacy list) are read
    each time. A reader's arguments before the value name a code list."""
    seen = {}

    def read(*args):
        # Keyed with the value's type too: 1, 1.0 and True are equal keys in
        # Python but not the same stored value. (Called about thirty times a
        # resection: the key is built without a generator.)
        key = (args, type(args[-1]))
        try:
            return seen[key]
        except KeyError:
            if len(seen) > MEMO_LIMIT:
                seen.clear()
            seen[key] = value = reader(*args)
            return value
        except TypeError:
            return reader(*args)
    read.__doc__ = reader.__doc__
    return read


@_memo
def site_of(value):
    """The ICD-10 site a stored code means (C18.7, C21.1), "?" for a code
    that is none we know, None for no code."""
    if value is None or value == "":
        return None
    return validators.normalise_icd10(value, codes.ICD10_SITES) or "?"


@_memo
def _opcs(value):
    return validators.normalise_opcs4(value) if isinstance(value, str) else None


@_memo
def _find(list_name, value):
    return codes.find(getattr(codes, list_name), value)


@_memo
def _yes_no_value(value):
    return validators.yes_no(value)


@_memo
def _whole(value):
    return validators.whole_number(value)


def _yes_no(value):
    answer = _yes_no_value(value)
    return MISSING if answer is None else EVENT if answer else NO_EVENT


def death_within(row, days):
    """True/False: died within `days` of the resection; None: a death date
    that cannot be read or is before the resection."""
    death = row.get("death_days")
    if death is None:
        return False
    if not isinstance(death, (int, float)) or death < 0:
        return None
    return death <= days


def mortality(row):
    died = death_within(row, MORTALITY_DAYS)
    if died is None:
        return "death date unusable"
    if died:
        return EVENT
    return NO_EVENT if row.get("fu90") else "under 90 days of follow-up"


def stay(row):
    days = row.get("discharge_days")
    if not isinstance(days, (int, float)) or days < 0:
        days = _whole(row.get("los"))
    if days is None:
        return MISSING
    return EVENT if days > LONG_STAY_DAYS else NO_EVENT


def leak(row):
    if _yes_no_value(row.get("anastomosis")) is not True:
        return NOT_APPLICABLE if _yes_no_value(row.get("anastomosis")) is False else MISSING
    return _yes_no(row.get("leak"))


def stoma_formed(row):
    """True/False/None (not recorded) for a stoma at the index operation."""
    if _opcs(row.get("opcs")) in STOMA_FORMING_OPCS:
        return True
    kind = _find("STOMA_TYPE", row.get("stoma"))
    return None if kind is None else kind != "none"


def stoma(row):
    if site_of(row.get("site")) != RECTUM:
        return NOT_APPLICABLE
    formed = stoma_formed(row)
    if formed is None:
        return MISSING
    if not formed:
        return NO_EVENT if row.get("fu548") else "under 18 months of follow-up"
    if STOMA_FORMING_OPCS.get(_opcs(row.get("opcs"))) == "permanent":
        return EVENT
    reversed_in = row.get("reversal_days")
    if isinstance(reversed_in, (int, float)) and 0 <= reversed_in <= STOMA_DAYS:
        died_first = death_within(row, reversed_in)
        return EVENT if died_first else NO_EVENT
    if death_within(row, STOMA_DAYS):
        return EVENT
    return EVENT if row.get("fu548") else "under 18 months of follow-up"


def crm(row):
    if site_of(row.get("site")) != RECTUM:
        return NOT_APPLICABLE
    status = _find("CRM_STATUS", row.get("crm"))
    if status not in ("clear", "involved"):
        return MISSING
    return EVENT if status == "involved" else NO_EVENT


def nodes(row):
    if not str(site_of(row.get("site")) or "").startswith("C18"):
        return NOT_APPLICABLE
    examined = _whole(row.get("nodes"))
    if examined is None:
        return MISSING
    return EVENT if examined >= NODES_WANTED else NO_EVENT


def missing_items(row):
    """The risk-adjustment items (NBOCA's seven) this resection lacks."""
    present = {
        "age": row.get("age") is not None,
        "sex": _find("STATED_GENDER", row.get("sex")) in ("1", "2"),
        "ASA": _find("ASA_SCORE", row.get("asa")) is not None,
        "pT": _stage("T_CATEGORY", row.get("t")) is not None,
        "pN": _stage("N_CATEGORY", row.get("n")) is not None,
        "pM": _stage("M_CATEGORY", row.get("m")) is not None,
        "site": site_of(row.get("site")) in codes.COLORECTAL_SITES,
    }
    return [item for item, ok in present.items() if not ok]


@_memo
def _stage(list_name, value):
    """A TNM category however it was written ("3", "T3", "pT3"), X as unknown."""
    text = str(value or "").strip()
    for prefix in ("yp", "p", "yc", "c"):
        if text.startswith(prefix) and len(text) > len(prefix):
            text = text[len(prefix):]
            break
    code = _find(list_name, text)
    return None if code in (None, "X") else code


def counted_states(row, missing=None):
    """The states of the measures that count this resection: every measure
    for one in the population, data completeness alone (as incomplete) for
    one left out for want of data, none ({}) for one outside it."""
    reason = exclusion(row)
    if reason is None:
        return states(row, missing)
    return {"complete": NO_EVENT} if reason in DATA_GAPS else {}


def states(row, missing=None):
    """{measure key: EVENT / NO_EVENT / MISSING / NOT_APPLICABLE / a reason
    it is left out} for one in-population resection (`missing`: its
    missing_items, when already read)."""
    return {
        "mortality90": mortality(row),
        "readmission30": _yes_no(row.get("readmission")),
        "rtt": _yes_no(row.get("rtt")),
        "stay5": stay(row),
        "leak": leak(row),
        "stoma18": stoma(row),
        "crm": crm(row),
        "nodes12": nodes(row),
        "complete": NO_EVENT if (missing_items(row) if missing is None else missing) else EVENT,
    }


# --- Covariates for risk adjustment ---------------------------------------

def covariates(row):
    """The model's categorical reading of one resection: {name: level};
    "missing" is a level of its own (counted, never dropped)."""
    asa = _find("ASA_SCORE", row.get("asa"))
    t = _stage("T_CATEGORY", row.get("t"))
    n = _stage("N_CATEGORY", row.get("n"))
    m = _stage("M_CATEGORY", row.get("m"))
    admission = _find("SURGICAL_ADMISSION_TYPE", row.get("admission"))
    return {
        "age": row.get("age") or "missing",
        "sex": {"1": "male", "2": "female"}.get(_find("STATED_GENDER", row.get("sex")), "missing"),
        "asa": "missing" if asa is None else "1-2" if asa in ("1", "2") else "3" if asa == "3" else "4+",
        "pT": "missing" if t is None else "0-2" if t in ("0", "is", "1", "2") else "3" if t == "3" else "4",
        "pN": "missing" if n is None else "N0" if n == "0" else "N+",
        "pM": "missing" if m is None else "M0" if m == "0" else "M1",
        "site": "rectum" if site_of(row.get("site")) == RECTUM else "colon",
        "admission": {"1": "elective", "2": "emergency"}.get(admission, "missing"),
    }


# --- Counting combinations -----------------------------------------------

def _tally():
    return {"events": 0, "n": 0, "missing": 0, "left_out": {}}


def _add(tally, state, count):
    if state == EVENT:
        tally["events"] += count
        tally["n"] += count
    elif state == NO_EVENT:
        tally["n"] += count
    elif state == MISSING:
        tally["missing"] += count
    elif state != NOT_APPLICABLE:
        tally["left_out"][state] = tally["left_out"].get(state, 0) + count


def summarise(combinations, states_of=None):
    """Count [(row, count)] into {"population": {period: {"included", "excluded":
    {reason: n}}}, "measures": {period: {key: tally}}, "units": {(kind, name):
    {key: tally}} (this period), "months": {(month, access code): n},
    "items_missing": {item: n}} where a tally is {events, n, missing, left_out}.
    `states_of`, a dict, receives each in-population row's states keyed by
    id(row), for a caller that reads them again (the risk model)."""
    out = {"population": {p: {"included": 0, "excluded": {}} for p in ("current", "previous")},
           "measures": {p: {m.key: _tally() for m in MEASURES} for p in ("current", "previous")},
           "units": {}, "months": {}, "items_missing": {}}
    for row, count in combinations:
        period = row.get("per", "current")
        reason = exclusion(row)
        population = out["population"][period]
        if reason:
            population["excluded"][reason] = population["excluded"].get(reason, 0) + count
        else:
            population["included"] += count
        missing = missing_items(row)
        row_states = counted_states(row, missing)
        if not row_states:
            continue
        if states_of is not None and not reason:
            states_of[id(row)] = row_states
        for key, state in row_states.items():
            _add(out["measures"][period][key], state, count)
        if period != "current":
            continue
        for kind in ("provider", "consultant"):
            unit = out["units"].setdefault((kind, unit_name(row, kind)), {m.key: _tally() for m in MEASURES})
            for key, state in row_states.items():
                _add(unit[key], state, count)
        if not reason:
            access = _find("SURGICAL_ACCESS_TYPE", row.get("acc")) or "not recorded"
            out["months"][(row.get("month"), access)] = out["months"].get((row.get("month"), access), 0) + count
        for item in missing:
            out["items_missing"][item] = out["items_missing"].get(item, 0) + count
    return out


NOT_RECORDED = "not recorded"


def unit_name(row, kind):
    """The provider or consultant a resection is counted under, as stored
    (trimmed); "" when there is none (missing, empty or blank), which the
    page shows as NOT_RECORDED and links to as "" so that a unit whose
    name is spelt "not recorded" stays apart."""
    value = row.get("prov" if kind == "provider" else "cons")
    return "" if value is None else str(value).strip()


def unit_label(name):
    return name or NOT_RECORDED


# --- One row per resection, from what the store joined ----------------------

def age_band(dob, when):
    """The AGE_BANDS label for a patient born `dob` on the day `when`, None
    when the date of birth is not a date."""
    if not isinstance(dob, datetime) or not isinstance(when, datetime):
        return None
    years = when.year - dob.year - ((when.month, when.day) < (dob.month, dob.day))
    return next((label for low, label in reversed(AGE_BANDS) if years >= low), None)


def _days(later, earlier):
    return (later - earlier).days if isinstance(later, datetime) else None


def is_primary(tumour):
    return _find("TUMOUR_TYPE", tumour.get("type")) == "primary"


def _site_rank(tumour):
    site = site_of(tumour.get("s"))
    if site in codes.COLORECTAL_SITES and site != APPENDIX:
        return 0
    return 1 if site not in (None, "?") else 2


def tumour_of(resection, tumours):
    """The episode's primary tumour a resection is counted under: in scope
    before out of scope before unreadable, the first recorded on a tie."""
    candidates = [t for t in tumours if t.get("e") == resection.get("e") and is_primary(t)]
    return min(candidates, key=_site_rank) if candidates else {}


def is_reversal(opcs):
    return _opcs(opcs) in STOMA_CLOSURE_OPCS


def resection_row(resection, patient, tumours, reversal_dates, cut, today):
    """The row the rules read for one resection: its raw stored values, its
    patient's and tumour's, and the day counts and follow-up the clocks
    need. `reversal_dates` are the dates of the stoma closures linked to it."""
    when = resection["d"]
    tumour = tumour_of(resection, tumours)
    dod = patient.get("dod")
    reversals = [_days(d, when) for d in reversal_dates if isinstance(d, datetime)]
    return {
        "id": resection.get("id"), "e": resection.get("e"),
        "per": "current" if when >= cut else "previous", "month": when.strftime("%Y-%m"),
        **{key: resection.get(key) for key in RAW},
        "age": age_band(patient.get("dob"), when), "sex": patient.get("sex"),
        "death_days": _days(dod, when) if isinstance(dod, datetime) else None if dod is None else "unusable",
        "fu90": when + timedelta(days=MORTALITY_DAYS) <= today,
        "fu548": when + timedelta(days=STOMA_DAYS) <= today,
        "discharge_days": _days(resection.get("dis"), when),
        "reversal_days": min(reversals) if reversals else None,
        "site": tumour.get("s"), "t": tumour.get("T"), "n": tumour.get("N"), "m": tumour.get("M"),
        "crm": tumour.get("crm"), "nodes": tumour.get("nodes"),
    }


def one_per_patient(rows):
    """NBOCA counts patients: of one patient's rows, in date order, the
    first in the population in each period is counted, and each later one
    in it is left out as LATER (so counted there); a row outside the
    population keeps its own reason."""
    counted = set()
    for row in rows:
        if exclusion(row) is None:
            if row["per"] in counted:
                row["left"] = LATER
            counted.add(row["per"])
    return rows


RAW = ("prov", "cons", "acc", "admission", "asa", "anastomosis", "leak", "rtt", "los", "readmission", "stoma",
       "opcs")
