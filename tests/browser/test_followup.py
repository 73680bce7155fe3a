"""Follow-up in real Chromium: a clinician records a curative resection and
sees its planned tests on the patient's timeline; a manager opens the
overdue list; a clinician records one as done in place, and it leaves the list."""
from datetime import date, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.page_steps import settled, sign_out
from tests.clinical_data import make_episode, make_patient
from webapp.domain import surveillance

pytestmark = pytest.mark.browser

OPERATED = date.today() - timedelta(days=800)


@pytest.fixture
def patient(app):
    with app.app_context():
        patient = make_patient()
        episode = make_episode(patient, referral=datetime.combine(OPERATED - timedelta(days=40), datetime.min.time()))
    return {"patient": patient, "episode": episode}


def test_planned_on_the_timeline_overdue_for_a_manager_and_done_in_place(page, sign_in, patient, database):
    sign_in("clinician")
    page.goto(f"/episodes/{patient['episode']['_id']}")
    page.locator("#treatments").get_by_role("link", name="Add a treatment").click()
    form = page.get_by_test_id("treatment-form")
    expect(form).to_be_visible()
    settled(page)
    form.get_by_label("Treatment intent").select_option("01")
    form.get_by_label("Treatment date", exact=True).fill(OPERATED.isoformat())
    form.get_by_label("Provider organisation (ODS code)", exact=True).fill("RX1")
    form.get_by_label("Primary procedure (OPCS-4)", exact=True).fill("H071")
    form.get_by_label("Consultant surgeon", exact=True).fill("Mr A Surgeon")
    form.get_by_role("button", name="Save treatment").click()
    expect(page.locator('#treatments tr[data-type="surgery"]')).to_have_count(1)

    page.goto(f"/patients/{patient['patient']['_id']}")
    planned = page.get_by_test_id("follow-up")
    expect(planned).to_have_count(len(surveillance.SCHEDULE))
    expect(page.get_by_test_id("timeline")).to_contain_text(
        "CEA blood test (6 months after the operation): planned, due")
    [treatment] = list(database.treatments.find({}))
    fid = surveillance.follow_up_id(treatment, "cea-06")
    sign_out(page)

    sign_in("manager")
    page.get_by_role("link", name="Overdue follow-up").click()
    rows = page.get_by_test_id("overdue-row")
    expect(rows.first).to_be_visible()
    overdue = rows.count()
    assert overdue >= 6
    expect(page.locator(f'[data-follow-up="{fid}"]')).to_contain_text("MRN0000001")
    page.get_by_label("Test").select_option("colonoscopy")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("overdue-row")).to_have_count(1)
    sign_out(page)

    sign_in("clinician")
    page.goto(f"/patients/{patient['patient']['_id']}")
    page.evaluate("window.notReloaded = true")
    line = page.locator(f"#follow-up-{fid}")
    line.get_by_role("link", name="Record the result").click()
    result = page.get_by_test_id("follow-up-form")
    expect(result).to_be_visible()
    settled(page)
    result.get_by_label("Was the test done?").select_option("done")
    result.get_by_label("Date done").fill((date.today() + timedelta(days=3)).isoformat())
    result.get_by_role("button", name="Save the result").click()
    expect(page.get_by_test_id("error-summary")).to_contain_text("cannot be in the future")
    expect(page.get_by_test_id("error-summary")).to_contain_text("Enter the CEA value")
    settled(page)
    result = page.get_by_test_id("follow-up-form")
    result.get_by_label("Date done").fill(date.today().isoformat())
    result.get_by_label("CEA (ng/mL)").fill("2.7")
    result.get_by_role("button", name="Save the result").click()
    line = page.locator(f"#follow-up-{fid}")
    expect(line).to_contain_text("done")
    expect(line).to_contain_text("2.7 ng/mL")
    expect(page.get_by_test_id("follow-up-form")).to_have_count(0)
    assert page.evaluate("window.notReloaded") is True
    assert database.follow_ups.find_one({"follow_up_id": fid})["status"] == "done"

    page.get_by_role("link", name="Overdue follow-up").click()
    expect(page.get_by_test_id("overdue-row").first).to_be_visible()
    expect(page.get_by_test_id("overdue-row")).to_have_count(overdue - 1)
    expect(page.locator(f'[data-follow-up="{fid}"]')).to_have_count(0)
