"""A fixed dataset exports, with the clock pinned, to exactly the committed
files, and those files validate against the project XSDs."""
from pathlib import Path

import pytest
from lxml import etree

from tests.export.conftest import export_bytes
from webapp.export import xsd

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("version", ["9", "10"])
def test_export_equals_golden_file(app, golden_data, version):
    data, export = export_bytes(app, version)
    expected = (GOLDEN / f"nboca-v{version}.xml").read_bytes()
    assert data.decode("utf-8") == expected.decode("utf-8")
    assert export.valid


@pytest.mark.parametrize("version", ["9", "10"])
def test_golden_file_validates_against_project_xsd(version):
    doc = etree.parse(str(GOLDEN / f"nboca-v{version}.xml"))
    schema = xsd.schema(version)
    assert schema.validate(doc), schema.error_log


def test_golden_files_differ_only_where_the_versions_do():
    v9 = (GOLDEN / "nboca-v9.xml").read_text("utf-8").splitlines()
    v10 = (GOLDEN / "nboca-v10.xml").read_text("utf-8").splitlines()
    assert len(v9) == len(v10)
    differing = [(a, b) for a, b in zip(v9, v10, strict=True) if a != b]
    assert all("COSD-v" in a or "<Id root=" in a or "DischargeDestination" in a for a, _ in differing)
    assert any("DischargeDestinationCodeHospitalProviderSpell" in b for _, b in differing)
