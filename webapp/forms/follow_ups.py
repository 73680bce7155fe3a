"""The result of a planned follow-up test: done (the date, and the CEA value
or what the scan or colonoscopy found) or not done (why). The rules are
domain/surveillance.result_problems; the form shows each on its field."""
from wtforms.validators import NumberRange, Optional

from webapp.domain import codes, surveillance, validators
from webapp.forms.common import CodeField, FiniteDecimalField, VersionedForm, date, for_stored, text

OUTCOMES = {k: codes.FOLLOW_UP_STATUS[k] for k in ("done", "not_done")}
NOTES_MAX = validators.MAX_NOTES


class FollowUpResultForm(VersionedForm):
    outcome = CodeField("Was the test done?", OUTCOMES)
    done_date = date("Date done", description="For a test not done, the day it was decided (optional).")
    cea_ng_ml = FiniteDecimalField(f"CEA ({surveillance.CEA_UNIT})", places=None, validators=[
        Optional(), NumberRange(min=0, max=surveillance.CEA_MAX,
                                message=f"Enter a value from 0 to {surveillance.CEA_MAX:,} {surveillance.CEA_UNIT}.")])
    finding = CodeField("What it found", {})
    not_done_reason = CodeField("Why it was not done", codes.FOLLOW_UP_NOT_DONE)
    notes = text("Notes", max_length=NOTES_MAX, multiline=True)

    def __init__(self, *args, kind=None, operation_date=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.operation_date = operation_date
        findings = surveillance.findings_for(kind)
        self.finding.code_list = findings
        self.finding.choices = [("", "Choose…")] + list(findings.items())

    @classmethod
    def for_event(cls, event):
        kind = surveillance.kind_of(event)
        paths = {name: name for name in surveillance.RESULT_FIELDS}
        status = surveillance.status_of(event)
        return for_stored(cls, event, paths, extra={"outcome": status if status in OUTCOMES else ""},
                          kind=kind, operation_date=event.get("operation_date"))

    def field_names(self):
        """The fields this kind of test asks for, in order."""
        result = {"cea": ["cea_ng_ml"]}.get(self.kind, ["finding"] if self.kind in surveillance.FINDINGS else [])
        return ["outcome", "done_date", *result, "not_done_reason", "notes"]

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        problems = surveillance.result_problems(
            self.kind, self.outcome.data, self.done_date.data, self.cea_ng_ml.data, self.finding.data,
            self.not_done_reason.data, self.operation_date, validators.today())
        for name, message in problems.items():
            if message not in self[name].errors:
                self[name].errors = list(self[name].errors) + [message]
        return ok and not problems

    def fields(self):
        """What to store: the status and the result its outcome keeps."""
        done = self.outcome.data == "done"
        cea = self.cea_ng_ml.data
        return {
            "status": self.outcome.data,
            "done_date": self.done_date.value,
            "cea_ng_ml": float(cea) if done and self.kind == "cea" and cea is not None else None,
            "finding": self.finding.data or None if done and self.kind in surveillance.FINDINGS else None,
            "not_done_reason": self.not_done_reason.data or None if not done else None,
            "notes": self.notes.data or None,
        }
