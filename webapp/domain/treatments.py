"""Treatment types: the one place that says which type a stored value
means, and which fields belong to which type (the form shows only these,
the store removes the others when a treatment's type changes)."""
from webapp.domain import codes, validators

TYPE_FIELDS = {
    "surgery": ("opcs4_primary", "opcs4_other", "surgical_access_type", "admission_type", "ncepod_urgency",
                "asa_grade", "consultant_surgeon", "anastomosis", "stoma", "complications",
                "clavien_dindo_grade", "anastomotic_leak", "anastomotic_leak_grade", "return_to_theatre",
                "length_of_stay_days", "discharge_date", "discharge_destination", "readmission_30d"),
    "chemotherapy": ("regimen", "cycles", "end_date", "response", "response_date"),
    "radiotherapy": ("total_dose_gy", "fractions", "end_date", "radiotherapy_course", "response", "response_date"),
}
# Fields that said the same as another and are no longer asked: a start date
# beside the treatment date (which is the day a course starts), chemotherapy
# timing beside adjunctive therapy (CR6540, what the audit reads). A record
# holding one is read through the field kept (`reconciled`), and loses it
# when next saved.
RETIRED = {"start_date": "treatment_date", "chemo_timing": "adjunctive_therapy"}
TIMING_AS_ADJUNCTIVE = {"adjuvant": "1", "neoadjuvant": "2", "palliative": "3"}
ALL_TYPE_FIELDS = tuple(sorted({f for fields in TYPE_FIELDS.values() for f in fields} | set(RETIRED)))
COMMON_FIELDS = ("treatment_type", "treatment_date", "treatment_intent", "provider_organisation",
                 "treatment_site", "adjunctive_therapy")
# The treatment a treatment follows or belongs with (domain/pathways.py):
# stored only when there is one.
PATHWAY_FIELD = "follows_treatment_id"
# The name of the protocol template applied on the form (domain/protocols.py),
# kept for audit; stored only when one was.
PROTOCOL_FIELD = "protocol_template"


def canonical_type(value):
    """The code in codes.TREATMENT_TYPE a stored treatment type means, however
    it was written ("chemotherapy", "Chemotherapy", " SURGERY ", the label
    "Endoscopic treatment"), or None when it means none of them. Every reader
    of a stored treatment_type goes through this."""
    return codes.find(codes.TREATMENT_TYPE, value)


def type_of(treatment):
    """The canonical type of a treatment document (None: not a known type)."""
    return canonical_type((treatment or {}).get("treatment_type"))


def type_label(value, default="—"):
    """What a stored treatment type means, for display: the label of the type
    it means, else the stored value as it is."""
    return codes.label(codes.TREATMENT_TYPE, canonical_type(value) or value, default=default)


def fields_of(kind):
    return TYPE_FIELDS.get(canonical_type(kind), ())


def reconciled(treatment):
    """A copy of a stored treatment read through the fields kept: its
    treatment date from a legacy start date, its adjunctive therapy from a
    legacy chemotherapy timing, when the kept field is empty."""
    out = dict(treatment or {})
    if out.get("treatment_date") in (None, "") and out.get("start_date") not in (None, ""):
        out["treatment_date"] = out["start_date"]
    if out.get("adjunctive_therapy") in (None, "") and out.get("chemo_timing") not in (None, ""):
        timing = codes.find(codes.CHEMO_TIMING, out["chemo_timing"])
        out["adjunctive_therapy"] = TIMING_AS_ADJUNCTIVE.get(timing, out["chemo_timing"])
    return out


def default_site(episode):
    """Where a new treatment is taken to start: the episode's provider, when
    it holds an ODS code (the audit needs a site for every treatment)."""
    return validators.normalise_ods(episode.get("provider_organisation")) if isinstance(
        episode.get("provider_organisation"), str) else None


# How a non-surgical treatment is marked against the operation: adjunctive
# therapy (CR6540), and chemotherapy's older timing field.
_ADJUNCTIVE_ROLE = {"1": "adjuvant", "2": "neo-adjuvant"}
_TIMING_ROLE = {"adjuvant": "adjuvant", "neoadjuvant": "neo-adjuvant"}


def markings(treatment):
    """("adjuvant" / "neo-adjuvant" / None by adjunctive therapy, the same by timing)."""
    return (_ADJUNCTIVE_ROLE.get(codes.find(codes.ADJUNCTIVE_THERAPY, treatment.get("adjunctive_therapy"))),
            _TIMING_ROLE.get(codes.find(codes.CHEMO_TIMING, treatment.get("chemo_timing"))))
