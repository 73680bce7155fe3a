"""What tumours and treatments are, as records under an episode: their kinds,
id field, id format and prefix, and the tumour's fields (the treatment's are
in `treatments`). The store, the migration, the demo data and the forms all
read these."""
import uuid

KINDS = ("treatments", "tumours")
ID_FIELD = {"treatments": "treatment_id", "tumours": "tumour_id"}
ID_PREFIX = {"treatments": "TRT", "tumours": "TUM"}

# Tumour fields: the top level, and the staging and pathology sub-documents.
TUMOUR_FIELDS = ("tumour_type", "site", "icd10_code", "snomed_morphology_code", "tnm_staging", "pathology",
                 "diagnosis_date")
TNM_STAGES = ("clinical", "pathological")
TNM_PARTS = ("prefix", "t", "n", "m")
PATHOLOGY_FIELDS = ("grade", "lymph_nodes_examined", "lymph_nodes_positive", "crm_status", "crm_distance_mm",
                    "emvi", "regression_grade")
PATHOLOGY_NUMBERS = ("lymph_nodes_examined", "lymph_nodes_positive", "crm_distance_mm")

# Response assessments of a tumour over time (their own collection, each
# linked to its tumour, episode and patient): not a KIND, since no legacy
# episode ever held them embedded, but named and numbered the same way.
RESPONSES = "response_assessments"
ID_FIELD[RESPONSES] = "assessment_id"
ID_PREFIX[RESPONSES] = "RSP"
RESPONSE_FIELDS = ("assessment_date", "method", "scale", "result", "notes")


def new_id(kind, source=None):
    """`TRT-`/`TUM-` and 12 upper-case hex digits: random, or from `source`
    (a random.Random, so demo data are the same for the same seed)."""
    bits = uuid.uuid4() if source is None else uuid.UUID(int=source.getrandbits(128), version=4)
    return f"{ID_PREFIX[kind]}-{bits.hex[:12].upper()}"
