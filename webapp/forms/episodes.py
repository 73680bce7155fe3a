"""The episode form: what a colorectal MDT records about one pathway."""
from wtforms import ValidationError

from webapp.domain import codes, validators
from webapp.forms.common import CodeField, OdsCodeField, VersionedForm, date, for_stored, notes_for, text, value

DATE_FIELDS = ("referral_date", "first_seen_date", "mdt_date")
FIELDS = ("referral_date", "referral_source", "first_seen_date", "mdt_date", "mdt_outcome", "care_plan_intent",
          "lead_clinician", "provider_organisation", "performance_status", "status")
PATHS = {name: name for name in FIELDS}


class EpisodeForm(VersionedForm):
    referral_date = date("Referral date", required=True)
    referral_source = CodeField("Source of referral", codes.REFERRAL_SOURCE)
    first_seen_date = date("First seen")
    mdt_date = date("MDT meeting date")
    mdt_outcome = CodeField("MDT outcome", codes.MDT_OUTCOME)
    care_plan_intent = CodeField("Care plan intent", codes.CARE_PLAN_INTENT)
    lead_clinician = text("Lead clinician", max_length=100)
    provider_organisation = OdsCodeField("Provider organisation (ODS code)")
    performance_status = CodeField("Performance status (WHO)", codes.PERFORMANCE_STATUS)
    status = CodeField("Status", codes.EPISODE_STATUS, blank=None)

    def validate_first_seen_date(self, field):
        message = validators.not_before(field.data, self.referral_date.data, "referral date")
        if message:
            raise ValidationError(message)

    def validate_mdt_date(self, field):
        message = validators.not_before(field.data, self.referral_date.data, "referral date")
        if message:
            raise ValidationError(message)

    def fields(self):
        out = {name: value(getattr(self, name)) for name in
               ("referral_date", "referral_source", "first_seen_date", "mdt_date", "mdt_outcome",
                "care_plan_intent", "lead_clinician", "performance_status", "status")}
        out["provider_organisation"] = self.provider_organisation.value
        out["status"] = out["status"] or "open"
        return out

    @classmethod
    def for_record(cls, episode):
        return for_stored(cls, episode, PATHS)

    def with_notes(self, episode):
        return notes_for(self, episode, PATHS)
