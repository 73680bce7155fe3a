"""The project XSDs are generated from the layout and domain/codes.py: the
committed files equal what the generator writes, and their enumerations
equal the code lists."""
import pytest
from lxml import etree

from webapp.domain import codes
from webapp.export import layout, types, versions, xsd

XS = "{http://www.w3.org/2001/XMLSchema}"


def test_committed_xsds_equal_the_generated_ones():
    for name, text in xsd.generated_files().items():
        committed = (xsd.XSD_DIR / name).read_text("utf-8")
        assert committed == text, f"{name} is stale: run `python -m webapp.export.xsd`"


def _enumerations():
    doc = etree.parse(str(xsd.XSD_DIR / xsd.TYPES_FILE))
    return {st.get("name"): [e.get("value") for e in st.iter(XS + "enumeration")]
            for st in doc.iter(XS + "simpleType")}


@pytest.mark.parametrize("type_name, code_list", [
    ("ST_NHS_SurgicalAccessType", codes.SURGICAL_ACCESS_TYPE),
    ("ST_NHS_SurgicalAdmissionType", codes.SURGICAL_ADMISSION_TYPE),
    ("ST_NHS_ASAPhysicalStatusClassificationSystemCode", codes.ASA_SCORE),
    ("ST_NHS_YesNoNotKnown", codes.YES_NO_UNKNOWN),
    ("ST_NHS_CancerTreatmentModalityRegistration", codes.TREATMENT_MODALITY),
    ("ST_NHS_CancerTreatmentIntent", codes.TREATMENT_INTENT),
    ("ST_NHS_AdjunctiveTherapyType", codes.ADJUNCTIVE_THERAPY),
    ("ST_NHS_Gender", codes.STATED_GENDER),
    ("ST_NHS_Ethnicity", codes.ETHNIC_CATEGORY),
    ("ST_NHS_NHSNumberStatusIndicator", codes.NHS_NUMBER_STATUS),
    ("ST_NHS_CancerCarePlanIntent", codes.CARE_PLAN_INTENT),
    ("ST_NHS_SourceOfReferral", codes.REFERRAL_SOURCE),
    ("ST_NHS_AdultPerformanceStatus", codes.PERFORMANCE_STATUS),
    ("ST_NHS_GradeOfDifferentiation", codes.GRADE),
    ("ST_NHS_TCategory", codes.T_CATEGORY),
    ("ST_NHS_HospitalDischargeDestinationCode", codes.DISCHARGE_DESTINATION),
])
def test_enumerations_equal_code_lists(type_name, code_list):
    assert _enumerations()[type_name] == list(code_list)


def test_every_enumerated_type_comes_from_codes_module():
    code_lists = [v for v in vars(codes).values() if isinstance(v, dict)]
    for t in types.all_types().values():
        if t.enum is not None and t.name != "ST_NHS_PrimaryDiagnosis":
            assert any(t.enum is lst for lst in code_lists), t.name


def test_primary_diagnosis_takes_exactly_the_in_scope_sites():
    assert _enumerations()["ST_NHS_PrimaryDiagnosis"] == [
        "C180", "C181", "C182", "C183", "C184", "C185", "C186", "C187", "C188", "C189", "C19X", "C20X"]
    assert len(codes.COLORECTAL_SITES) == 12


@pytest.mark.parametrize("version", list(versions.VERSIONS))
def test_schema_follows_the_layout_order(version):
    doc = etree.parse(str(xsd.XSD_DIR / versions.get(version)["xsd"]))
    names = [el.get("name") for el in doc.iter(XS + "element")]
    header, record = layout.for_version(version)
    expected = ["COSD"] + [leaf.name for leaf in header] + [record.name]
    assert names[:len(expected)] == expected
    assert versions.get(version)["namespace"] == doc.getroot().get("targetNamespace")


def test_a_robotic_code_in_element_text_is_rejected_by_the_schema():
    """The old system's form (<SurgicalAccessType>04</...>) fails our XSD."""
    golden = (xsd.XSD_DIR.parent.parent.parent / "tests" / "export" / "golden" / "nboca-v9.xml").read_bytes()
    bad = golden.replace(b'<SurgicalAccessType code="5"/>', b"<SurgicalAccessType>04</SurgicalAccessType>", 1)
    assert bad != golden
    assert not xsd.schema("9").validate(etree.fromstring(bad))
