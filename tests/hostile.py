"""Deliberately hostile documents: what the database may hold that no form of
ours wrote. Legacy shapes not yet adopted (strings where dates belong, dates
inside sub-documents as strings, unknown codes, "nan", ENC: identifiers,
booleans as "False"/"yes", ints for codes, lists or sub-documents where one
value belongs, None everywhere, missing keys) and adopted records holding
`legacy_values`. Inserted straight into the collections, as a legacy writer
or a migration would. All synthetic; the NHS-like values are not numbers.

`insert(database)` returns {"patients": [...], "episodes": [...], "tumours":
[...], "treatments": [...], "response_assessments": [...]} (the documents inserted) and `ODD` lists, per
kind of page, text each must show."""
from datetime import datetime

from bson import ObjectId

MRN = "MRNHOSTILE1"
REFERRAL_TEXT = "2024-01-03"


def patients():
    return [
        {"_id": ObjectId(), "mrn": MRN, "nhs_number": "ENC:Z0FBQUFBQm5hc3RpbGU=", "nhs_number_status": True,
         "first_name": ["Ada", "Bea"], "last_name": None, "date_of_birth": "17/05/1950", "sex": None,
         "ethnic_category": "Indian", "postcode": "nan", "legacy_values": {"sex": "femal"},
         "demographics": {"first_name": "Ada", "date_of_birth": "1950-05-17", "age": 73},
         "contact": {"postcode": "nan"}, "created_at": "2024-01-01T10:00:00.123456"},
        # Nothing but an id: every key missing.
        {"_id": ObjectId()},
        # An MRN that is a sub-document must not be read as a query operator.
        {"_id": ObjectId(), "mrn": {"$ne": None}, "nhs_number": 9990000018, "first_name": "Cy",
         "last_name": "Operator", "date_of_birth": {"date": "1960-01-01"}, "sex": 2, "version": 4},
    ]


def episodes():
    return [
        {"_id": ObjectId(), "patient_id": MRN, "episode_id": "E-abc123-01", "condition_type": "cancer",
         "referral_date": REFERRAL_TEXT, "referral_source": "2ww", "first_seen_date": "03/01/2024",
         "mdt_date": {"date": "2024-01-10"}, "mdt_outcome": ["surgery", "chemotherapy"], "care_plan_intent": None,
         "lead_clinician": ["Mr A Surgeon", "Ms B Cutter"],
         "provider_organisation": "Portsmouth Hospitals University NHS Trust", "performance_status": 2,
         "status": "active", "cns_involved": "yes", "no_treatment": "no",
         "treatments": [{"treatment_id": "T-embedded-1", "treatment_type": "surgery"}], "tumours": "not a list",
         "treatment_ids": ["T-abc123-01"], "legacy_values": {"care_plan_intent": "curative-ish"},
         "updated_at": "2024-02-01T09:00:00.654321"},
        # Missing keys everywhere, a patient_id that is a list.
        {"_id": ObjectId(), "patient_id": [MRN]},
        # Everything None.
        {"_id": ObjectId(), "patient_id": None, "referral_date": None, "referral_source": None, "status": None,
         "treatments": None, "tumours": None},
    ]


def tumours(episode):
    key = {"episode_id": str(episode["_id"]), "patient_id": MRN}
    return [
        {"_id": ObjectId(), "tumour_id": "TUM-HOSTILE01", **key, "diagnosis_date": "2024-01-03",
         "tumour_type": "primary", "icd10_code": "nan", "site": ["sigmoid_colon", "rectum"], "tnm_staging": "T3N1",
         "pathology": {"grade": None, "lymph_nodes_examined": "14", "lymph_nodes_positive": "x",
                       "crm_status": "yes", "crm_distance_mm": "4.5mm", "emvi": True},
         "legacy_values": {"pathology.grade": "moderately"}},
        {"_id": ObjectId(), "tumour_id": "TUM-HOSTILE02", **key, "diagnosis_date": None, "tumour_type": "Primary",
         "icd10_code": "C187", "tnm_staging": {"tnm_version": 8, "clinical": "cT3",
                                               "pathological": {"t": "4a", "n": None, "m": ["0"]}},
         "pathology": "none", "imaging_results": {"ct_chest": {"result": "clear", "date": "2024-01-02"}}},
        {"_id": ObjectId(), **key, "tumour_type": "metastasis", "site": "liver"},  # no tumour_id at all
    ]


