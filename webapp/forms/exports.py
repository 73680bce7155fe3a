"""The NBOCA export's parameters: version, reporting period, provider."""
from wtforms import SelectField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired

from webapp.export import service, versions
from webapp.forms.period import PeriodForm


class ExportForm(PeriodForm):
    version = SelectField(
        "COSD version",
        choices=[SelectChoice(v, versions.get(v)["label"]) for v in reversed(versions.VERSIONS)],
        default="10",
        validators=[DataRequired(message="Choose a COSD version.")],
    )

    def to_request(self):
        return service.Request(self.version.data, self.start.data, self.end.data, self.provider.value)

    def query(self, **override):
        """The parameters as the download URL carries them (`override`: the
        same check for, say, another version)."""
        return {k: v for k, v in {**self.to_request().describe(), **override}.items() if v}
