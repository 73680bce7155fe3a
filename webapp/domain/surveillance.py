"""Follow-up after a curative resection of a colorectal cancer: the schedule
of planned tests (the unit's choice, declared here and nowhere else), which
operations start one, when each test is due and when it is overdue, and
what a recorded result must say. Pure: no I/O.

The schedule follows common UK practice, NICE guideline NG151 (2020),
recommendation 1.9: serum CEA at least every 6 months in the first 3 years;
at least two CT scans of the chest, abdomen and pelvis in the first 3 years;
a surveillance colonoscopy 1 year after the operation and, if that is
normal, another at 5 years. Which months, and how long after its due date a
test may wait before it counts as overdue, are this unit's choices: change
SCHEDULE, and plans follow it from then on (a treatment's plan is brought up
to date when the treatment is next saved; what was done is never changed)."""
import calendar
from collections import namedtuple
from datetime import date, datetime, timedelta

from webapp.domain import codes, stored, validators
from webapp.domain.treatments import reconciled, type_of

Planned = namedtuple("Planned", "key kind months window_days")

CEA_MONTHS = (6, 12, 18, 24, 30, 36)
CT_MONTHS = (12, 24)
COLONOSCOPY_MONTHS = (12, 60)
# Days after its due date a test may wait before the overdue list shows it:
# blood tests and scans are booked to the month, colonoscopy lists further ahead.
WINDOW_DAYS = {"cea": 30, "ct": 30, "colonoscopy": 60}

SCHEDULE = (
    tuple(Planned(f"cea-{m:02d}", "cea", m, WINDOW_DAYS["cea"]) for m in CEA_MONTHS)
    + tuple(Planned(f"ct-{m:02d}", "ct", m, WINDOW_DAYS["ct"]) for m in CT_MONTHS)
    + tuple(Planned(f"colonoscopy-{m:02d}", "colonoscopy", m, WINDOW_DAYS["colonoscopy"])
            for m in COLONOSCOPY_MONTHS)
)
# What the pages say about it, from the schedule itself.
SCHEDULE_TEXT = (
    "After a curative resection (surgery with curative intent and a major resection OPCS-4 code), this unit plans: "
    f"CEA at {', '.join(str(m) for m in CEA_MONTHS)} months; "
    f"CT chest, abdomen and pelvis at {' and '.join(str(m) for m in CT_MONTHS)} months; "
    f"colonoscopy at {' and '.join(str(m) for m in COLONOSCOPY_MONTHS)} months after the operation "
    "(following NICE NG151: CEA at least every 6 months and at least two CT scans in the first 3 years, "
    "colonoscopy at 1 year then at 5 years). A test is overdue "
    f"{WINDOW_DAYS['cea']} days after its due date ({WINDOW_DAYS['colonoscopy']} for colonoscopy). "
    "The schedule is the unit's choice, declared in webapp/domain/surveillance.py."
)

CURATIVE = "01"  # codes.TREATMENT_INTENT
CEA_UNIT = "ng/mL"
CEA_MAX = 100_000
FINDINGS = {"ct": codes.CT_FINDING, "colonoscopy": codes.COLONOSCOPY_FINDING}
RESULT_FIELDS = ("done_date", "cea_ng_ml", "finding", "not_done_reason", "notes")
OPEN = ("planned", "done", "not_done")  # every status but cancelled can be recorded against


def is_curative_resection(treatment):
    """Surgery with curative intent whose primary procedure is a major
    resection, each read as every other reader reads it (legacy
    "Surgery", "1", "h07.1" count as what they mean)."""
    t = treatment or {}
    if type_of(t) != "surgery" or codes.find(codes.TREATMENT_INTENT, t.get("treatment_intent")) != CURATIVE:
        return False
    opcs = t.get("opcs4_primary")
    return isinstance(opcs, str) and codes.is_major_resection(validators.normalise_opcs4(opcs))


def operation_day(treatment):
    return stored.day(reconciled(treatment).get("treatment_date"))


