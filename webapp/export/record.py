"""One in-scope tumour, with its episode, patient and the episode's
treatments, mapped to the values of one COSD record (keyed by the v9
element names of layout.py). Pure: documents in, dict out. Values are
strings or None; checking them against their types is the writer's job.
"""
import uuid
from datetime import date, datetime

from webapp.domain import codes, nhs_number, validators
from webapp.domain.treatments import type_label, type_of
from webapp.export import metastases as metastatic
from webapp.export.icd10 import cosd_icd10

# Record ids are stable per tumour, so the same data gives the same file
# (golden tests, CLI equal to the route) and a resubmission keeps its ids.
RECORD_ID_NAMESPACE = uuid.UUID("6f1c7a52-3b0e-4d55-9a53-8d1c2f0b7e41")


def record_id(tumour_id):
    return str(uuid.uuid5(RECORD_ID_NAMESPACE, str(tumour_id)))


def day(value):
    """YYYY-MM-DD for a date/datetime; other non-empty values as text (the
    type check then says what is wrong)."""
    if value is None or value == "":
        return None
    if isinstance(value, (datetime, date)):
        # isoformat, not strftime: a fifth of the export's mapping time was
        # strftime, and isoformat always pads the year to four digits.
        return value.isoformat()[:10]
    return str(value)


def readable_day(value):
    """Whether a stored date can be read as one: a BSON date, or nothing at
    all. Text ("2010-05-01"), numbers and other legacy values cannot: the
    age at diagnosis and the period depend on them, so a record carrying one
    is listed, never sent on a guess."""
    return value is None or value == "" or isinstance(value, (datetime, date))


def shown(value):
    """A stored value as the lists show it: its type and its text."""
    kind = {str: "text", int: "a number", float: "a number", bool: "true/false"}.get(type(value), type(value).__name__)
    text = str(value)
    return f"{kind} '{text if len(text) <= 40 else text[:40] + '…'}'"


def code(value):
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def nhs_number_value(patient):
    raw = patient.get("nhs_number")
    if raw in (None, ""):
        return None
    return nhs_number.normalise(raw) or str(raw)


def _staging(tumour):
    tnm = tumour.get("tnm_staging") or {}
    clinical = tnm.get("clinical") or {}
    pathological = tnm.get("pathological") or {}
    values = {
        "TCategoryFinalPretreatment": code(clinical.get("t")),
        "NCategoryFinalPretreatment": code(clinical.get("n")),
        "MCategoryFinalPretreatment": code(clinical.get("m")),
        "TCategoryIntegratedStage": code(pathological.get("t")),
        "NCategoryIntegratedStage": code(pathological.get("n")),
        "MCategoryIntegratedStage": code(pathological.get("m")),
    }
    if not any(values.values()):
        return None
    version = code(tnm.get("tnm_version"))
    values["TnmVersionNumberStaging"] = version
    values["TnmCodingEdition"] = code(tnm.get("tnm_coding_edition")) or codes.TNM_VERSION_CODING_EDITION.get(version)
    return values


def _treatment(t):
    kind = type_of(t) or t.get("treatment_type")
    start = t.get("start_date") or t.get("treatment_date")
    values = {
        "_where": f"treatment {t.get('treatment_id', '?')} ({type_label(kind)}, {day(start) or 'no date'})",
        "AdjunctiveTherapy": code(t.get("adjunctive_therapy")),
        "CancerTreatmentIntent": code(t.get("treatment_intent")),
        "TreatmentStartDateCancer": day(start),
        "CancerTreatmentModalityRegistration": codes.TREATMENT_TYPE_MODALITY.get(kind) or code(kind),
        "OrganisationSiteIdentifierOfProviderCancerTreatmentStartDate": code(t.get("treatment_site")),
        "DischargeDateHospitalProviderSpell": day(t.get("discharge_date")),
        "DischargeDestinationHospitalProviderSpell": code(t.get("discharge_destination")),
    }
    if kind == "surgery":
        values["Surgery"] = {
            "ProcedureDate": day(t.get("treatment_date")),
            "SurgicalAdmissionType": code(t.get("admission_type")),
            "PrimaryProcedureOpcs": _opcs(t.get("opcs4_primary")),
            "ProcedureOpcs": [_opcs(c) for c in (t.get("opcs4_other") or []) if code(c)],
            "UnplannedReturnToTheatreIndicator": code(t.get("return_to_theatre")),
            "AsaScore": code(t.get("asa_grade")),
            "SurgicalAccessType": code(t.get("surgical_access_type")),
        }
    return values


