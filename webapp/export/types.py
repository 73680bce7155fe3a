"""The simple types the COSD export uses: the official v9.0.1 data types
(patterns, lengths, ranges) and, where COSD has a code list, the project's
own list from domain/codes.py as the enumeration. The XSDs are generated from
this module, and the builder checks values with it before lxml does, so a
record can be left out with a reason in plain words.
"""
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from webapp.domain import codes
from webapp.export.icd10 import cosd_icd10

_DATE_FORM = {"xs:date": re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}"),
              "xs:dateTime": re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}")}


@dataclass(frozen=True)
class SimpleType:
    name: str
    base: str  # xs:string, xs:token, xs:integer, xs:date, xs:dateTime
    enum: dict = field(default=None, hash=False)
    pattern: str = None
    min_length: int = None
    max_length: int = None
    min_inclusive: int = None
    max_inclusive: int = None

    def problem(self, value):
        """Why `value` (a str) does not fit this type, or None when it does."""
        if self.enum is not None:
            return None if value in self.enum else "is not one of the COSD codes"
        if self.base in ("xs:date", "xs:dateTime"):
            try:
                (date.fromisoformat if self.base == "xs:date" else datetime.fromisoformat)(value)
            except ValueError:
                return "is not a date"
            return None if _DATE_FORM[self.base].fullmatch(value) else "is not a date"
        if self.base == "xs:integer":
            if not re.fullmatch(r"[0-9]+", value):
                return "is not a whole number"
            number = int(value)
            if self.min_inclusive is not None and number < self.min_inclusive:
                return "is too small"
            if self.max_inclusive is not None and number > self.max_inclusive:
                return "is too large"
            return None
        if self.min_length is not None and len(value) < self.min_length:
            return f"is shorter than {self.min_length} characters"
        if self.max_length is not None and len(value) > self.max_length:
            return f"is longer than {self.max_length} characters"
        if self.pattern is not None and not _compiled(self.pattern).fullmatch(value):
            return "is not in the required form"
        return None


_PATTERNS = {}


def _compiled(pattern):
    rx = _PATTERNS.get(pattern)
    if rx is None:
        rx = _PATTERNS[pattern] = re.compile(pattern)
    return rx


DATE = SimpleType("xs:date", "xs:date")
DATETIME = SimpleType("xs:dateTime", "xs:dateTime")

_TYPES = [
    SimpleType("ST_NHS_uuid", "xs:string", min_length=36, max_length=36,
               pattern="[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{12}"),
    SimpleType("ST_NHS_OrganisationIdentifierCodeThree", "xs:string", pattern="[A-Z0-9]{3,6}",
               min_length=3, max_length=6),
    SimpleType("ST_NHS_RecordCount", "xs:integer", min_inclusive=1, max_inclusive=9999999),
    SimpleType("ST_NHS_NHSNumber", "xs:integer", min_inclusive=1000000000, max_inclusive=9999999999),
    SimpleType("ST_NHS_LocalPatientIdExtended", "xs:string", min_length=1, max_length=20),
    SimpleType("ST_NHS_NHSNumberStatusIndicator", "xs:token", enum=codes.NHS_NUMBER_STATUS),
    SimpleType("ST_NHS_OrganisationIdentifierCodeOne", "xs:string", pattern="[A-Z0-9]{3,5}",
               min_length=3, max_length=5),
    SimpleType("ST_NHS_OrganisationIdentifierCodeTwo", "xs:string", pattern="[A-Z0-9]{5,9}",
               min_length=5, max_length=9),
    # Official type: 4-6 characters. Ours takes exactly the in-scope sites.
    SimpleType("ST_NHS_PrimaryDiagnosis", "xs:token",
               enum={cosd_icd10(code): meaning for code, meaning in codes.COLORECTAL_SITES.items()}),
    SimpleType("ST_NHS_Laterality", "xs:token", enum=codes.LATERALITY),
    SimpleType("ST_NHS_SourceOfReferral", "xs:token", enum=codes.REFERRAL_SOURCE),
    SimpleType("ST_NHS_SNOMED", "xs:token", pattern="[A-Z0-9]{6,18}", min_length=6, max_length=18),
    SimpleType("ST_NHS_SNOMEDVersion", "xs:token", enum=codes.SNOMED_VERSION),
    SimpleType("ST_NHS_GradeOfDifferentiation", "xs:token", enum=codes.GRADE),
    SimpleType("ST_NHS_AdultPerformanceStatus", "xs:token", enum=codes.PERFORMANCE_STATUS),
    SimpleType("ST_NHS_MetastaticDiseaseType", "xs:token", enum=codes.METASTATIC_TYPE),
    SimpleType("ST_NHS_MetastaticSite", "xs:token", enum=codes.METASTATIC_SITE),
    SimpleType("ST_NHS_TCategory", "xs:string", enum=codes.T_CATEGORY),
    SimpleType("ST_NHS_NCategory", "xs:string", enum=codes.N_CATEGORY),
    SimpleType("ST_NHS_MCategory", "xs:string", enum=codes.M_CATEGORY),
    SimpleType("ST_NHS_TNMCodingEdition", "xs:token", enum=codes.TNM_CODING_EDITION),
    SimpleType("ST_NHS_TNMVersionNumberStaging", "xs:string", enum=codes.TNM_VERSION),
    SimpleType("ST_NHS_PersonName", "xs:string", min_length=1, max_length=35),
    SimpleType("ST_NHS_Postcode", "xs:string", min_length=0, max_length=8),
    SimpleType("ST_NHS_Gender", "xs:token", enum=codes.STATED_GENDER),
    SimpleType("ST_NHS_Ethnicity", "xs:token", enum=codes.ETHNIC_CATEGORY),
    SimpleType("ST_NHS_CancerCarePlanIntent", "xs:token", enum=codes.CARE_PLAN_INTENT),
    SimpleType("ST_NHS_AdjunctiveTherapyType", "xs:token", enum=codes.ADJUNCTIVE_THERAPY),
    SimpleType("ST_NHS_CancerTreatmentIntent", "xs:token", enum=codes.TREATMENT_INTENT),
    SimpleType("ST_NHS_CancerTreatmentModalityRegistration", "xs:token", enum=codes.TREATMENT_MODALITY),
    SimpleType("ST_NHS_HospitalDischargeDestinationCode", "xs:token", enum=codes.DISCHARGE_DESTINATION),
    # v10's CR9080 (see versions.py for its sources).
    SimpleType("ST_NHS_DestinationOfDischargeHospitalProviderSpell", "xs:token",
               enum=codes.DISCHARGE_DESTINATION_V10),
    SimpleType("ST_NHS_SurgicalAdmissionType", "xs:token", enum=codes.SURGICAL_ADMISSION_TYPE),
    SimpleType("ST_NHS_opcs", "xs:string", pattern="[A-Z]{1}[0-9]{3}", min_length=4, max_length=4),
    SimpleType("ST_NHS_YesNoNotKnown", "xs:token", enum=codes.YES_NO_UNKNOWN),
    SimpleType("ST_NHS_ASAPhysicalStatusClassificationSystemCode", "xs:token", enum=codes.ASA_SCORE),
    SimpleType("ST_NHS_SurgicalAccessType", "xs:token", enum=codes.SURGICAL_ACCESS_TYPE),
]


def all_types():
    """Name -> SimpleType, in a stable order (the XSD lists them this way)."""
    out = {t.name: t for t in _TYPES}
    out[DATE.name] = DATE
    out[DATETIME.name] = DATETIME
    return out


_cache = {}


def get(name):
    if not _cache:
        _cache.update(all_types())
    return _cache[name]
