"""The NBOCA export's parameters: version, reporting period, provider."""
from wtforms import SelectField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired

from webapp.export import service, versions
from webapp.forms.period import PeriodForm


class ExportForm(PeriodForm):
    version = SelectField("COSD version", choices=[SelectChoice(v, versions.get(v)["label"]) for v in ("10", "9")],
                          default="10", validators=[DataRequired(message="Choose a COSD version.")])

    def to_request(self):
        return service.Request(self.version.data, self.start.data, self.end.data, self.provider.data)

    def query(self):
        """The parameters as the download URL carries them."""
        out = {"version": self.version.data, "start": self.start.data.isoformat(), "end": self.end.data.isoformat()}
        if self.provider.data:
            out["provider"] = self.provider.data
        return out
