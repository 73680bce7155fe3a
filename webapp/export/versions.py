"""What differs between the COSD versions we export, as data: the one place
to change when a version changes. The builder and the XSD generator take the
v9.0.1 colorectal layout (layout.py) and apply a version's row.

v10 differences we can document (from the NDRS release notes summarised in
the project's reference): the namespace, and discharge destination carried
as CR9080 in place of CR0750. The v10 namespace and element name are not
confirmed against an official v10 schema (none is published where we can
reach it); they are kept here so correcting them is a one-line change.
"""

NAMESPACE_V9 = "http://www.datadictionary.nhs.uk/messages/COSD-v9-0-1"
NAMESPACE_V10 = "http://www.datadictionary.nhs.uk/messages/COSD-v10-0"

VERSIONS = {
    "9": {
        "label": "COSD v9.0.1",
        "namespace": NAMESPACE_V9,
        "record_element": "ColorectalRecord",
        "xsd": "cosd-v9-0-1.xsd",
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