def _opcs(value):
    # As COSD carries it; a value the rule cannot read goes on as it is, and
    # the type check says what is wrong with it.
    return validators.normalise_opcs4(value) or code(value)


def _date_key(t):
    when = t.get("start_date") or t.get("treatment_date")
    return (when if isinstance(when, datetime) else datetime.max, str(t.get("treatment_id", "")))


def _postcode(raw, changes):
    """CR0080 in the COSD form; a value that is not a UK postcode is left
    out of the record (the item is optional) and listed."""
    if raw is None or raw == "":
        return None
    written = validators.cosd_postcode(raw)
    if written is None:
        changes.append({"field": "Postcode (CR0080)", "before": raw, "after": None,
                        "change": "not a UK postcode: left out of the record"})
    elif written != raw:
        changes.append({"field": "Postcode (CR0080)", "before": raw, "after": written,
                        "change": "written in the COSD form"})
    return written


def _birth_date(patient, problems, explained):
    birth = patient.get("date_of_birth")
    if readable_day(birth):
        return day(birth)
    problems.append(f"Date of birth (CR0100) cannot be read: it is stored as {shown(birth)}, not a date, "
                    "so the age at diagnosis cannot be checked")
    explained.add("PersonBirthDate")
    return None


def values(tumour, episode, patient, treatments, metastases=()):
    """The record's values. `treatments` are the tumour's episode's, any
    order; `metastases` the episode's metastasis tumours."""
    nhs = nhs_number_value(patient)
    morphology = code(tumour.get("snomed_morphology_code"))
    pathology = tumour.get("pathology") or {}
    problems, changes, explained = [], [], set()
    if nhs and not nhs_number.is_valid(nhs):
        problems.append("NHS number (CR0010) is not a valid NHS number (Modulus 11 check)")
    staging = _staging(tumour)
    m_problems, m_changes = metastatic.reconcile(staging, metastases)
    problems += m_problems
    changes += m_changes
    return {
        "_problems": problems,
        "_changes": changes,
        "_explained": explained,
        "Id": record_id(tumour.get("tumour_id")),
        "LinkagePatientId": {
            "NhsNumber": nhs,
            "LocalPatientIdentifier": code(patient.get("mrn")),
            "NhsNumberStatusIndicatorCode": code(patient.get("nhs_number_status")),
            "PersonBirthDate": _birth_date(patient, problems, explained),
            "OrganisationIdentifierCodeOfProvider": code(episode.get("provider_organisation")),
        },
        "PrimaryPathway": {
            "LinkageDiagnosticDetails": {
                "PrimaryDiagnosisIcd": cosd_icd10(tumour.get("icd10_code")) or None,
                "TumourLaterality": code(tumour.get("laterality")) or "8",
                "DateOfPrimaryDiagnosisClinicallyAgreed": day(tumour.get("diagnosis_date")),
            },
            "ReferralAndFirstStageOfPatientPathway": {
                "SourceOfReferralForOut-patients": code(episode.get("referral_source")),
                "DateFirstSeen": day(episode.get("first_seen_date")),
            },
            "Diagnosis": {
                "MorphologySNOMED": {"MorphologySnomedDiagnosis": morphology, "SnomedVersionDiagnosis": "05"}
                if morphology else None,
                "GradeOfDifferentiationAtDiagnosis": code(pathology.get("grade")),
                "PerformanceStatusAdult": code(episode.get("performance_status")),
                "MetastaticTypeAndSiteDiagnosis": metastatic.site_items(metastases),
            },
            "Staging": staging,
        },
        "Demographics": {
            "PersonFamilyName": patient.get("last_name"),
            "PersonGivenName": patient.get("first_name"),
            "PostcodeOfUsualAddressAtDiagnosis": _postcode(patient.get("postcode"), changes),
            "PersonStatedGenderCode": code(patient.get("sex")),
            "EthnicCategory": code(patient.get("ethnic_category")),
        },
        "CancerCarePlan": {
            "MultidisciplinaryTeamDiscussionDateCancer": day(episode.get("mdt_date")),
            "CancerCarePlanIntent": code(episode.get("care_plan_intent")),
        },
        "Treatment": [_treatment(t) for t in sorted(treatments, key=_date_key)],
    }
