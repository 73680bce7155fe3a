"""Protocol templates: a named set of treatment-form values (short-course
radiotherapy 25 Gy in 5, CAPOX 8 cycles) a clinician applies to a new
treatment. Templates are data (the `protocol_templates` collection) that
admins add and retire; this says which fields a template may fill, how a
stored template reads whatever it holds, and the defaults a new database
starts with. Pure."""
import re
import unicodedata

from webapp.domain.treatments import canonical_type

# What a protocol decides, by treatment type: the plan, never what happened
# to this patient (dates, outcomes, the provider, a pathway link).
COMMON = ("treatment_intent", "adjunctive_therapy")
PLANNED = {
    "surgery": ("opcs4_primary", "opcs4_other", "surgical_access_type", "admission_type", "ncepod_urgency",
                "stoma"),
    "chemotherapy": ("regimen", "cycles"),
    "radiotherapy": ("total_dose_gy", "fractions", "radiotherapy_course"),
}
MAX_NAME = 100

# A new database starts with these (values as the treatment form takes them);
# a test proves the treatment form accepts every one.
DEFAULTS = (
    {"name": "Short-course radiotherapy 25 Gy in 5 fractions", "treatment_type": "radiotherapy",
     "values": {"treatment_intent": "01", "adjunctive_therapy": "2", "total_dose_gy": "25", "fractions": "5",
                "radiotherapy_course": "short"}},
    {"name": "Long-course chemoradiotherapy 45 Gy in 25 fractions (with capecitabine)",
     "treatment_type": "radiotherapy",
     "values": {"treatment_intent": "01", "adjunctive_therapy": "2", "total_dose_gy": "45", "fractions": "25",
                "radiotherapy_course": "long"}},
    {"name": "Long-course chemoradiotherapy 50.4 Gy in 28 fractions (with capecitabine)",
     "treatment_type": "radiotherapy",
     "values": {"treatment_intent": "01", "adjunctive_therapy": "2", "total_dose_gy": "50.4", "fractions": "28",
                "radiotherapy_course": "long"}},
    {"name": "Capecitabine with long-course radiotherapy", "treatment_type": "chemotherapy",
     "values": {"treatment_intent": "01", "adjunctive_therapy": "2", "regimen": "Capecitabine"}},
    {"name": "CAPOX 8 cycles (adjuvant)", "treatment_type": "chemotherapy",
     "values": {"treatment_intent": "01", "adjunctive_therapy": "1", "regimen": "CAPOX", "cycles": "8"}},
    {"name": "FOLFOX 12 cycles", "treatment_type": "chemotherapy",
     "values": {"treatment_intent": "01", "regimen": "FOLFOX", "cycles": "12"}},
)


def fillable(kind):
    """The fields a template of treatment type `kind` may fill, in form order."""
    return COMMON + PLANNED.get(canonical_type(kind), ())


def slug(name):
    """The key that makes names unique: "CAPOX 8 cycles" and "capox  8
    Cycles" are one template."""
    text = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def form_values(template):
    """A stored template's values as the treatment form takes them (text),
    whatever was stored: numbers as digits, a non-scalar value or a field no
    template may fill left out (the admin page shows it as it is)."""
    values = (template or {}).get("values")
    if not isinstance(values, dict):
        return {}
    allowed = fillable((template or {}).get("treatment_type"))
    out = {}
    for name, raw in values.items():
        if name not in allowed or isinstance(raw, (dict, list, tuple)) or raw is None:
            continue
        if isinstance(raw, bool):
            continue
        out[name] = f"{raw:g}" if isinstance(raw, float) else str(raw)
    return out


def is_active(template):
    """Retired templates say so; anything else (a legacy document without
    the flag) is offered."""
    return (template or {}).get("active") is not False


def offerable(template):
    """Active, of a known type, with a name: what a clinician may apply."""
    name = (template or {}).get("name")
    return is_active(template) and isinstance(name, str) and bool(name.strip()) and bool(
        canonical_type(template.get("treatment_type")))
