"""The part of the COSD v9.0.1 colorectal tree we emit, as data: element
names, official order, occurrences, value carriers, types and item numbers.
Both the builder (writer.py walks it) and the XSD generator (xsd.py) read it,
so the file and its schema cannot drift apart. A version's differences are
applied from versions.py by `for_version`.

Values are looked up by `key`, the v9 element name, so a rename in a later
version changes the element written, not the record mapping.
"""
from dataclasses import dataclass, field, replace
from functools import lru_cache

from webapp.export import versions

UNBOUNDED = None


@dataclass(frozen=True)
class Leaf:
    name: str
    type: str
    carrier: str  # "text", or the attribute that holds the value: code/extension/root/value
    label: str
    item: str = ""
    min: int = 0
    max: int = 1
    key: str = ""

    def __post_init__(self):
        if not self.key:
            object.__setattr__(self, "key", self.name)


@dataclass(frozen=True)
class Group:
    name: str
    children: tuple
    min: int = 0
    max: int = 1
    key: str = ""

    def __post_init__(self):
        if not self.key:
            object.__setattr__(self, "key", self.name)


@dataclass(frozen=True)
class Choice:
    children: tuple
    label: str
    min: int = 1
    max: int = 1
    key: str = field(default="", compare=False)


def _group(name, *children, **kw):
    return Group(name, tuple(children), **kw)


HEADER = (
    Leaf("Id", "ST_NHS_uuid", "root", "Submission id", "C000010", min=1),
    Leaf("OrganisationIdentifierCodeOfSubmittingOrganisation", "ST_NHS_OrganisationIdentifierCodeThree",
         "extension", "Submitting organisation", "C000020", min=1),
    Leaf("RecordCount", "ST_NHS_RecordCount", "value", "Record count", "C000030", min=1),
    Leaf("ReportingPeriodStartDate", "xs:date", "text", "Reporting period start", "C000040", min=1),
    Leaf("ReportingPeriodEndDate", "xs:date", "text", "Reporting period end", "C000050", min=1),
    Leaf("FileCreationDateTime", "xs:dateTime", "text", "File creation time", "C000060", min=1),
)

_TREATMENT = _group(
    "Treatment",
    Leaf("AdjunctiveTherapy", "ST_NHS_AdjunctiveTherapyType", "code", "Adjunctive therapy", "CR6540"),
    Leaf("CancerTreatmentIntent", "ST_NHS_CancerTreatmentIntent", "code", "Treatment intent", "CR0680"),
    Leaf("TreatmentStartDateCancer", "xs:date", "text", "Treatment start date", "CR1370", min=1),
    Leaf("CancerTreatmentModalityRegistration", "ST_NHS_CancerTreatmentModalityRegistration", "code",
         "Treatment modality", "CR2040", min=1),
    Leaf("OrganisationSiteIdentifierOfProviderCancerTreatmentStartDate", "ST_NHS_OrganisationIdentifierCodeTwo",
         "extension", "Treatment site", "CR1450", min=1),
    Leaf("DischargeDateHospitalProviderSpell", "xs:date", "text", "Discharge date", "CR0740"),
    Leaf("DischargeDestinationHospitalProviderSpell", "ST_NHS_HospitalDischargeDestinationCode", "code",
         "Discharge destination", "CR0750"),
    _group(
        "Surgery",
        Leaf("ProcedureDate", "xs:date", "text", "Procedure date", "CR0710", min=1),
        Leaf("SurgicalAdmissionType", "ST_NHS_SurgicalAdmissionType", "code", "Admission type", "CR8500"),
        Leaf("PrimaryProcedureOpcs", "ST_NHS_opcs", "code", "Primary procedure (OPCS-4)", "CR0720"),
        Leaf("ProcedureOpcs", "ST_NHS_opcs", "code", "Other procedure (OPCS-4)", "CR0730", max=UNBOUNDED),
        Leaf("UnplannedReturnToTheatreIndicator", "ST_NHS_YesNoNotKnown", "code", "Return to theatre", "CR6480"),
        Leaf("AsaScore", "ST_NHS_ASAPhysicalStatusClassificationSystemCode", "code", "ASA score", "CR6010"),
        Leaf("SurgicalAccessType", "ST_NHS_SurgicalAccessType", "code", "Surgical access type", "CR6310"),
    ),
    max=UNBOUNDED,
)

