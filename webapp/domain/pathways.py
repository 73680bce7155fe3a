"""Treatment pathways: a treatment may name (`follows_treatment_id`) the one
it follows or belongs with: neo-adjuvant treatment the operation it comes
before, adjuvant treatment the operation it comes after, a return to
theatre the index operation, a stoma reversal the operation that formed the
stoma. Linked treatments make one pathway. This says whether a link makes
sense (same patient, order and dates, no circle), with messages by the
field, what part each treatment plays, and which treatments form one
pathway. Values are read however they were stored. Pure."""
from datetime import date

from webapp.domain import nboca
from webapp.domain.treatments import markings, type_label, type_of
from webapp.domain.validators import DAY, as_date

FIELD = "follows_treatment_id"
def marking(treatment):
    """"neo-adjuvant", "adjuvant" or None, as the treatment is marked
    (adjunctive therapy, CR6540, else chemotherapy timing)."""
    by_adjunctive, by_timing = markings(treatment)
    return by_adjunctive or by_timing


def role(treatment, linked=None):
    """The part a treatment plays in its pathway, in words."""
    kind = type_of(treatment)
    if kind == "surgery" and linked is not None and type_of(linked) == "surgery":
        return "stoma reversal" if nboca.is_reversal(treatment.get("opcs4_primary")) else "return to theatre"
    mark = marking(treatment) if kind != "surgery" else None
    return mark or ("operation" if kind == "surgery" else "treatment")


def comes_first(treatment):
    """A neo-adjuvant treatment comes before the one it belongs with; any
    other comes after the one it follows."""
    return type_of(treatment) != "surgery" and marking(treatment) == "neo-adjuvant"


def problems(treatment, linked, chain):
    """{field: message} for the link `treatment` (its fields, with
    treatment_id when it exists and patient_id) makes to `linked` (the
    stored treatment it names, None when there is none), where `chain` is
    the ids reached by following links from `linked`. Empty when it is
    sound."""
    own_id = treatment.get("treatment_id")
    if linked is None:
        return {FIELD: "Choose one of this patient's treatments."}
    if own_id and linked.get("treatment_id") == own_id:
        return {FIELD: "A treatment cannot follow itself."}
    if linked.get("patient_id") != treatment.get("patient_id"):
        return {FIELD: "That treatment is another patient's: a pathway is one patient's."}
    if own_id and own_id in chain:
        return {FIELD: f"{linked.get('treatment_id')} already follows this treatment: a pathway cannot go round "
                       "in a circle."}
    if comes_first(treatment) and type_of(linked) != "surgery":
        return {FIELD: "A neo-adjuvant treatment belongs with the operation it comes before: choose an operation."}
    return _order(treatment, linked)


def _order(treatment, linked):
    mine, theirs = as_date(treatment.get("treatment_date")), as_date(linked.get("treatment_date"))
    if mine is None or theirs is None:
        return {}
    name = f"{type_label(linked.get('treatment_type'))} on {theirs:{DAY}}"
    if comes_first(treatment) and mine > theirs:
        return {"treatment_date": f"A neo-adjuvant treatment comes before the operation it belongs with ({name}): "
                                  "this date is after it."}
    if not comes_first(treatment) and mine < theirs:
        return {"treatment_date": f"This treatment is dated before the one it follows ({name})."}
    return {}


def _named(treatment):
    when = as_date(treatment.get("treatment_date"))
    return (f"{type_label(treatment.get('treatment_type'))}"
            f"{f' on {when:{DAY}}' if when else ''} ({treatment.get('treatment_id')})")


def blocks_delete(followers):
    """Why a treatment that `followers` name cannot be deleted, or None."""
    if not followers:
        return None
    names = ", ".join(_named(f) for f in followers)
    verb = "follows" if len(followers) == 1 else "follow"
    return (f"{names} {verb} this treatment in its pathway: change or unlink "
            f"{'that treatment' if len(followers) == 1 else 'those treatments'} first. Nothing was deleted.")


def problems_for_followers(edited, followers):
    """{field: message} for an edit of a treatment (`edited`, its fields
    after the edit, with its treatment_id and patient_id) that would break
    the link of one of the treatments that name it, said on the edited
    one's form. Empty when every link stays sound."""
    for follower in followers:
        found = problems(follower, edited, set())
        if not found:
            continue
        name = _named(follower)
        if FIELD in found:
            return {"treatment_type": f"{name} is the neo-adjuvant treatment of this operation: it must stay an "
                                      "operation. Change or unlink that treatment first."}
        side = "before" if comes_first(follower) else "after"
        return {"treatment_date": f"{name} {'belongs with' if comes_first(follower) else 'follows'} this "
                                  f"treatment: this one cannot be dated {side} it. Change or unlink that "
                                  "treatment first."}
    return {}


def groups(treatments):
    """The pathways among `treatments`: lists of two or more linked
    treatments, each in date order (undated last), oldest pathway first."""
    by_id = {t.get("treatment_id"): t for t in treatments if t.get("treatment_id")}
    parent = {i: i for i in by_id}

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, t in by_id.items():
        target = t.get(FIELD)
        if isinstance(target, str) and target in by_id:
            parent[root(i)] = root(target)
    members = {}
    for i in by_id:
        members.setdefault(root(i), []).append(by_id[i])
    found = [sorted(group, key=_when) for group in members.values() if len(group) > 1]
    return sorted(found, key=lambda group: _when(group[0]))


def _when(treatment):
    return as_date(treatment.get("treatment_date")) or date.max


def steps(group):
    """[(treatment, role)] for one pathway."""
    by_id = {t.get("treatment_id"): t for t in group}
    return [(t, role(t, by_id.get(t.get(FIELD)))) for t in group]


def shape(group):
    """A pathway in words, for counting alike ones: "Radiotherapy
    (neo-adjuvant) → Surgery → Chemotherapy (adjuvant)"."""
    words = []
    for t, part in steps(group):
        name = type_label(t.get("treatment_type"))
        words.append(name if part in ("operation", "treatment") else f"{name} ({part})")
    return " → ".join(words)