def add_months(day, months):
    """The same day of the month `months` later, the month's last day when
    it has no such day (31 Jan + 1 month is 28 or 29 Feb)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def midnight(day):
    """The start of a day, as the events store their dates."""
    return datetime(day.year, day.month, day.day)


def plan(treatment):
    """{plan key: the planned event's dates and kind} the treatment calls
    for: the schedule for a curative resection, {} for anything else, None
    when it is one but its date cannot be read (its plan is then left as it
    is)."""
    if not is_curative_resection(treatment):
        return {}
    operated = operation_day(treatment)
    if operated is None:
        return None
    out = {}
    for item in SCHEDULE:
        due = add_months(operated, item.months)
        out[item.key] = {"kind": item.kind, "months": item.months,
                         "operation_date": midnight(operated), "due_date": midnight(due),
                         "overdue_from": midnight(due + timedelta(days=item.window_days))}
    return out


def follow_up_id(treatment, key):
    """An event's id: its treatment's id, with the end of its episode's id
    (a legacy database may repeat a treatment id across episodes until the
    adopt step renames the repeats), and its place in the schedule."""
    return f"FU-{treatment['treatment_id']}-{str(treatment['episode_id'])[-6:].upper()}-{key.upper()}"


def new_event(treatment, key, fields, now):
    """The document of a planned event of `treatment` (fields from `plan`)."""
    return {"follow_up_id": follow_up_id(treatment, key), "patient_id": treatment.get("patient_id"),
            "episode_id": treatment.get("episode_id"), "treatment_id": treatment.get("treatment_id"),
            "plan_key": key, **fields, "status": "planned", "created_at": now, "last_modified_at": now,
            "version": 1}


def reconcile(existing, wanted):
    """What to change so a treatment's stored events ({plan key: event})
    match its plan (`plan`): [(action, key, fields)], action one of
    "create", "reschedule" (a planned event's dates moved), "cancel" (a
    planned event no longer wanted), "reinstate" (a cancelled one wanted
    again). Done and not-done events are never touched."""
    if wanted is None:
        return []
    actions = []
    for key, fields in wanted.items():
        event = existing.get(key)
        status = None if event is None else status_of(event)
        if event is None:
            actions.append(("create", key, fields))
        elif status == "planned" and (event.get("due_date"), event.get("overdue_from")) != (
                fields["due_date"], fields["overdue_from"]):
            actions.append(("reschedule", key, fields))
        elif status == "cancelled":
            actions.append(("reinstate", key, fields))
    for key, event in existing.items():
        if key not in wanted and status_of(event) == "planned":
            actions.append(("cancel", key, {}))
    return actions


# --- reading a stored event -------------------------------------------------------

def kind_of(event):
    return stored.find_code(codes.FOLLOW_UP_KIND, (event or {}).get("kind"))


def status_of(event):
    return stored.find_code(codes.FOLLOW_UP_STATUS, (event or {}).get("status"))


def findings_for(kind):
    return FINDINGS.get(kind, {})


def days_past_due(event, today):
    """Days since the due date (None when the due date is not a date)."""
    due = stored.day((event or {}).get("due_date"))
    return None if due is None else (today - due).days


def is_overdue(event, today):
    until = stored.day((event or {}).get("overdue_from"))
    return status_of(event) == "planned" and until is not None and until < today


def event_date(event):
    """Where an event sits on a timeline: the day it was done (or decided
    not to be), else its due date."""
    if status_of(event) in ("done", "not_done") and not stored.is_blank(event.get("done_date")):
        return event["done_date"]
    return event.get("due_date")


def result_text(event):
    """What was found, in words: "4.2 ng/mL", "No evidence of disease",
    "not done: Patient declined"; "" when nothing is recorded."""
    e = event or {}
    if status_of(e) == "not_done":
        return f"not done: {stored.show_code(codes.FOLLOW_UP_NOT_DONE, e.get('not_done_reason'))}"
    parts = []
    if not stored.is_blank(e.get("cea_ng_ml")):
        value = e["cea_ng_ml"]
        parts.append(f"{value:g} {CEA_UNIT}" if isinstance(value, (int, float)) and not isinstance(value, bool)
                     else stored.quoted(value))
    if not stored.is_blank(e.get("finding")):
        parts.append(stored.show_code(findings_for(kind_of(e)) or {**codes.CT_FINDING, **codes.COLONOSCOPY_FINDING},
                                      e["finding"]))
    return "; ".join(parts)


# --- what a recorded result must say ------------------------------------------------

def result_problems(kind, outcome, done_date, cea, finding, reason, operated, today):
    """{field: message} for a result that cannot be saved: a done test needs
    its date (not in the future, not before the operation) and its result
    (the CEA value, or the finding of a scan or colonoscopy); a test not
    done needs the reason."""
    problems = {}
    if outcome not in ("done", "not_done"):
        return {"outcome": "Choose whether the test was done."}
    if outcome == "done" and done_date is None:
        problems["done_date"] = "Enter the date the test was done."
    for message in (validators.not_in_future(done_date, today),
                    validators.not_before(done_date, operated, "operation")):
        if message and "done_date" not in problems:
            problems["done_date"] = message
    if outcome == "not_done":
        if not reason:
            problems["not_done_reason"] = "Choose why the test was not done."
        return problems
    if kind == "cea" and cea is None:
        problems["cea_ng_ml"] = f"Enter the CEA value in {CEA_UNIT}."
    if kind in FINDINGS and not finding:
        problems["finding"] = "Choose what it found."
    return problems
