"""What people call each stored field, and how its value reads: history
panels and conflict messages say "Discharge date: 19 May 2025", not
"end_date: 2025-05-19 00:00:00". Also the name of one record in words
("Surgery on 1 May 2024"). Pure."""
from webapp.domain import codes, records, stored
from webapp.domain import treatments as treatment_types
from webapp.domain.treatments import type_label

DATE, YES_NO = "date", "yes_no"

# path -> (label, how its value reads: a code list, DATE, YES_NO or None for text)
FIELDS = {
    # patients
    "mrn": ("Hospital number", None), "nhs_number": ("NHS number", None),
    "nhs_number_status": ("NHS number status", codes.NHS_NUMBER_STATUS), "first_name": ("First name", None),
    "last_name": ("Last name", None), "date_of_birth": ("Date of birth", DATE),
    "date_of_death": ("Date of death", DATE), "sex": ("Sex", codes.STATED_GENDER),
    "ethnic_category": ("Ethnic category", codes.ETHNIC_CATEGORY), "postcode": ("Postcode", None),
    # episodes
    "referral_date": ("Referral date", DATE), "referral_source": ("Source of referral", codes.REFERRAL_SOURCE),
    "first_seen_date": ("First seen", DATE), "mdt_date": ("MDT meeting date", DATE),
    "mdt_outcome": ("MDT outcome", codes.MDT_OUTCOME), "care_plan_intent": ("Care plan intent",
                                                                            codes.CARE_PLAN_INTENT),
    "lead_clinician": ("Lead clinician", None), "provider_organisation": ("Provider organisation", None),
    "performance_status": ("Performance status", codes.PERFORMANCE_STATUS),
    "status": ("Status", codes.EPISODE_STATUS), "patient_id": ("Patient (hospital number)", None),
    "episode_type": ("Episode type", None),
    # tumours
    "tumour_type": ("Tumour type", codes.TUMOUR_TYPE), "site": ("Site", None),
    "icd10_code": ("Primary site (ICD-10)", None), "snomed_morphology_code": ("Morphology",
                                                                            codes.SNOMED_MORPHOLOGY),
    "diagnosis_date": ("Diagnosis date", DATE), "tnm_staging.tnm_version": ("TNM version", codes.TNM_VERSION),
    **{f"tnm_staging.{stage}.{part}": (f"{stage.capitalize()} {label}", code_list)
       for stage in ("clinical", "pathological")
       for part, label, code_list in (("prefix", "prefix", codes.TNM_PREFIX), ("t", "T", codes.T_CATEGORY),
                                      ("n", "N", codes.N_CATEGORY), ("m", "M", codes.M_CATEGORY))},
    "pathology.grade": ("Grade", codes.GRADE), "pathology.lymph_nodes_examined": ("Lymph nodes examined", None),
    "pathology.lymph_nodes_positive": ("Lymph nodes positive", None),
    "pathology.crm_status": ("CRM status", codes.CRM_STATUS), "pathology.crm_distance_mm": ("CRM distance (mm)",
                                                                                            None),
    "pathology.emvi": ("EMVI", codes.EMVI),
    # treatments
    "treatment_type": ("Treatment type", codes.TREATMENT_TYPE), "treatment_date": ("Treatment date", DATE),
    "treatment_intent": ("Treatment intent", codes.TREATMENT_INTENT),
    "treatment_site": ("Treatment site", None), "adjunctive_therapy": ("Adjunctive therapy",
                                                                       codes.ADJUNCTIVE_THERAPY),
    "opcs4_primary": ("Primary procedure (OPCS-4)", None), "opcs4_other": ("Other procedures (OPCS-4)", None),
    "surgical_access_type": ("Surgical access type", codes.SURGICAL_ACCESS_TYPE),
    "admission_type": ("Admission type", codes.SURGICAL_ADMISSION_TYPE),
    "ncepod_urgency": ("NCEPOD urgency", codes.NCEPOD_URGENCY), "asa_grade": ("ASA grade", codes.ASA_SCORE),
    "consultant_surgeon": ("Consultant surgeon", None), "anastomosis": ("Anastomosis formed", YES_NO),
    "stoma": ("Stoma", codes.STOMA_TYPE), "complications": ("Complications", YES_NO),
    "clavien_dindo_grade": ("Clavien-Dindo grade", codes.CLAVIEN_DINDO),
    "anastomotic_leak": ("Anastomotic leak", YES_NO),
    "anastomotic_leak_grade": ("Anastomotic leak grade", codes.ANASTOMOTIC_LEAK_GRADE),
    "return_to_theatre": ("Unplanned return to theatre", codes.YES_NO_UNKNOWN),
    "length_of_stay_days": ("Length of stay (days)", None), "discharge_date": ("Discharge date", DATE),
    "discharge_destination": ("Discharge destination", codes.DISCHARGE_DESTINATION),
    "readmission_30d": ("Readmitted within 30 days", YES_NO), "regimen": ("Regimen", None),
    "cycles": ("Cycles", None), "start_date": ("Start date", DATE), "end_date": ("End date", DATE),
    "chemo_timing": ("Timing", codes.CHEMO_TIMING), "total_dose_gy": ("Total dose (Gy)", None),
    "fractions": ("Fractions", None), "radiotherapy_course": ("Course", codes.RADIOTHERAPY_COURSE),
    "response": ("Response (RECIST 1.1)", codes.RECIST_RESPONSE), "response_date": ("Response assessed on", DATE),
    "protocol_template": ("Protocol template applied", None),
}
# Response to treatment (issue 13.6): the tumour's regression grade and each
# response assessment.
FIELDS.update({
    "pathology.regression_grade": ("Tumour regression grade (AJCC/CAP)", codes.TUMOUR_REGRESSION_GRADE),
    "assessment_date": ("Assessed on", DATE), "method": ("Method", codes.RESPONSE_METHOD),
    "scale": ("Scale", codes.RESPONSE_SCALE), "result": ("Result", codes.RESPONSE_RESULT),
    "notes": ("Notes", None), "tumour_id": ("Tumour", None),
})
# The fields each kind of record keeps (what a page shows of it), so that
# whatever else a legacy document holds can be listed rather than hidden.
_IDENTITY = ("episode_id", "patient_id")
KNOWN = {
    "tumour": ("tumour_id", *_IDENTITY, *records.TUMOUR_FIELDS),
    "treatment": ("treatment_id", *_IDENTITY, *treatment_types.COMMON_FIELDS, *treatment_types.ALL_TYPE_FIELDS,
                  treatment_types.PROTOCOL_FIELD),
    "assessment": ("assessment_id", "tumour_id", *_IDENTITY, *records.RESPONSE_FIELDS),
}

