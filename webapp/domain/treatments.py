"""Which fields belong to which treatment type: the form shows only these,
the store removes the others when a treatment's type changes."""

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


def fields_of(kind):
    return TYPE_FIELDS.get(kind, ())
