"""A clinician reads the treatment outcomes for a period: in real Chromium."""
from datetime import datetime

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_clinician_reads_outcomes_for_a_period(page, sign_in, database):
    database.treatments.insert_many([
        {"treatment_id": f"TRT-{n}", "episode_id": f"ep{n}", "patient_id": f"MRN{n}", "treatment_type": "surgery",
         "treatment_date": datetime(2024, 5, n), "provider_organisation": "RX1", "surgical_access_type": "4",
         "return_to_theatre": "YN"[n % 2], "anastomosis": True, "anastomotic_leak": False,
         "readmission_30d": False, "length_of_stay_days": 4 + n}
        for n in range(1, 5)])
    sign_in("clinician")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Outcomes").click()
    page.get_by_label("Reporting period start").fill("2024-04-01")
    page.get_by_label("Reporting period end").fill("2025-03-31")
    page.get_by_role("button", name="Show the outcomes").click()

    table = page.get_by_test_id("operation-outcomes")
    cells = table.get_by_role("row").filter(has_text="Laparoscopic - completed").get_by_role("cell")
    # Operations, return to theatre (n = 2 and 4 are "Y"), leak, readmission, median stay (5, 6, 7, 8).
    expect(cells).to_have_text(["4", "2 of 4 (50.0%)", "0 of 4 (0.0%)", "0 of 4 (0.0%)", "6.5 (4)"])
    expect(page.get_by_test_id("treatment-counts")).to_contain_text("Surgery")
