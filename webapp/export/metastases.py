"""M category and the metastatic items (CR6960 type, CR6970 site) from the
metastasis tumours recorded in the primary's episode. Pure: documents in,
values out.

A record whose episode holds a metastasis cannot say M0 (or MX: "cannot be
assessed" while one is recorded): it is listed as contradictory and left
out, for staff to correct one or the other. Where M is not recorded it is
derived, as TNM 8 defines it for colorectal cancer (M1c: peritoneum; M1b:
more than one organ; M1a: one organ), and the derivation is listed with the
record's other changes. A recorded M1a/b/c is kept as it is."""
from webapp.domain import validators

DISTANT = "03"
UNKNOWN_SITE = "07"
OTHER_SITE = "98"
_PERITONEAL_WORDS = ("peritone", "omentum", "omental")
_PERITONEAL_ICD10 = ("C786",)
# The first word found wins: "bone marrow" before "bone".
_SITE_WORDS = (
    ("marrow", "11"), ("liver", "03"), ("hepatic", "03"), ("lung", "04"), ("pulmonary", "04"),
    ("brain", "02"), ("cerebr", "02"), ("bone", "10"), ("skin", "08"), ("lymph", "09"), ("nodal", "09"),
)
# ICD-10 secondary malignant neoplasm codes, where a metastasis is coded by where it is.
_SECONDARY_ICD10 = (("C780", "04"), ("C787", "03"), ("C793", "02"), ("C795", "10"), ("C792", "08"), ("C77", "09"))

M_ITEMS = (
    ("MCategoryFinalPretreatment", "TCategoryFinalPretreatment", "NCategoryFinalPretreatment",
     "M category (pre-treatment) (CR0560)"),
    ("MCategoryIntegratedStage", "TCategoryIntegratedStage", "NCategoryIntegratedStage",
     "M category (integrated) (CR0640)"),
)


def _text(value):
    return value.strip().lower() if isinstance(value, str) else ""


def _icd10(tumour):
    value = tumour.get("icd10_code")
    return value.replace(".", "").strip().upper() if isinstance(value, str) else ""


def site_code(tumour):
    """The CR6970 code for where a metastasis tumour is."""
    text = _text(tumour.get("site"))
    for word, code in _SITE_WORDS:
        if word in text:
            return code
    icd10 = _icd10(tumour)
    for prefix, code in _SECONDARY_ICD10:
        if icd10.startswith(prefix):
            return code
    return OTHER_SITE if text or is_peritoneal(tumour) else UNKNOWN_SITE


def is_peritoneal(tumour):
    text = _text(tumour.get("site"))
    return any(w in text for w in _PERITONEAL_WORDS) or _icd10(tumour).startswith(_PERITONEAL_ICD10)


def m_category(metastases):
    """TNM 8 M for these metastases: 1c peritoneum, 1b more than one organ, 1a one."""
    if any(is_peritoneal(t) for t in metastases):
        return "1c"
    organs = {site_code(t) if site_code(t) not in (OTHER_SITE, UNKNOWN_SITE) else _text(t.get("site")) or "?"
              for t in metastases}
    return "1b" if len(organs) > 1 else "1a"


def describe(tumour):
    when = tumour.get("diagnosis_date")
    if hasattr(when, "strftime"):
        shown = when.strftime(validators.DAY)
    else:
        shown = "date not recorded" if when in (None, "") else f"date stored as '{when}'"
    site = tumour.get("site") if isinstance(tumour.get("site"), str) and tumour.get("site").strip() else None
    return f"{tumour.get('tumour_id', '?')} ({site or 'site not recorded'}, {shown})"


def site_items(metastases):
    """MetastaticTypeAndSiteDiagnosis entries, one per distinct site, in code order."""
    sites = sorted({site_code(t) for t in metastases})
    return [{"MetastaticType": DISTANT, "MetastaticSite": code} for code in sites]


def reconcile(staging, metastases):
    """(problems, changes) for a record's staging values (changed in place)
    given the episode's metastases."""
    if not metastases or not staging:
        return [], []
    problems, changes = [], []
    which = "; ".join(describe(t) for t in metastases)
    derived = m_category(metastases)
    for m_key, t_key, n_key, label in M_ITEMS:
        recorded = staging.get(m_key)
        if recorded in ("0", "X"):
            problems.append(f"{label} is M{recorded} but the episode records a metastasis ({which}): "
                            "correct the M category or the metastasis")
        elif recorded is None and (staging.get(t_key) or staging.get(n_key)):
            staging[m_key] = derived
            changes.append({"field": label, "before": None, "after": derived,
                            "change": f"derived from the metastases recorded in the episode ({which})"})
    return problems, changes