# Identity and bookkeeping: never worth a line in a history.
HIDDEN = ("treatment_id", "tumour_id", "episode_id", "migration", "assessment_id")


def label(path):
    if path in FIELDS:
        return FIELDS[path][0]
    head, _, rest = path.partition(".")
    if head == stored.LEGACY and rest:
        return f"Legacy value of {label(rest).lower()}"
    return path.replace("_", " ").replace(".", ": ").capitalize()


def reads(path, value, blank="(blank)"):
    """A value of the field at `path` as a person reads it."""
    if stored.is_blank(value):
        return blank
    how = FIELDS.get(path, (None, None))[1]
    if how == DATE:
        return stored.show_date(value)
    if how == YES_NO:
        return stored.show_yes_no(value)
    if isinstance(how, dict):
        return stored.show_code(how, value)
    return stored.describe(value)


def readable(changes):
    """[(label, before, after)] for diff.changes' [(path, before, after)],
    without identity and bookkeeping."""
    return [(label(path), reads(path, old), reads(path, new)) for path, old, new in changes
            if path.split(".")[0] not in HIDDEN]


def record_name(kind, record):
    """One record in words: "Surgery on 1 May 2024", "Primary tumour, Sigmoid
    colon (C18.7), diagnosed 28 Jan 2024"."""
    record = record or {}
    if kind == "treatment":
        when = record.get("treatment_date") or record.get("start_date")
        name = type_label(record.get("treatment_type"), default="Treatment")
        return f"{name} on {stored.show_date(when)}" if not stored.is_blank(when) else f"{name}, undated"
    if kind == "tumour":
        name = stored.show_code(codes.TUMOUR_TYPE, record.get("tumour_type"))
        name = "Tumour" if name == stored.NOTHING else f"{name} tumour"
        site = stored.describe(record.get("site")) or stored.describe(record.get("icd10_code"))
        code = stored.describe(record.get("icd10_code"))
        where = f", {site}" + (f" ({code})" if code and code != site else "") if site else ""
        when = record.get("diagnosis_date")
        return f"{name}{where}" + (f", diagnosed {stored.show_date(when)}" if not stored.is_blank(when) else "")
    if kind == "assessment":
        return _assessment_name(record)
    return stored.describe(record.get("_id"))


def _assessment_name(record):
    """"MRI on 2 Jun 2024: mrTRG 2 - good response (...)"; an unknown code or
    a date stored as text said as it is."""
    method = stored.show_code(codes.RESPONSE_METHOD, record.get("method"))
    method = "Response assessment" if method == stored.NOTHING else method
    when = record.get("assessment_date")
    name = f"{method} on {stored.show_date(when)}" if not stored.is_blank(when) else f"{method}, undated"
    result = record.get("result")
    return f"{name}: {stored.show_code(codes.RESPONSE_RESULT, result)}" if not stored.is_blank(result) else name
