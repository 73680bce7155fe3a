"""The treatment form's choice of a protocol template (offered on a new
treatment) and its record of the template applied, kept on the treatment."""
from wtforms import HiddenField


class ProtocolMixin:
    """The treatment form's template choice (offered on a new treatment) and
    its record of the template applied, kept on the treatment."""

    protocol_template = HiddenField()

    def offer_protocols(self, templates, known):
        """`templates`: what may be applied; `known(name)`: whether a
        template of that name exists (a retired one still does)."""
        self.protocol_choices = [(t["slug"], t["name"]) for t in templates if isinstance(t.get("slug"), str)]
        self.protocol_known = known

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        name = self.protocol_template.data
        known = getattr(self, "protocol_known", None)
        if name and (known is None or not known(name)):
            self.form_errors.append("The protocol template applied is not known any more: choose it again.")
            return False
        return ok

