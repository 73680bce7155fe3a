"""Treatment forms: the fields every treatment has, plus one subclass per
type with its own fields (the page shows only the chosen type's section)."""
from wtforms import BooleanField, ValidationError
from wtforms.validators import InputRequired, NumberRange

from webapp.domain import codes, consistency, validators
from webapp.domain.treatments import COMMON_FIELDS, PATHWAY_FIELD, PROTOCOL_FIELD, fields_of, reconciled
from webapp.forms.common import (
    CodeField,
    FiniteDecimalField,
    OdsCodeField,
    VersionedForm,
    YesNoField,
    date,
    for_stored,
    integer,
    notes_for,
    text,
    value,
)
from webapp.forms.pathways import PathwayMixin
from webapp.forms.protocol_choice import ProtocolMixin

SITE_HINT = ("The NBOCA audit needs the ODS code of the site where the treatment started: a treatment without "
             "one leaves its tumour out of the file. Filled in from the episode's provider; change it if the "
             "treatment started elsewhere.")


class TreatmentForm(ProtocolMixin, PathwayMixin, VersionedForm):
    treatment_type = CodeField(
        "Treatment type", codes.TREATMENT_TYPE, validators=[InputRequired(message="Choose one.")]
    )
    treatment_date = date("Treatment date", required=True,
                          description="For a course of chemotherapy or radiotherapy, the day it started.")
    treatment_intent = CodeField(
        "Treatment intent", codes.TREATMENT_INTENT, validators=[InputRequired(message="Choose the intent.")]
    )
    provider_organisation = OdsCodeField("Provider organisation (ODS code)", required=True)
    treatment_site = OdsCodeField("Treatment site (ODS site code)", description=SITE_HINT)
    adjunctive_therapy = CodeField("Adjunctive therapy", codes.ADJUNCTIVE_THERAPY,
                                   description="Adjuvant (after the operation), neo-adjuvant (before it), or neither.")
    confirm_before_referral = BooleanField("The treatment date is right, even though it is before the referral")

    def __init__(self, *args, referral_date=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.referral_date = referral_date
        self.warnings = []

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        warning = validators.treatment_before_referral(self.treatment_date.data, self.referral_date)
        if warning and not self.confirm_before_referral.data:
            # Not saved until the user says the date is right.
            self.warnings.append(warning)
            self.treatment_date.errors = list(self.treatment_date.errors) + [warning]
            ok = False
        return ok

    def fields(self):
        out = {name: value(self[name]) for name in COMMON_FIELDS}
        out["provider_organisation"] = self.provider_organisation.value
        out["treatment_site"] = self.treatment_site.value
        for name in fields_of(out["treatment_type"]):
            out[name] = value(self[name])
        if self.follows_treatment_id.data:
            out[PATHWAY_FIELD] = self.follows_treatment_id.data
        if self.protocol_template.data:
            out[PROTOCOL_FIELD] = self.protocol_template.data
        return out

    def type_fields(self):
        # A legacy type no code means (left blank to choose) shows this form's own fields.
        return [self[name] for name in fields_of(self.treatment_type.data or self.KIND)]

    KIND = None  # the type whose fields the form has

    @classmethod
    def paths(cls):
        return {name: name for name in COMMON_FIELDS + fields_of(cls.KIND) + (PATHWAY_FIELD,)}

    @classmethod
    def for_record(cls, treatment, **kwargs):
        """The form on a stored treatment, read through the fields kept (a
        legacy start date or timing) and the type as the domain reads it
        ("Chemotherapy" is chemotherapy); a legacy form of a code ("Partial
        response", 4) shows as the code it means."""
        return for_stored(cls, reconciled(treatment), cls.paths(), **kwargs)

    def with_notes(self, treatment):
        return notes_for(self, reconciled(treatment), self.paths())


def _dates_in_order(form, field):
    message = validators.end_not_before_start(form.treatment_date.data, field.data)
    if message:
        raise ValidationError(message)


class SurgeryForm(TreatmentForm):
    KIND = "surgery"
    opcs4_primary = text(
        "Primary procedure (OPCS-4)", required=True, max_length=5, description="Four characters, for example H071."
    )
    opcs4_other = text("Other procedures (OPCS-4)", max_length=100, description="Separate codes with commas.")
    surgical_access_type = CodeField("Surgical access type", codes.SURGICAL_ACCESS_TYPE)
    admission_type = CodeField("Admission type", codes.SURGICAL_ADMISSION_TYPE)
    ncepod_urgency = CodeField("NCEPOD urgency", codes.NCEPOD_URGENCY)
    asa_grade = CodeField("ASA grade", codes.ASA_SCORE)
    consultant_surgeon = text("Consultant surgeon", max_length=100)
    anastomosis = YesNoField("Anastomosis formed")
    stoma = CodeField("Stoma", codes.STOMA_TYPE)
    complications = YesNoField("Complications")
    clavien_dindo_grade = CodeField("Clavien-Dindo grade", codes.CLAVIEN_DINDO,
                                    description="Only when there was a complication.")
    anastomotic_leak = YesNoField("Anastomotic leak")
    anastomotic_leak_grade = CodeField("Anastomotic leak grade", codes.ANASTOMOTIC_LEAK_GRADE)
    return_to_theatre = CodeField("Unplanned return to theatre", codes.YES_NO_UNKNOWN)
    length_of_stay_days = integer("Length of stay (days)", 0, 365)
    discharge_date = date("Discharge date")
    discharge_destination = CodeField("Discharge destination", codes.DISCHARGE_DESTINATION)
    readmission_30d = YesNoField("Readmitted within 30 days")

    def validate_opcs4_primary(self, field):
        if field.data and validators.normalise_opcs4(field.data) is None:
            raise ValidationError("An OPCS-4 code is a letter and three digits, for example H071.")

    def validate_opcs4_other(self, field):
        bad = [c for c in _split_codes(field.data) if validators.normalise_opcs4(c) is None]
        if bad:
            raise ValidationError(f"Not OPCS-4 codes: {', '.join(bad[:5])}. Use a letter and three digits, e.g. Y751.")

    def validate_discharge_date(self, field):
        message = validators.end_not_before_start(self.treatment_date.data, field.data)
        if message:
            raise ValidationError("The discharge date must be on or after the operation.")

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        answers = {name: value(self[name]) for name in ("anastomosis", "complications", "clavien_dindo_grade",
                                                        "anastomotic_leak", "anastomotic_leak_grade")}
        return _refuse(self, consistency.surgery(answers)) and ok

    def fields(self):
        out = super().fields()
        out["opcs4_primary"] = validators.normalise_opcs4(self.opcs4_primary.data)
        out["opcs4_other"] = [validators.normalise_opcs4(c) for c in _split_codes(self.opcs4_other.data)]
        return out


def _refuse(form, problems):
    """Mark each contradiction on its field (once); True when there is none."""
    for name, message in problems:
        if message not in form[name].errors:
            form[name].errors = list(form[name].errors) + [message]
    return not problems


def _split_codes(text_value):
    return [c.strip() for c in (text_value or "").replace(";", ",").split(",") if c.strip()]


def response_fields():
    """The tumour's response (RECIST 1.1) and when it was assessed: made at
    the end of each form that has them, so they come last on the page and in
    the error summary."""
    return CodeField("Response (RECIST 1.1)", codes.RECIST_RESPONSE), date("Response assessed on")


class ResponseChecked:
    """The check across the two response fields (an empty optional date
    skips its own validators, so it cannot live on the field)."""

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        problem = validators.response_complete(
            self.response.data, self.response_date.data, self.treatment_date.data
        )
        if problem:
            name, message = problem
            self[name].errors = list(self[name].errors) + [message]
            ok = False
        return ok


class ChemotherapyForm(ResponseChecked, TreatmentForm):
    KIND = "chemotherapy"
    regimen = text("Regimen", required=True, max_length=100, description="For example CAPOX or FOLFOX.")
    cycles = integer("Cycles", 1, 60)
    end_date = date("End date", future=True)
    response, response_date = response_fields()

    def validate_end_date(self, field):
        _dates_in_order(self, field)


class RadiotherapyForm(ResponseChecked, TreatmentForm):
    KIND = "radiotherapy"
    total_dose_gy = FiniteDecimalField(
        "Total dose (Gy)",
        places=1,
        validators=[
            InputRequired(message="Enter the total dose in Gy."),
            NumberRange(min=0.5, max=120, message="Enter a dose from 0.5 to 120 Gy."),
        ],
    )
    fractions = integer("Fractions", 1, 60)
    end_date = date("End date", future=True)
    radiotherapy_course = CodeField("Course", codes.RADIOTHERAPY_COURSE)
    response, response_date = response_fields()

    def validate_end_date(self, field):
        _dates_in_order(self, field)

    def fields(self):
        out = super().fields()
        out["total_dose_gy"] = float(out["total_dose_gy"])
        return out


FORMS = {"surgery": SurgeryForm, "chemotherapy": ChemotherapyForm, "radiotherapy": RadiotherapyForm}


def form_class(kind):
    """The form for a treatment type (the common one for types without their own fields)."""
    return FORMS.get(kind, TreatmentForm)
