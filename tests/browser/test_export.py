"""A data officer sets a period, sees the completeness table and what would
be left out, and downloads the file: in real Chromium."""
import re

import pytest
from lxml import etree
from playwright.sync_api import expect

from tests.export import dataset
from webapp.export import xsd

pytestmark = pytest.mark.browser


def test_data_officer_checks_completeness_and_downloads(page, sign_in, database, tmp_path):
    data = dataset.golden()
    data["patients"][1]["nhs_number_status"] = None  # MRN0002: a mandatory item missing, left out
    data["treatments"][1]["treatment_site"] = None  # MRN0001's chemotherapy: left out of a record that is sent
    dataset.insert(database, data)
    sign_in("data_officer")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="NBOCA export").click()
    expect(page.get_by_role("heading", name="NBOCA submission")).to_be_visible()

    page.get_by_label("COSD version").select_option("10")
    page.get_by_label("Reporting period start").fill("2024-01-01")
    page.get_by_label("Reporting period end").fill("2024-12-31")
    page.get_by_role("button", name="Check the data").click()

    expect(page.get_by_test_id("in-scope")).to_have_text("3")
    expect(page.get_by_test_id("left-out")).to_have_text("1")
    table = page.get_by_test_id("completeness")
    expect(table).to_be_visible()
    expect(table.get_by_role("row").filter(has_text="Surgical access type")).to_contain_text("2 of 2")
    expect(table.get_by_role("row").filter(has_text="Date of birth")).to_contain_text("100.0%")
    left_out = page.get_by_test_id("left-out-list")
    expect(left_out).to_contain_text("NHS number status (CR1350) is missing")
    episode_id = str(data["episodes"][1]["_id"])
    expect(left_out.get_by_role("link", name="Open the episode")).to_have_attribute("href", f"/episodes/{episode_id}")
    dropped = page.get_by_test_id("dropped")
    expect(dropped).to_contain_text("TRT-0002")
    expect(dropped).to_contain_text("Treatment site (CR1450) is missing")

    with page.expect_download() as info:
        page.get_by_role("link", name="Download the COSD v10 file").click()
    download = info.value
    # The file is checked before its first byte is sent: the page says so.
    expect(page.locator("#page-status")).to_contain_text(re.compile(r"File asked for at \d\d:\d\d\. It is checked"))
    # No provider chosen and none configured: the commonest provider (RX1 and RTH tie: first by code).
    assert download.suggested_filename == "nboca-RTH-cosd-v10-2024-01-01-to-2024-12-31.xml"
    path = tmp_path / "download.xml"
    download.save_as(path)
    doc = etree.parse(str(path))
    assert xsd.schema("10").validate(doc)
    assert len(doc.getroot().findall("ColorectalRecord")) == 2

    page.reload()
    expect(page.get_by_test_id("export-history")).to_contain_text("nboca-RTH-cosd-v10-2024-01-01-to-2024-12-31.xml")


def test_invalid_period_is_explained(page, sign_in):
    sign_in("data_officer")
    page.goto("/exports/")
    page.get_by_label("Reporting period start").fill("2024-12-31")
    page.get_by_label("Reporting period end").fill("2024-01-01")
    page.get_by_role("button", name="Check the data").click()
    expect(page.get_by_role("alert")).to_contain_text("The end of the period must be on or after its start.")
