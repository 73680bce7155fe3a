"""Treatment types: the one place that says which type a stored value
means, and which fields belong to which type (the form shows only these,
the store removes the others when a treatment's type changes)."""
from webapp.domain import codes

TYPE_FIELDS = {
    "surgery": ("opcs4_primary", "opcs4_other", "surgical_access_type", "admission_type", "ncepod_urgency",
                "asa_grade", "consultant_surgeon", "anastomosis", "stoma", "complications",
                "clavien_dindo_grade", "anastomotic_leak", "anastomotic_leak_grade", "return_to_theatre",
                "length_of_stay_days", "discharge_date", "discharge_destination", "readmission_30d"),
    "chemotherapy": ("regimen", "cycles", "start_date", "end_date", "chemo_timing", "response", "response_date"),
    "radiotherapy": ("total_dose_gy", "fractions", "start_date", "end_date", "radiotherapy_course", "response",
                     "response_date"),
}
ALL_TYPE_FIELDS = tuple(sorted({f for fields in TYPE_FIELDS.values() for f in fields}))
COMMON_FIELDS = ("treatment_type", "treatment_date", "treatment_intent", "provider_organisation",
                 "treatment_site", "adjunctive_therapy")
# The treatment a treatment follows or belongs with (domain/pathways.py):
# stored only when there is one.
PATHWAY_FIELD = "follows_treatment_id"


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
