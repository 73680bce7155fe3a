"""A small fixed dataset for the export tests: every document is spelt out,
so the golden files change only when the export does."""
from datetime import datetime

from bson import ObjectId

START, END = "2024-01-01", "2024-12-31"
NOW = datetime(2026, 1, 1)


def _oid(n):
    return ObjectId(f"{n:024x}")


def patient(n, mrn, nhs, born, **extra):
    doc = {"_id": _oid(100 + n), "mrn": mrn, "nhs_number": nhs, "nhs_number_status": "01" if nhs else "03",
           "first_name": "Ada", "last_name": "Lovelace", "date_of_birth": born, "sex": "2",
           "ethnic_category": "A", "postcode": "NG7 2UH", "created_at": NOW, "last_modified_at": NOW, "version": 1}
    doc.update(extra)
    return doc


def episode(n, mrn, provider="RX1", **extra):
    doc = {"_id": _oid(200 + n), "patient_id": mrn, "episode_type": "cancer", "referral_date": datetime(2024, 1, 2),
           "referral_source": "03", "first_seen_date": datetime(2024, 1, 9), "mdt_date": datetime(2024, 1, 20),
           "mdt_outcome": "surgery", "care_plan_intent": "C", "lead_clinician": "Mr A Surgeon",
           "provider_organisation": provider, "performance_status": "1", "status": "open",
           "created_at": NOW, "last_modified_at": NOW, "version": 1}
    doc.update(extra)
    return doc


def tumour(n, ep, site, diagnosed, tumour_type="primary", **extra):
    doc = {"tumour_id": f"TUM-{n:04d}", "episode_id": str(ep["_id"]), "patient_id": ep["patient_id"],
           "tumour_type": tumour_type, "site": site, "icd10_code": site, "snomed_morphology_code": "35917007",
           "tnm_staging": {"tnm_version": "8", "clinical": {"prefix": "c", "t": "3", "n": "1a", "m": "0"},
                           "pathological": {"prefix": "p", "t": "3", "n": "1b", "m": "0"}},
           "pathology": {"grade": "G2", "lymph_nodes_examined": 14, "lymph_nodes_positive": 2,
                         "crm_status": "clear", "crm_distance_mm": 4.5, "emvi": "absent"},
           "diagnosis_date": diagnosed, "created_at": NOW, "last_modified_at": NOW, "version": 1}
    doc.update(extra)
    return doc


def treatment(n, ep, kind, when, **extra):
    doc = {"treatment_id": f"TRT-{n:04d}", "episode_id": str(ep["_id"]), "patient_id": ep["patient_id"],
           "treatment_type": kind, "treatment_date": when, "treatment_intent": "01",
           "provider_organisation": ep["provider_organisation"], "treatment_site": ep["provider_organisation"] + "01",
           "adjunctive_therapy": "3", "created_at": NOW, "last_modified_at": NOW, "version": 1}
    if kind == "surgery":
        doc.update({"opcs4_primary": "H33.2", "opcs4_other": ["Y75.1"], "surgical_access_type": "4",
                    "admission_type": "1", "ncepod_urgency": "elective", "asa_grade": "2",
                    "return_to_theatre": "N", "length_of_stay_days": 6,
                    "discharge_date": datetime(when.year, when.month, when.day + 6), "discharge_destination": "19"})
    doc.update(extra)
    return doc


def golden():
    """Three records in scope; one each out of scope for C21, age, period;
    and a metastasis that is not a primary."""
    data = {"patients": [], "episodes": [], "tumours": [], "treatments": []}

    def add(n, mrn, nhs, born, provider="RX1", site="C18.7", diagnosed=datetime(2024, 3, 10), patient_extra=None):
        data["patients"].append(patient(n, mrn, nhs, born, **(patient_extra or {})))
        ep = episode(n, mrn, provider)
        data["episodes"].append(ep)
        data["tumours"].append(tumour(n, ep, site, diagnosed))
        return ep

    e1 = add(1, "MRN0001", "9990000018", datetime(1950, 5, 1))
    # A liver metastasis: the primary's M is M1a at both stages, and the
    # record carries the metastatic site (CR6970).
    for stage in ("clinical", "pathological"):
        data["tumours"][-1]["tnm_staging"][stage]["m"] = "1a"
    data["tumours"].append(tumour(11, e1, "C18.7", datetime(2024, 3, 20), tumour_type="metastasis"))
    data["tumours"][-1]["site"] = "Liver"
    data["treatments"] += [
        treatment(1, e1, "surgery", datetime(2024, 4, 2), surgical_access_type="5", opcs4_primary="H10.1"),
        treatment(2, e1, "chemotherapy", datetime(2024, 5, 10), adjunctive_therapy="1",
                  start_date=datetime(2024, 5, 10)),
        treatment(3, e1, "radiotherapy", datetime(2024, 3, 25), adjunctive_therapy="2"),
    ]
    e2 = add(2, "MRN0002", None, datetime(1961, 12, 31), site="C20", diagnosed=datetime(2024, 6, 1),
             patient_extra={"first_name": "Seán", "last_name": "O'Neill", "sex": "1", "ethnic_category": "99"})
    data["treatments"].append(treatment(4, e2, "surgery", datetime(2024, 7, 1), admission_type="2",
                                        return_to_theatre="Y", asa_grade="3", surgical_access_type="3"))
    e3 = add(3, "MRN0003", "9990000026", datetime(1940, 1, 1), provider="RTH", site="C19",
             diagnosed=datetime(2024, 12, 31))
    data["treatments"].append(treatment(5, e3, "palliative", datetime(2025, 1, 15), treatment_intent="02",
                                        adjunctive_therapy="9"))
    # Out of scope.
    add(4, "MRN0004", "9990000034", datetime(1955, 2, 2), site="C21.1", diagnosed=datetime(2024, 4, 4))
    add(5, "MRN0005", "9990000042", datetime(2008, 6, 2), site="C18.2", diagnosed=datetime(2024, 6, 1))  # 16
    add(6, "MRN0006", "9990000050", datetime(1955, 2, 2), site="C18.0", diagnosed=datetime(2023, 12, 31))
    add(7, "MRN0007", "9990000069", datetime(1955, 2, 2), site="C18.0", diagnosed=datetime(2025, 1, 1))
    return data


def insert(database, data):
    for name in ("patients", "episodes", "tumours", "treatments"):
        if data[name]:
            database[name].insert_many(data[name])