def treatments(episode):
    key = {"episode_id": str(episode["_id"]), "patient_id": MRN}
    return [
        {"_id": ObjectId(), "treatment_id": "TRT-HOSTILE01", **key, "treatment_type": "surgery_primary",
         "treatment_date": "2024-02-01", "treatment_intent": "radical", "opcs4_primary": ["H07", "H33"],
         "anastomosis": "yes", "complications": "False", "anastomotic_leak": "maybe", "readmission_30d": "nan",
         "clavien_dindo_grade": "IIIb", "return_to_theatre": True, "length_of_stay_days": "7", "asa_grade": "II",
         "discharge_date": {"d": 1}, "classification": {"urgency": "elective", "approach": "laparoscopic"},
         "provider_organisation": "Portsmouth Hospitals University NHS Trust",
         "legacy_values": {"surgical_access_type": "laparoscopic"}},
        {"_id": ObjectId(), "treatment_id": "TRT-HOSTILE02", **key, "treatment_type": "Chemotherapy",
         "treatment_date": None, "start_date": "2024-03-01", "chemo_timing": "adjuvant", "cycles": "six",
         "regimen": {"regimen_name": "nan"}, "response": "Partial response", "response_date": "2024-05-01",
         "treatment_intent": 1},
        {"_id": ObjectId(), "treatment_id": "TRT-HOSTILE03", **key, "treatment_type": "radiotherapy",
         "treatment_date": datetime(2024, 4, 1), "total_dose_gy": "45Gy", "fractions": [25], "end_date": "2024-05",
         "radiotherapy_course": "long_course", "adjunctive_therapy": "neoadjuvant", "version": 2},
        {"_id": ObjectId(), "treatment_id": "TRT-HOSTILE04", **key, "treatment_type": None,
         "treatment_date": None, "treatment_intent": None, "provider_organisation": None},
    ]


def responses(episode):
    """Response assessments (issue 13.6) no form of ours wrote."""
    key = {"episode_id": str(episode["_id"]), "patient_id": MRN}
    return [
        {"_id": ObjectId(), "assessment_id": "RSP-HOSTILE01", "tumour_id": "TUM-HOSTILE01", **key,
         "assessment_date": "May 2024", "method": ["mri", "ct"], "scale": 5, "result": {"grade": "good"},
         "notes": None, "legacy_values": {"method": "US"}, "reported_by": "Dr R"},
        # A tumour link that is a sub-document must not be read as a query operator.
        {"_id": ObjectId(), "assessment_id": "RSP-HOSTILE02", "tumour_id": {"$ne": None}, **key,
         "assessment_date": None, "result": "TRG2"},
        {"_id": ObjectId(), **key, "result": "PR"},  # no assessment id at all
    ]


def insert(database):
    found = {"patients": patients(), "episodes": episodes()}
    found["tumours"] = tumours(found["episodes"][0])
    found["treatments"] = treatments(found["episodes"][0])
    found["response_assessments"] = responses(found["episodes"][0])
    for name, documents in found.items():
        database[name].insert_many(documents)
    return found


# Text each page must show (the odd values as what they are, never blank).
ODD = {
    "patient": ["“17/05/1950” (stored as text, not a date)", "legacy value “Indian”: choose a code",
                "encrypted by the legacy system", "legacy value “femal”: choose a code", "demographics"],
    "episode": ["legacy value “2ww”: choose a code", "“2024-01-03” (stored as text, not a date)",
                "legacy value “active”: choose a code", "Mr A Surgeon, Ms B Cutter",
                "legacy value “curative-ish”: choose a code", "cns_involved"],
    "episode_form": ["legacy value “2ww”: choose a code", "“2024-01-03” is stored as text",
                     "“03/01/2024” is stored as text, not a date", "legacy value “curative-ish”: choose a code"],
    "tumours": ["“2024-01-03” (stored as text, not a date)", "sigmoid_colon, rectum", "T3N1",
                "imaging_results: ct_chest: result: clear; date: 2024-01-02",
                "legacy value “moderately”", "No tumour id"],
    "tumour_form": ["“2024-01-03” is stored as text", "legacy value “yes”: choose a code",
                    "legacy value “4.5mm” is not a number", "legacy value “moderately”: choose a code"],
    "treatments": ["dose “45Gy” in “25” fractions", "“2024-03-01” (stored as text, not a date)",
                   "legacy value “surgery_primary”: choose a code", "“2024-02-01” (stored as text, not a date)",
                   "legacy value “radical”: choose a code", "H07, H33", "Surgical access type",
                   "classification: urgency: elective; approach: laparoscopic"],
    "responses": ["“May 2024” (stored as text, not a date)", "legacy value “mri, ct”: choose a code",
                  "legacy value “5”: choose a code", "legacy value “grade: good”: choose a code",
                  "legacy value “TRG2”: choose a code", "reported_by: Dr R", "Not linked to a tumour"],
    "response_form": ["“May 2024” is stored as text", "legacy value “mri, ct”: choose a code",
                      "legacy value “grade: good”: choose a code"],
    "treatment_form": ["legacy value “surgery_primary”: choose a code", "legacy value “radical”: choose a code",
                       "legacy value “II”: choose a code", "legacy value “laparoscopic”: choose a code"],
}