RECORD = _group(
    "ColorectalRecord",
    Leaf("Id", "ST_NHS_uuid", "root", "Record id", "C000070", min=1),
    _group(
        "LinkagePatientId",
        Choice((
            Leaf("NhsNumber", "ST_NHS_NHSNumber", "extension", "NHS number", "CR0010", min=1),
            Leaf("LocalPatientIdentifier", "ST_NHS_LocalPatientIdExtended", "text", "Local patient identifier (MRN)",
                 "CR0020", min=1),
        ), "NHS number or local patient identifier", min=1, max=2),
        Leaf("NhsNumberStatusIndicatorCode", "ST_NHS_NHSNumberStatusIndicator", "code", "NHS number status",
             "CR1350", min=1),
        Leaf("PersonBirthDate", "xs:date", "text", "Date of birth", "CR0100", min=1),
        Leaf("OrganisationIdentifierCodeOfProvider", "ST_NHS_OrganisationIdentifierCodeOne", "extension",
             "Provider organisation", "CR0030", min=1),
        min=1,
    ),
    _group(
        "PrimaryPathway",
        _group(
            "LinkageDiagnosticDetails",
            Leaf("PrimaryDiagnosisIcd", "ST_NHS_PrimaryDiagnosis", "code", "Primary diagnosis (ICD-10)", "CR0370",
                 min=1),
            Leaf("TumourLaterality", "ST_NHS_Laterality", "code", "Tumour laterality", "CR0380", min=1),
            Leaf("DateOfPrimaryDiagnosisClinicallyAgreed", "xs:date", "text", "Date of diagnosis", "CR2030", min=1),
            min=1,
        ),
        _group(
            "ReferralAndFirstStageOfPatientPathway",
            Leaf("SourceOfReferralForOut-patients", "ST_NHS_SourceOfReferral", "code", "Source of referral",
                 "CR1600"),
            Leaf("DateFirstSeen", "xs:date", "text", "Date first seen", "CR0230"),
        ),
        _group(
            "Diagnosis",
            _group(
                "MorphologySNOMED",
                Leaf("MorphologySnomedDiagnosis", "ST_NHS_SNOMED", "code", "Morphology (SNOMED)", "CR6400", min=1),
                Leaf("SnomedVersionDiagnosis", "ST_NHS_SNOMEDVersion", "code", "SNOMED version", "CR6490", min=1),
            ),
            Leaf("GradeOfDifferentiationAtDiagnosis", "ST_NHS_GradeOfDifferentiation", "code",
                 "Grade of differentiation", "CR0410"),
            Leaf("PerformanceStatusAdult", "ST_NHS_AdultPerformanceStatus", "code", "Performance status",
                 "CR0510"),
            _group(
                "MetastaticTypeAndSiteDiagnosis",
                Leaf("MetastaticType", "ST_NHS_MetastaticDiseaseType", "code", "Metastatic type", "CR6960", min=1),
                Leaf("MetastaticSite", "ST_NHS_MetastaticSite", "code", "Metastatic site", "CR6970", min=1),
                max=UNBOUNDED,
            ),
        ),
        _group(
            "Staging",
            Leaf("TCategoryFinalPretreatment", "ST_NHS_TCategory", "text", "T category (pre-treatment)", "CR0520"),
            Leaf("NCategoryFinalPretreatment", "ST_NHS_NCategory", "text", "N category (pre-treatment)", "CR0540"),
            Leaf("MCategoryFinalPretreatment", "ST_NHS_MCategory", "text", "M category (pre-treatment)", "CR0560"),
            Leaf("TCategoryIntegratedStage", "ST_NHS_TCategory", "text", "T category (integrated)", "CR0620"),
            Leaf("NCategoryIntegratedStage", "ST_NHS_NCategory", "text", "N category (integrated)", "CR0630"),
            Leaf("MCategoryIntegratedStage", "ST_NHS_MCategory", "text", "M category (integrated)", "CR0640"),
            Leaf("TnmCodingEdition", "ST_NHS_TNMCodingEdition", "code", "TNM coding edition", "CR6980", min=1),
            Leaf("TnmVersionNumberStaging", "ST_NHS_TNMVersionNumberStaging", "text", "TNM version", "CR2070",
                 min=1),
        ),
        min=1,
    ),
    _group(
        "Demographics",
        Leaf("PersonFamilyName", "ST_NHS_PersonName", "text", "Family name", "CR0050"),
        Leaf("PersonGivenName", "ST_NHS_PersonName", "text", "Given name", "CR0060"),
        Leaf("PostcodeOfUsualAddressAtDiagnosis", "ST_NHS_Postcode", "text", "Postcode", "CR0080"),
        Leaf("PersonStatedGenderCode", "ST_NHS_Gender", "code", "Stated gender", "CR3170"),
        Leaf("EthnicCategory", "ST_NHS_Ethnicity", "code", "Ethnic category", "CR0150"),
    ),
    _group(
        "CancerCarePlan",
        Leaf("MultidisciplinaryTeamDiscussionDateCancer", "xs:date", "text", "MDT discussion date", "CR0430"),
        Leaf("CancerCarePlanIntent", "ST_NHS_CancerCarePlanIntent", "code", "Care plan intent", "CR0460"),
    ),
    _TREATMENT,
    min=1, max=UNBOUNDED,
)


def _apply(node, row):
    if isinstance(node, Leaf):
        change = row["renamed"].get(node.key)
        if change:
            node = replace(node, name=change.get("name", node.name), item=change.get("item", node.item),
                           type=change.get("type", node.type))
        return node
    children = tuple(_apply(c, row) for c in node.children if getattr(c, "key", "") not in row["removed"])
    node = replace(node, children=children)
    if isinstance(node, Group) and node.key == "ColorectalRecord":
        node = replace(node, name=row["record_element"])
    return node


@lru_cache(maxsize=None)
def for_version(version):
    """(header leaves, record group) as the given version writes them."""
    row = versions.get(version)
    return HEADER, _apply(RECORD, row)
