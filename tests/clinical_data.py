"""Small builders for clinical test data, through the store (so each has its
audit entry), in the shapes webapp/demo.py writes."""
from datetime import datetime, timedelta

from webapp.domain import nhs_number
from webapp.store import episodes, patients, treatments, tumours

ACTOR = "test-clinician"


def make_patient(mrn="MRN0000001", index=0, **overrides):
    fields = {"mrn": mrn, "nhs_number": list(_take(nhs_number.test_range(500 + index * 20), 1))[0],
              "nhs_number_status": "01", "first_name": "Ada", "last_name": "Testpatient",
              "date_of_birth": datetime(1950, 5, 17), "sex": "2", "ethnic_category": "A", "postcode": "NG7 2UH"}
    fields.update(overrides)
    return patients.create(fields, ACTOR)


def _take(iterator, n):
    for _, item in zip(range(n), iterator, strict=False):
        yield item


def make_episode(patient, referral=datetime(2024, 1, 10), **overrides):
    fields = {"referral_date": referral, "referral_source": "03", "first_seen_date": referral + timedelta(days=7),
              "mdt_date": referral + timedelta(days=20), "mdt_outcome": "surgery", "care_plan_intent": "C",
              "lead_clinician": "Mr A Surgeon", "provider_organisation": "RX1", "performance_status": "1",
              "status": "open"}
    fields.update(overrides)
    return episodes.create(patient, fields, ACTOR)


def surgery_fields(when=datetime(2024, 3, 1), **overrides):
    fields = {"treatment_type": "surgery", "treatment_date": when, "treatment_intent": "01",
              "provider_organisation": "RX1", "treatment_site": "RX1RA", "adjunctive_therapy": "3",
              "opcs4_primary": "H071", "opcs4_other": [], "surgical_access_type": "4", "admission_type": "1",
              "ncepod_urgency": "elective", "asa_grade": "2", "consultant_surgeon": "Mr A Surgeon",
              "anastomosis": True, "stoma": "none", "complications": False, "clavien_dindo_grade": None,
              "anastomotic_leak": False, "anastomotic_leak_grade": None, "return_to_theatre": "N",
              "length_of_stay_days": 6, "readmission_30d": False}
    fields.update(overrides)
    return fields


def chemo_fields(when=datetime(2024, 4, 1), **overrides):
    fields = {"treatment_type": "chemotherapy", "treatment_date": when, "treatment_intent": "01",
              "provider_organisation": "RX1", "treatment_site": None, "adjunctive_therapy": "1",
              "regimen": "CAPOX", "cycles": 8, "start_date": when, "end_date": when + timedelta(days=112),
              "chemo_timing": "adjuvant"}
    fields.update(overrides)
    return fields


def tumour_fields(**overrides):
    fields = {"tumour_type": "primary", "site": "Sigmoid colon", "icd10_code": "C18.7",
              "snomed_morphology_code": "35917007",
              "tnm_staging": {"tnm_version": "8", "clinical": {"prefix": "c", "t": "3", "n": "1a", "m": "0"},
                              "pathological": {"prefix": "p", "t": "3", "n": "1a", "m": "0"}},
              "pathology": {"grade": "G2", "lymph_nodes_examined": 14, "lymph_nodes_positive": 1,
                            "crm_status": "clear", "crm_distance_mm": 4.5, "emvi": "absent"},
              "diagnosis_date": datetime(2024, 1, 28)}
    fields.update(overrides)
    return fields


def make_treatments(episode, n):
    """n surgery treatments on distinct dates, inserted through the store."""
    return [treatments.add(episode, surgery_fields(datetime(2024, 2, 1) + timedelta(days=i)), ACTOR)
            for i in range(n)]


def make_tumour(episode, **overrides):
    return tumours.add(episode, tumour_fields(**overrides), ACTOR)
