"""What differs between the COSD versions we export, as data: the one place
to change when a version changes. The builder and the XSD generator take the
v9.0.1 colorectal layout (layout.py) and apply a version's row.

v10, for the items we emit, checked against every public source reachable
from here (no NDRS v10 schema pack is public: NHS TRUD, behind a login):

- NDRS COSD user guide v10 (Core: linkage, demographics, treatment pages):
  CR0750 discharge destination is retired, replaced by CR9080 "Destination
  of Discharge (Hospital Provider Spell)", an2. Linkage (CR0010, CR0020,
  CR1350, CR0100, CR0030), demographics (CR0050, CR0060, CR0080, CR3170,
  CR0150) and treatment (CR6540, CR0680, CR1370, CR2040, CR1450, CR0740)
  keep their numbers and formats. The 77 items v10 removed include none of
  these; the guide pages for the rest we emit (diagnosis, staging, care
  plan, surgery) were not reachable, so nothing is removed here.
- CR9080's code list: Health-Informatics-UoN/nuh-data, a v10-era COSD
  model of Nottingham University Hospitals (schemas/datasets/cosd/cosd.yaml,
  enum DestinationOfDischargeHospitalProviderSpell, published at
  health-informatics-uon.github.io/nuh-data/datasets/cosd/
  DestinationOfDischargeHospitalProviderSpell/; its research view carries
  CR9080 as VARCHAR(2) beside CR0740): 19, 29, 30, 37, 40, 42, 48-53, 55,
  56, 66, 79, 84, 87, 88, 89, 98, 99. Against v9's list (the tree in
  ../shared/reference/cosd-v9-0-1, and COSD v4's schema pack on
  v3.datadictionary.nhs.uk) it adds 40, 42, 55, 56, 89 and drops 38, 54,
  65, 85. HL7 UK's UK Core code system "NHS Data Model and Dictionary
  Discharge Destination" (simplifier.net, UK Core 0.2.0), the one that
  still holds 38, 54, 65 and 85, is marked retired; its successor
  UKCore-DischargeDestinationEngland was copied from the data dictionary's
  "Discharge Destination Code (Hospital Provider Spell)" page in 2021.
  So v10 files check codes.DISCHARGE_DESTINATION_V10, v9 files the v9 list.
  Third-party evidence, consistent across sources, not NDRS's own schema:
  marked unconfirmed on the page.
- CR9080's element name: not stated by any reachable source. COSD names an
  element by its data element in CamelCase (v9: DISCHARGE DESTINATION
  (HOSPITAL PROVIDER SPELL) -> DischargeDestinationHospitalProviderSpell),
  and the data dictionary's element is now DESTINATION OF DISCHARGE
  (HOSPITAL PROVIDER SPELL) (datadictionary.nhs.uk/data_elements/
  destination_of_discharge__hospital_provider_spell_.html, as cited by the
  NHS North West Genomics FHIR guide, nw-gmsa/nw-gmsa.github.com
  input/fsh/ValueSet/DischargeDestination.fsh): hence
  DestinationOfDischargeHospitalProviderSpell. Unconfirmed.
- Also unconfirmed: the v10 namespace and record element name, which only
  the schema pack states. Each is one constant or entry here.
- v9 is accepted only for diagnoses up to June 2024; v10 is mandatory from
  July 2024 (`diagnoses_until`): a v9 file leaves later diagnoses out and
  lists them, to be sent in a v10 file.
"""
from datetime import date

NAMESPACE_V9 = "http://www.datadictionary.nhs.uk/messages/COSD-v9-0-1"
NAMESPACE_V10 = "http://www.datadictionary.nhs.uk/messages/COSD-v10-0"

VERSIONS = {
    "9": {
        "label": "COSD v9.0.1",
        "namespace": NAMESPACE_V9,
        "record_element": "ColorectalRecord",
        "xsd": "cosd-v9-0-1.xsd",
        # The last diagnosis date this version may carry; None: no limit.
        "diagnoses_until": date(2024, 6, 30),
        # element name -> {"name": new name, "item": new COSD item number, "type": new simple type}
        "renamed": {},
        # element names this version does not carry
        "removed": set(),
        # What the file relies on that no public source confirms (shown on the page).
        "unconfirmed": (),
    },
    "10": {
        "label": "COSD v10.0",
        "namespace": NAMESPACE_V10,
        "record_element": "ColorectalRecord",
        "xsd": "cosd-v10-0.xsd",
        "diagnoses_until": None,
        "renamed": {
            "DischargeDestinationHospitalProviderSpell": {
                "name": "DestinationOfDischargeHospitalProviderSpell", "item": "CR9080",
                "type": "ST_NHS_DestinationOfDischargeHospitalProviderSpell"},
        },
        "removed": set(),
        "unconfirmed": (
            f"the file's namespace ({NAMESPACE_V10}) and record element (ColorectalRecord): "
            "only NDRS's v10 schema pack states them, and it is not public",
            "the element name of discharge destination (CR9080), "
            "DestinationOfDischargeHospitalProviderSpell: formed from the data dictionary's item name, "
            "as COSD forms its element names",
            "CR9080's codes (40, 42, 55, 56 and 89 added; 38, 54, 65 and 85 gone): from a published "
            "v10-era COSD model (Nottingham's nuh-data) and the data dictionary's current list, "
            "not from NDRS's own schema",
        ),
    },
}


def get(version):
    """The row for "9" or "10" (KeyError for anything else)."""
    return VERSIONS[str(version)]
