"""Data completeness for the NBOCA items: for each item, how many of the
records it applies to have it. Record items count over all in-scope
records; treatment and surgery items over the records that have a treatment
/ an operation (a record "has" them when every one of its treatments /
operations does); the resection specimen's pathology (CRM, nodes) over the
records with a major resection; the metastatic site over the records with
a metastasis recorded. NBOCA-only items (not carried in COSD XML) are
counted from the documents.
"""
from dataclasses import dataclass

from webapp.domain import codes
from webapp.domain.treatments import type_of


def _path(*keys):
    def get(bundle, values):
        v = values
        for k in keys:
            v = (v or {}).get(k)
        return v not in (None, "", [], {})
    return get


def _each_treatment(key):
    def get(bundle, values):
        return all(t.get(key) not in (None, "") for t in values["Treatment"])
    return get


def _each_surgery(key, raw=False):
    def get(bundle, values):
        if raw:
            return all(t.get(key) not in (None, "") for t in bundle.treatments if type_of(t) == "surgery")
        return all(t["Surgery"].get(key) not in (None, "", []) for t in values["Treatment"] if "Surgery" in t)
    return get


def _pathology(key):
    def get(bundle, values):
        return (bundle.tumour.get("pathology") or {}).get(key) not in (None, "")
    return get


@dataclass(frozen=True)
class Item:
    item: str
    label: str
    over: str  # "records", "treated", "operated"
    has: object
    mandatory: bool = False
    in_xml: bool = True


LP, PP = "LinkagePatientId", "PrimaryPathway"
ITEMS = (
    Item("CR0010", "NHS number", "records", _path(LP, "NhsNumber")),
    Item("CR0020", "Local patient identifier (MRN)", "records", _path(LP, "LocalPatientIdentifier")),
    Item("CR1350", "NHS number status", "records", _path(LP, "NhsNumberStatusIndicatorCode"), mandatory=True),
    Item("CR0100", "Date of birth", "records", _path(LP, "PersonBirthDate"), mandatory=True),
    Item(
        "CR0030", "Provider organisation", "records", _path(LP, "OrganisationIdentifierCodeOfProvider"), mandatory=True
    ),
    Item("CR3170", "Stated gender", "records", _path("Demographics", "PersonStatedGenderCode")),
    Item("CR0150", "Ethnic category", "records", _path("Demographics", "EthnicCategory")),
    Item("CR0080", "Postcode at diagnosis", "records", _path("Demographics", "PostcodeOfUsualAddressAtDiagnosis")),
    Item(
        "CR0370",
        "Primary diagnosis (ICD-10)",
        "records",
        _path(PP, "LinkageDiagnosticDetails", "PrimaryDiagnosisIcd"),
        mandatory=True,
    ),
    Item(
        "CR2030",
        "Date of diagnosis",
        "records",
        _path(PP, "LinkageDiagnosticDetails", "DateOfPrimaryDiagnosisClinicallyAgreed"),
        mandatory=True,
    ),
    Item(
        "CR1600",
        "Source of referral",
        "records",
        _path(PP, "ReferralAndFirstStageOfPatientPathway", "SourceOfReferralForOut-patients"),
    ),
    Item("CR0230", "Date first seen", "records", _path(PP, "ReferralAndFirstStageOfPatientPathway", "DateFirstSeen")),
    Item("CR6400", "Morphology (SNOMED)", "records", _path(PP, "Diagnosis", "MorphologySNOMED")),
    Item("CR0410", "Grade of differentiation", "records", _path(PP, "Diagnosis", "GradeOfDifferentiationAtDiagnosis")),
    Item("CR0510", "Performance status", "records", _path(PP, "Diagnosis", "PerformanceStatusAdult")),
    Item("CR0520", "T category (pre-treatment)", "records", _path(PP, "Staging", "TCategoryFinalPretreatment")),
    Item("CR0540", "N category (pre-treatment)", "records", _path(PP, "Staging", "NCategoryFinalPretreatment")),
    Item("CR0560", "M category (pre-treatment)", "records", _path(PP, "Staging", "MCategoryFinalPretreatment")),
    Item("CR0620", "T category (integrated)", "records", _path(PP, "Staging", "TCategoryIntegratedStage")),
    Item("CR0630", "N category (integrated)", "records", _path(PP, "Staging", "NCategoryIntegratedStage")),
    Item("CR0640", "M category (integrated)", "records", _path(PP, "Staging", "MCategoryIntegratedStage")),
    Item("CR2070", "TNM version", "records", _path(PP, "Staging", "TnmVersionNumberStaging")),
    Item(
        "CR0430", "MDT discussion date", "records", _path("CancerCarePlan", "MultidisciplinaryTeamDiscussionDateCancer")
    ),
    Item("CR0460", "Care plan intent", "records", _path("CancerCarePlan", "CancerCarePlanIntent")),
    Item("CR1370", "Treatment recorded", "records", _path("Treatment")),
    Item("CR1370", "Treatment start date", "treated", _each_treatment("TreatmentStartDateCancer"), mandatory=True),
    Item("CR0680", "Treatment intent", "treated", _each_treatment("CancerTreatmentIntent")),
    Item(
        "CR1450",
        "Treatment site",
        "treated",
        _each_treatment("OrganisationSiteIdentifierOfProviderCancerTreatmentStartDate"),
        mandatory=True,
    ),
    Item("CR0720", "Primary procedure (OPCS-4)", "operated", _each_surgery("PrimaryProcedureOpcs")),
    Item("CR6310", "Surgical access type", "operated", _each_surgery("SurgicalAccessType")),
    Item("CR8500", "Admission type", "operated", _each_surgery("SurgicalAdmissionType")),
    Item("CR6010", "ASA score", "operated", _each_surgery("AsaScore")),
    Item("CR6480", "Unplanned return to theatre", "operated", _each_surgery("UnplannedReturnToTheatreIndicator")),
    Item("NBOCA", "Surgical urgency (NCEPOD)", "operated", _each_surgery("ncepod_urgency", raw=True), in_xml=False),
    Item("CR6970", "Metastatic site", "metastatic", _path(PP, "Diagnosis", "MetastaticTypeAndSiteDiagnosis")),
    Item("NBOCA", "Circumferential resection margin", "resected", _pathology("crm_status"), in_xml=False),
    Item("NBOCA", "Lymph nodes examined", "resected", _pathology("lymph_nodes_examined"), in_xml=False),
    Item("NBOCA", "Lymph nodes positive", "resected", _pathology("lymph_nodes_positive"), in_xml=False),
)

