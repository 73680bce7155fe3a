"""The patient form: demographics with NHS number, date of birth, sex and
postcode checks."""

from wtforms import StringField
from wtforms.validators import InputRequired, Length, ValidationError

from webapp.domain import codes, nhs_number, validators
from webapp.forms.common import CodeField, VersionedForm, clean_text, date, for_stored, text, value

STORED = ("mrn", "first_name", "last_name", "date_of_birth", "date_of_death", "date_of_death_source", "sex",
          "ethnic_category", "nhs_number_status",
          "postcode")


class PatientForm(VersionedForm):
    mrn = StringField("Hospital number (MRN)", validators=[
        InputRequired(message="Enter the hospital number."), Length(max=20, message="Keep this under 20 characters."),
        clean_text()])
    nhs_number = StringField("NHS number", validators=[Length(max=20, message="An NHS number has 10 digits."),
                                                       clean_text()],
                             description="10 digits; spaces are fine. Leave blank if not yet traced.")
    nhs_number_status = CodeField("NHS number status", codes.NHS_NUMBER_STATUS)
    first_name = text("First name", required=True, max_length=100)
    last_name = text("Last name", required=True, max_length=100)
    date_of_birth = date("Date of birth", required=True)
    sex = CodeField("Sex (stated gender)", codes.STATED_GENDER, validators=[InputRequired(message="Choose one.")])
    ethnic_category = CodeField("Ethnic category", codes.ETHNIC_CATEGORY)
    postcode = text("Postcode", max_length=10)
    date_of_death = date("Date of death")
    date_of_death_source = CodeField("Source of the date of death", codes.DEATH_SOURCE)

    def validate_mrn(self, field):
        if field.data and not validators.normalise_mrn(field.data):
            raise ValidationError("A hospital number is 3 to 20 letters and digits, for example MRN0012345.")

    def validate_nhs_number(self, field):
        raw = (field.data or "").strip()
        if not raw:
            return
        if nhs_number.normalise(raw) is None:
            raise ValidationError("An NHS number is 10 digits, for example 999 000 0018.")
        if not nhs_number.is_valid(raw):
            raise ValidationError("This is not a valid NHS number: its check digit does not match. Check each digit.")

    def validate_postcode(self, field):
        if field.data and validators.normalise_postcode(field.data) is None:
            raise ValidationError("Enter a UK postcode, for example NG7 2UH.")

    def validate_date_of_death(self, field):
        message = validators.not_before(field.data, self.date_of_birth.data, "date of birth")
        if message:
            raise ValidationError(message)

    def validate_date_of_death_source(self, field):
        if self.date_of_death.data and not field.data:
            raise ValidationError("Say where the date of death came from.")

    def fields(self):
        """The patient's fields as stored."""
        out = {name: value(getattr(self, name)) for name in
               ("first_name", "last_name", "date_of_birth", "sex", "ethnic_category", "nhs_number_status",
                "date_of_death", "date_of_death_source")}
        out["mrn"] = validators.normalise_mrn(self.mrn.data)
        out["nhs_number"] = nhs_number.normalise(self.nhs_number.data) if (self.nhs_number.data or "").strip() else None
        out["postcode"] = validators.normalise_postcode(self.postcode.data) if self.postcode.data else None
        if out["nhs_number"] and not out["nhs_number_status"]:
            out["nhs_number_status"] = "01"
        return out

    @classmethod
    def for_record(cls, patient):
        # Whatever is stored shows: a number that is not one is refused on save.
        stored_number = patient.get("nhs_number")
        shown = nhs_number.format_spaced(stored_number) if nhs_number.normalise(stored_number) else stored_number
        return for_stored(cls, patient, {name: name for name in STORED},
                          extra={"nhs_number": shown if isinstance(shown, str) else ""})
