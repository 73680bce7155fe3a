"""Protocol templates on forms: the admin's form to add one (its values
typed into the treatment form's own fields, and checked by that form, so a
template can never fill a value the treatment form would refuse), and how
a stored template reads. The treatment form's own choice of a template is
forms/protocol_choice.py."""

from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from webapp.domain import codes, stored, validators
from webapp.domain import protocols as rules
from webapp.domain.treatments import canonical_type
from webapp.forms.common import CodeField, text
from webapp.forms.treatments import form_class

PREFIX = "fill"
DEFAULT_TYPE = "chemotherapy"
# What a treatment form needs besides a template's values to be checked:
# only the template's own fields' errors are read.
_PLACEHOLDERS = {"provider_organisation": "RX1", "treatment_intent": "01"}


def _treatment_form(kind, **kwargs):
    return form_class(kind)(meta={"csrf": False}, **kwargs)


def problems(kind, values):
    """{field: message} for the values a template of type `kind` would
    fill: a field that is not a fillable field of that type's form, or a
    value that form refuses. Empty when the form would take them all."""
    allowed = rules.fillable(kind)
    found = {name: "Not a field a template of this type may fill." for name in values if name not in allowed}
    checked = {k: v for k, v in values.items() if k in allowed}
    if not checked:
        return found
    data = {**_PLACEHOLDERS, "treatment_date": validators.today().isoformat(), "treatment_type": kind, **checked}
    form = _treatment_form(kind, formdata=MultiDict(data))
    form.validate()
    for name in checked:
        if form[name].errors:
            found[name] = form[name].errors[0]
    return found


class ProtocolForm(FlaskForm):
    name = text("Name", required=True, max_length=rules.MAX_NAME,
                description="As clinicians will see it, for example “CAPOX 8 cycles (adjuvant)”.")
    treatment_type = CodeField("Treatment type", codes.TREATMENT_TYPE, blank=None, default=DEFAULT_TYPE)

    def kind(self):
        """The type chosen; a value no code means shows the default type's
        fields (and is refused by the field when posted)."""
        chosen = self.treatment_type.data
        return chosen if chosen in codes.TREATMENT_TYPE else DEFAULT_TYPE

    def value_form(self, formdata=None):
        """The chosen type's treatment form, prefixed, for its fillable
        fields to be typed into (`value_fields`)."""
        form = _treatment_form(self.kind(), formdata=formdata, prefix=PREFIX)
        self.values_form = form
        return form

    def value_fields(self):
        return [self.values_form[name] for name in rules.fillable(self.kind())]

    def values(self):
        """What the admin typed, by field name: blanks left out."""
        out = {}
        for field in self.value_fields():
            raw = (field.raw_data or [""])[0] if field.raw_data else ""
            if isinstance(raw, str) and raw.strip():
                out[field.short_name] = raw.strip()
        return out

    def check_values(self):
        """The treatment form's verdict on the values, on the fields typed in."""
        values = self.values()
        found = problems(self.kind(), values)
        for name, message in found.items():
            self.values_form[name].errors = [message]
        if not values:
            self.form_errors.append("Fill in at least one field for the template to fill.")
        return values if not found and values else None


def described(template):
    """[(label, value as it reads)] of a stored template's values, whatever
    it holds: labels and code meanings from the treatment form of its type,
    a field no template may fill or an odd value shown as stored."""
    values = (template or {}).get("values")
    if not isinstance(values, dict):
        return [("Values", stored.describe(values) or "none")]
    # The type as stored may be a legacy spelling or not text at all.
    form = _treatment_form(canonical_type(template.get("treatment_type")) or "", formdata=None)
    out = []
    for name, raw in values.items():
        field = form[name] if name in form else None
        label = field.label.text if field is not None else name
        shown = stored.describe(raw) or "blank"
        if isinstance(field, CodeField):
            shown = stored.show_code(field.code_list, raw)
        if name not in rules.fillable(template.get("treatment_type")):
            shown += " (not used: a template of this type cannot fill it)"
        out.append((label, shown))
    return out
