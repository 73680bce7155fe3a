"""The response assessment form: which tumour, when, how, on which scale and
with what result. The scale and the result are checked together, and the
scale against the method (domain/responses.py); a date before the tumour's
diagnosis is a warning the user may confirm."""
from wtforms import BooleanField, SelectField, TextAreaField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from webapp.domain import codes, labels, responses, validators
from webapp.forms.common import CodeField, VersionedForm, clean_text, date, for_stored, notes_for, value

PATHS = {name: name for name in ("assessment_date", "method", "scale", "result", "notes")}


class ResultField(CodeField):
    """Every scale's results in one list, each under its scale's name."""

    def __init__(self, label, **kwargs):
        super().__init__(label, codes.RESPONSE_RESULT, **kwargs)
        self.choices = [self.choices[0]] + [
            SelectChoice(code, meaning, optgroup=codes.RESPONSE_SCALE[scale])
            for scale, results in codes.RESPONSE_SCALE_RESULTS.items() for code, meaning in results.items()]


def _strip(text):
    return text.strip() if isinstance(text, str) else text


class ResponseForm(VersionedForm):
    # Checked against this episode's tumours by validate_tumour_id, in words.
    tumour_id = SelectField("Tumour assessed", choices=[], validate_choice=False,
                            validators=[InputRequired(message="Choose the tumour assessed.")])
    assessment_date = date("Date of assessment", required=True)
    method = CodeField("Method", codes.RESPONSE_METHOD, validators=[InputRequired(message="Choose the method.")])
    scale = CodeField("Scale", codes.RESPONSE_SCALE, validators=[InputRequired(message="Choose the scale.")],
                      description="RECIST 1.1 on CT or MRI; mrTRG on MRI after (chemo)radiotherapy for rectal "
                                  "cancer; a clinical response by endoscopy and examination (watch and wait).")
    result = ResultField("Result", validators=[InputRequired(message="Choose the result.")],
                         description="One of the results of the scale chosen.")
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=validators.MAX_NOTES, message=(
        f"Keep this under {validators.MAX_NOTES} characters.")), clean_text(multiline=True)], filters=[_strip])
    confirm_before_diagnosis = BooleanField("The date is right, even though it is before the tumour's diagnosis")

    def __init__(self, *args, tumours=(), assessment=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.tumours = {t["tumour_id"]: t for t in tumours if isinstance(t.get("tumour_id"), str)}
        self.record = assessment
        self.warnings = []
        if assessment is not None:
            # An assessment stays with its tumour: an edit does not offer to move it.
            del self.tumour_id
        else:
            self.tumour_id.choices = [SelectChoice("", "Choose…")] + [
                SelectChoice(tumour_id, labels.record_name("tumour", t)) for tumour_id, t in self.tumours.items()]

    @property
    def tumour(self):
        """The tumour assessed: the record's, or the one chosen."""
        chosen = self.record.get("tumour_id") if self.record is not None else self.tumour_id.data
        return self.tumours.get(chosen) if isinstance(chosen, str) else None

    def validate_tumour_id(self, field):
        if field.data not in self.tumours:
            raise ValidationError("Choose one of this episode's tumours.")

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        problems = responses.problems(value(self.method), value(self.scale), value(self.result))
        for name, message in problems:
            if message not in self[name].errors:
                self[name].errors = list(self[name].errors) + [message]
        warning = responses.before_diagnosis(self.assessment_date.data, (self.tumour or {}).get("diagnosis_date"))
        if warning and not self.confirm_before_diagnosis.data:
            # Not saved until the user says the date is right.
            self.warnings.append(warning)
            self.assessment_date.errors = list(self.assessment_date.errors) + [warning]
            ok = False
        return ok and not problems

    def fields(self):
        out = {name: value(self[name]) for name in PATHS}
        if self.record is None:
            out["tumour_id"] = self.tumour_id.data
        return out

    @classmethod
    def for_record(cls, assessment, tumours=()):
        return for_stored(cls, assessment, PATHS, tumours=tumours, assessment=assessment)

    def with_notes(self, assessment):
        return notes_for(self, assessment, PATHS)
