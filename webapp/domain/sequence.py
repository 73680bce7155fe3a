"""How an episode's treatments stand around its operation: one meant as
neo-adjuvant belongs before it, one meant as adjuvant after it. The seed's
road ahead asks for these relationships (neo-adjuvant, surgery, adjuvant);
this names the treatments whose dates contradict what they are marked as,
and those whose two markings (adjunctive therapy, CR6540, and chemotherapy
timing) disagree. The operation is the first major resection, or the first
operation when there is none (a stoma or stent may come before neo-adjuvant
treatment). Values are read however they were stored. Pure."""

from webapp.domain import codes
from webapp.domain.treatments import markings, type_label, type_of
from webapp.domain.validators import DAY, as_date


def _operation(treatments):
    operations = [(t, as_date(t.get("treatment_date"))) for t in treatments if type_of(t) == "surgery"]
    operations = [(t, d) for t, d in operations if d]
    resections = [d for t, d in operations if codes.is_major_resection(t.get("opcs4_primary"))]
    return min(resections or [d for _, d in operations], default=None)


def out_of_order(treatments):
    """One note in plain words per treatment whose markings disagree, or
    whose start contradicts its marking; none without a dated operation."""
    operation = _operation(treatments)
    notes = []
    for t in treatments:
        kind = type_of(t)
        if kind == "surgery":
            continue
        name = type_label(t.get("treatment_type"))
        started = as_date(t.get("start_date") or t.get("treatment_date"))
        by_adjunctive, by_timing = markings(t)
        if by_adjunctive and by_timing and by_adjunctive != by_timing:
            when = f" starting {started:{DAY}}" if started else ""
            notes.append(f"{name}{when} is marked {by_adjunctive} (adjunctive therapy) but its timing says "
                         f"{by_timing}.")
            continue
        role = by_adjunctive or by_timing
        if role is None or started is None or operation is None:
            continue
        wrong_side = started > operation if role == "neo-adjuvant" else started < operation
        if wrong_side:
            side = "after" if started > operation else "before"
            notes.append(f"{name} starting {started:{DAY}} is marked {role} but starts {side} "
                         f"the operation on {operation:{DAY}}.")
    return notes
