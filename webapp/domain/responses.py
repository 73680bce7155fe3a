"""The rules of a tumour's response to treatment: which results belong to
which scale and which scale to which method, an assessment dated before its
tumour was diagnosed, and a regression grade on a tumour whose patient had
no neo-adjuvant treatment. The forms, the lists and the tests call these;
values are read however they were stored. Pure."""
from datetime import date

from webapp.domain import codes, stored
from webapp.domain.labels import record_name
from webapp.domain.treatments import markings
from webapp.domain.validators import DAY, as_date


def problems(method, scale, result):
    """[(field, message)] for a method, scale and result that do not go
    together (each already one of its own codes, or blank)."""
    out = []
    if scale in codes.RESPONSE_SCALE_RESULTS and result and result not in codes.RESPONSE_SCALE_RESULTS[scale]:
        out.append(("result", f"“{codes.label(codes.RESPONSE_RESULT, result)}” is not a result on the "
                              f"{codes.RESPONSE_SCALE[scale]} scale: choose one of its results, or change the scale."))
    if scale in codes.RESPONSE_SCALE_METHODS and method and method not in codes.RESPONSE_SCALE_METHODS[scale]:
        allowed = " or ".join(codes.RESPONSE_METHOD[m] for m in codes.RESPONSE_SCALE_METHODS[scale])
        out.append(("scale", f"{codes.RESPONSE_SCALE[scale]} is assessed by {allowed}, not by "
                             f"{codes.label(codes.RESPONSE_METHOD, method)}: change the method or the scale."))
    return out


def before_diagnosis(assessed, diagnosed):
    """A warning (the user may confirm it), not an error: an assessment
    before the tumour's diagnosis is usually a mistyped date."""
    assessed, diagnosed = as_date(assessed), as_date(diagnosed)
    if assessed is not None and diagnosed is not None and assessed < diagnosed:
        return (f"The assessment date ({assessed:{DAY}}) is before the tumour was diagnosed "
                f"({diagnosed:{DAY}}). Check it, and tick the box to confirm if it is right.")
    return None


def had_neoadjuvant(treatments):
    """Whether any of a patient's treatments is marked neo-adjuvant
    (adjunctive therapy, or chemotherapy's older timing field)."""
    return any("neo-adjuvant" in markings(t) for t in treatments)


def regression_grade(tumour):
    """The tumour's stored pathological regression grade (any value), or None."""
    value = stored.at(tumour, "pathology.regression_grade")
    return None if stored.is_blank(value) else value


def regression_notes(tumours, treatments):
    """One note per tumour with a regression grade when its patient has no
    treatment marked neo-adjuvant: the grade is kept (the treatment may be
    recorded elsewhere), and the note says what to check."""
    if had_neoadjuvant(treatments):
        return []
    return [f"{record_name('tumour', t)} has a tumour regression grade, but no neo-adjuvant treatment is "
            "recorded for this patient: the grade describes response to neo-adjuvant therapy. Record that "
            "treatment (marked neo-adjuvant), or check the grade." for t in tumours if regression_grade(t) is not None]


def in_date_order(assessments):
    """Oldest first; a date stored as text (no day) last, as the timeline does."""
    return sorted(assessments, key=lambda a: (as_date(a.get("assessment_date")) or date.max,
                                              str(a.get("assessment_id") or "")))