OVER_LABELS = {
    "records": "in-scope records",
    "treated": "records with a treatment",
    "operated": "records with an operation",
    "resected": "records with a major resection",
    "metastatic": "records with a metastasis recorded",
}


def _resected(bundle):
    return any(type_of(t) == "surgery" and isinstance(t.get("opcs4_primary"), str)
               and codes.is_major_resection(t["opcs4_primary"]) for t in bundle.treatments)


class Completeness:
    def __init__(self):
        self.totals = dict.fromkeys(OVER_LABELS, 0)
        self.counts = [0] * len(ITEMS)

    def add(self, bundle, values):
        treated = bool(values["Treatment"])
        operated = any("Surgery" in t for t in values["Treatment"])
        applies = {"records": True, "treated": treated, "operated": operated, "resected": _resected(bundle),
                   "metastatic": bool(bundle.metastases)}
        for over, yes in applies.items():
            self.totals[over] += yes
        for i, item in enumerate(ITEMS):
            if applies[item.over] and item.has(bundle, values):
                self.counts[i] += 1

    def rows(self):
        out = []
        for item, count in zip(ITEMS, self.counts, strict=True):
            total = self.totals[item.over]
            out.append(
                {
                    "item": item.item,
                    "label": item.label,
                    "over": OVER_LABELS[item.over],
                    "count": count,
                    "total": total,
                    "mandatory": item.mandatory,
                    "in_xml": item.in_xml,
                    "percent": round(100.0 * count / total, 1) if total else None,
                }
            )
        return out
