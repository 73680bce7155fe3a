"""What differs between the COSD versions we export, as data: the one place
to change when a version changes. The builder and the XSD generator take the
v9.0.1 colorectal layout (layout.py) and apply a version's row.

v10, checked against the NDRS COSD user guide v10 (Core: linkage,
demographics, treatment pages) for the items we emit:
- CR0750 discharge destination is retired, replaced by CR9080 "Destination
  of Discharge (Hospital Provider Spell)", an2, required. Its code list is
  the current data dictionary's; a third-party list suggests codes changed,
  which no NDRS source here confirms, so both versions check the project's
  one list (domain/codes.py).
- Linkage (CR0010, CR0020, CR1350, CR0100, CR0030), demographics (CR0050,
  CR0060, CR0080, CR3170, CR0150) and treatment (CR6540, CR0680, CR1370,
  CR2040, CR1450, CR0740) keep their numbers and formats.
- The 77 items v10 removed include none of these; the guide pages for the
  rest we emit (diagnosis, staging, care plan, surgery) were not reachable,
  so nothing is removed here.
- v9 is accepted only for diagnoses up to June 2024; v10 is mandatory from
  July 2024 (`diagnoses_until`). The export warns rather than refuses: a v9
  file is also what the project checks against the official v9 tree.
Not confirmed by any source here: the v10 namespace and record element
name, which only the schema pack (NHS TRUD, behind a login) states. They
are one constant and one entry each, so correcting them is a one-line change.
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
        # element name -> {"name": new name, "item": new COSD item number}
        "renamed": {},
        # element names this version does not carry
        "removed": set(),
    },
    "10": {
        "label": "COSD v10.0",
        "namespace": NAMESPACE_V10,
        "record_element": "ColorectalRecord",
        "xsd": "cosd-v10-0.xsd",
        "diagnoses_until": None,
        "renamed": {
            "DischargeDestinationHospitalProviderSpell": {
                "name": "DischargeDestinationCodeHospitalProviderSpell", "item": "CR9080"},
        },
        "removed": set(),
    },
}


def get(version):
    """The row for "9" or "10" (KeyError for anything else)."""
    return VERSIONS[str(version)]
