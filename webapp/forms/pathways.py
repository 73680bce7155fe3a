"""The treatment form's pathway link: which of the patient's treatments this
one follows or belongs with. The choices and the lookup of the treatment
named come from the view (the store reads them); whether the link makes
sense is the domain's rule (domain/pathways.py), its messages put on the
field they are about."""
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from webapp.domain import pathways
from webapp.domain.treatments import type_label
from webapp.domain.validators import DAY, as_date

NONE = ""


def choice_label(treatment):
    when = as_date(treatment.get("treatment_date"))
    day = f"{when:{DAY}}" if hasattr(when, "strftime") else "undated"
    return f"{day}: {type_label(treatment.get('treatment_type'))} ({treatment.get('treatment_id')})"


class PathwayMixin:
    # Not limited to the choices: a posted id is checked by the domain rule,
    # which says why it cannot be linked (another patient's, a circle...).
    follows_treatment_id = SelectField(
        "Follows or belongs with", choices=[SelectChoice(NONE, "None: not part of a pathway")], validate_choice=False,
        description="Neo-adjuvant treatment: the operation it comes before. Adjuvant treatment, a return to "
                    "theatre or a stoma reversal: the operation it follows.")

    def offer_pathway(self, own, candidates, lookup):
        """`own`: the stored treatment (None when new) with its patient_id;
        `candidates`: the patient's other treatments; `lookup(id)` gives
        (stored treatment or None, ids reached from it by links)."""
        self.pathway_own = own or {}
        self.pathway_lookup = lookup
        self.follows_treatment_id.choices = [SelectChoice(NONE, "None: not part of a pathway")] + [
            SelectChoice(t["treatment_id"], choice_label(t)) for t in candidates
            if t.get("treatment_id") and t.get("treatment_id") != self.pathway_own.get("treatment_id")]

    def validate(self, extra_validators=None):
        # After the other fields: the rule reads the date and the markings,
        # and a message about the date goes on the date.
        ok = super().validate(extra_validators)
        field = self.follows_treatment_id
        if not field.data or not getattr(self, "pathway_lookup", None):
            return ok
        linked, chain = self.pathway_lookup(field.data)
        mine = {**self.pathway_own, "treatment_date": self.treatment_date.data,
                "treatment_type": self.treatment_type.data, "adjunctive_therapy": self.adjunctive_therapy.data,
                "chemo_timing": self.chemo_timing.data if "chemo_timing" in self else None}
        found = pathways.problems(mine, linked, chain)
        for name, message in found.items():
            self[name].errors = list(self[name].errors) + [message]
        return ok and not found
