"""Field types and validators the clinical forms share: code lists as
choices (from domain/codes.py only), real dates, bounded clean text."""
from datetime import datetime
from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, HiddenField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, StopValidation, ValidationError

from webapp.domain import stored, validators


class CodeField(SelectField):
    """A choice from one code list; anything else is refused in plain words."""

    def __init__(self, label, code_list, blank="Choose…", **kwargs):
        choices = ([SelectChoice("", blank)] if blank is not None else []) + [
            SelectChoice(k, v) for k, v in code_list.items()]
        super().__init__(label, choices=choices, **kwargs)
        self.code_list = code_list

    def pre_validate(self, form):
        if self.data not in ("", None) and self.data not in self.code_list:
            raise StopValidation(f"“{str(self.data)[:40]}” is not one of the listed options: choose one from the list.")

    @property
    def value(self):
        return self.data or None


class RealDateField(DateField):
    """An <input type=date>: impossible dates (31 April) get a message that
    says what is wanted."""

    def __init__(self, label, **kwargs):
        kwargs.setdefault("format", "%Y-%m-%d")
        super().__init__(label, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = datetime.strptime(valuelist[0].strip(), "%Y-%m-%d").date()
        except ValueError:
            self.data = None
            raise ValueError("Enter a real date as year-month-day, for example 2024-03-15.") from None

    @property
    def value(self):
        """As stored: a BSON date (datetime at midnight)."""
        return datetime(self.data.year, self.data.month, self.data.day) if self.data else None


def text(label, required=False, max_length=validators.MAX_TEXT, multiline=False, **kwargs):
    checks = [InputRequired(message="Fill this in.") if required else Optional(),
              Length(max=max_length, message=f"Keep this under {max_length} characters."),
              clean_text(multiline)]
    return StringField(label, validators=checks, filters=[_strip], **kwargs)


class OdsCodeField(StringField):
    """An ODS organisation or site code, stored upper-case as `normalise_ods`
    gives it; every form that takes one says the same thing about a bad one."""

    def __init__(self, label, required=False, **kwargs):
        checks = [InputRequired(message="Enter the ODS code.") if required else Optional()]
        super().__init__(label, validators=checks, filters=[_strip], **kwargs)

    def pre_validate(self, form):
        if self.data and validators.normalise_ods(self.data) is None:
            raise StopValidation(validators.ODS_MESSAGE)

    @property
    def value(self):
        return validators.normalise_ods(self.data) if self.data else None


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def clean_text(multiline=False):
    def check(form, field):
        message = validators.control_characters(field.data, multiline)
        if message:
            raise ValidationError(message)
    return check


def not_future(form, field):
    message = validators.not_in_future(field.data, validators.today())
    if message:
        raise ValidationError(message)


def date(label, required=False, future=False, **kwargs):
    checks = [InputRequired(message="Enter the date.") if required else Optional()]
    if not future:
        checks.append(not_future)
    return RealDateField(label, validators=checks, **kwargs)


class WholeNumberField(IntegerField):
    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = int(valuelist[0].strip())
        except ValueError:
            self.data = None
            raise ValueError("Enter a whole number, in digits.") from None


class FiniteDecimalField(DecimalField):
    """A decimal that is a number: WTForms takes "sNaN", "NaN" and "Infinity"
    as Decimals, and comparing sNaN with a bound raises (a 500). Every
    decimal field of ours is this one."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not self.data.is_finite():
            self.data = None
            raise ValueError("Enter a number, in digits.")


def integer(label, minimum=0, maximum=None, required=False, **kwargs):
    checks = [InputRequired(message="Enter a whole number.") if required else Optional(),
              NumberRange(min=minimum, max=maximum,
                          message=f"Enter a whole number from {minimum} to {maximum}." if maximum is not None
                          else f"Enter a whole number of at least {minimum}.")]
    return WholeNumberField(label, validators=checks, **kwargs)


class VersionedForm(FlaskForm):
    """An edit carries the version it started from, so a save over someone
    else's newer save is refused (409) instead of overwriting it."""

    version = HiddenField(default="1")

    def version_number(self):
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return 0


class YesNoField(SelectField):
    """Yes / no / not known, stored as True / False / None: an unticked box
    cannot say "not recorded", so it is never a checkbox."""

    ANSWERS = {"yes": True, "no": False}

    def __init__(self, label, **kwargs):
        super().__init__(label, choices=[SelectChoice("", "Not known"), SelectChoice("yes", "Yes"),
                                         SelectChoice("no", "No")], **kwargs)

    def process_data(self, value):
        answer, _ = stored.yes_no(value)
        self.data = {True: "yes", False: "no"}.get(answer, "")

    def pre_validate(self, form):
        if self.data not in ("", None, *self.ANSWERS):
            raise StopValidation("Choose yes, no or not known.")

    @property
    def value(self):
        return self.ANSWERS.get(self.data)


def value(field):
    """What to store for a field: None for blank, dates as BSON dates."""
    if isinstance(field, (CodeField, RealDateField, OdsCodeField, YesNoField)):
        return field.value
    data = field.data
    if isinstance(data, str):
        return data or None
    return data


# --- a form opened on whatever the database holds -----------------------------

def _read(field, value):
    """(form data, note) for a stored value: the value the field can show,
    and what to say when it cannot use it as it is."""
    if stored.is_blank(value):
        return None, None
    if isinstance(field, RealDateField):
        if stored.day(value):
            return stored.day(value), None
        guess = stored.iso_day(value)
        if guess:
            return guess, f"{stored.quoted(value)} is stored as text, not a date: check the date and save it"
        return None, stored.date_note(value)
    if isinstance(field, YesNoField):
        answer, understood = stored.yes_no(value)
        return answer, None if understood else f"legacy value {stored.quoted(value)}: choose yes, no or not known"
    if isinstance(field, CodeField):
        code = stored.find_code(field.code_list, value)
        return (code, None) if code is not None else (None, stored.code_note(value))
    if isinstance(field, IntegerField) and not isinstance(field, DecimalField):
        number = validators.whole_number(value)
        return (number, None) if number is not None else (None, stored.value_note(value, "a whole number"))
    if isinstance(field, DecimalField):
        return _decimal(value)
    if isinstance(value, str):
        return value, None
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return ", ".join(value), None
    return stored.describe(value), f"stored as {stored.quoted(value)}: check it"


def _decimal(value):
    try:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise InvalidOperation
        return Decimal(str(value).strip()), None
    except (InvalidOperation, ValueError):
        return None, stored.value_note(value, "a number")


def stored_data(form, record, paths):
    """(data, notes) for `form`'s fields from `record`; paths maps a field
    name to its path in the stored document. A legacy value kept aside
    (`legacy_values`) is named in the note of its field."""
    kept = stored.legacy_values(record)
    data, notes = {}, {}
    for name, path in paths.items():
        data[name], note = _read(form[name], stored.at(record, path))
        if data[name] is None and path in kept:
            note = (stored.code_note(kept[path]) if isinstance(form[name], (CodeField, YesNoField))
                    else f"legacy value {stored.quoted(kept[path])}: enter a valid value")
        if note:
            notes[name] = note
    return data, notes


def attach_notes(form, notes):
    for name, note in notes.items():
        form[name].legacy_note = note
    return form


def for_stored(cls, record, paths, extra=None, **kwargs):
    """A form opened on a stored record, whatever it holds: what the form can
    use, pre-filled; beside each field it cannot, the stored value and what
    to enter instead."""
    data, notes = stored_data(cls(formdata=None, **kwargs), record, paths)
    data.update(extra or {})
    data["version"] = str((record or {}).get("version", 1))
    return attach_notes(cls(data=data, **kwargs), notes)


def notes_for(form, record, paths):
    """The same notes on a form re-shown after a post, so they stay."""
    return attach_notes(form, stored_data(form, record, paths)[1]) if record else form
