"""How an episode's treatments stand around its first operation: one marked
neo-adjuvant (CR6540 "2", or chemotherapy timed "neoadjuvant") belongs
before it, one marked adjuvant ("1", or "adjuvant") after it. The seed's
road ahead asks for these relationships (neo-adjuvant, surgery, adjuvant);
this names the treatments whose dates contradict theirs. Pure."""
from datetime import date, datetime

from webapp.domain import codes

DAY = "%d %b %Y"  # as the pages show dates


def _role(treatment):
    if treatment.get("adjunctive_therapy") == "2" or treatment.get("chemo_timing") == "neoadjuvant":
        return "neo-adjuvant"
    if treatment.get("adjunctive_therapy") == "1" or treatment.get("chemo_timing") == "adjuvant":
        return "adjuvant"
    return None


def _day(value):
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def out_of_order(treatments):
    """One note in plain words per treatment whose start contradicts its
    role; none when the episode has no dated operation."""
    operations = [d for d in (_day(t.get("treatment_date")) for t in treatments
                              if t.get("treatment_type") == "surgery") if d]
    if not operations:
        return []
    first = min(operations)
    notes = []
    for t in treatments:
        role, started = _role(t), _day(t.get("start_date") or t.get("treatment_date"))
        if t.get("treatment_type") == "surgery" or role is None or started is None:
            continue
        wrong_side = started > first if role == "neo-adjuvant" else started < first
        if wrong_side:
            side = "after" if started > first else "before"
            kind = codes.label(codes.TREATMENT_TYPE, t.get("treatment_type"))
            notes.append(f"{kind} starting {started:{DAY}} is marked {role} but starts {side} "
                         f"the operation on {first:{DAY}}.")
    return notes
