"""The outcomes dashboard and treatment pathways in real Chromium: a manager
reads a funnel plot and its table, opens the records behind a number and
downloads the CSV; a clinician links adjuvant chemotherapy to the operation
it follows and sees one pathway on the timeline."""
from datetime import datetime

import pytest
from playwright.sync_api import expect

from tests.browser.page_steps import settled
from tests.browser.test_clinical import _fill
from tests.clinical_data import make_episode, make_patient, surgery_fields
from tests.views.test_outcomes_nboca import _seed
from webapp.store import treatments

pytestmark = pytest.mark.browser


def test_manager_reads_a_funnel_opens_its_records_and_downloads_the_csv(page, sign_in, database):
    # Four resections at RX1 (stays of 4 days) and one of 9 days: one stay over 5 days in 5.
    _seed(database, n=4, extra=[dict(i=10, los=9)])
    sign_in("manager")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Outcomes").click()
    page.get_by_label("Reporting period start").fill("2024-04-01")
    page.get_by_label("Reporting period end").fill("2025-03-31")
    page.get_by_role("button", name="Show the outcomes").click()

    measures = page.get_by_test_id("measures")
    expect(measures.get_by_role("row").filter(has_text="Length of stay over 5 days")).to_contain_text("1 of 5")
    section = page.get_by_test_id("funnel-section-stay5-provider")
    plot = page.get_by_test_id("funnel-stay5-provider")
    expect(plot).to_be_hidden()  # folded until asked for
    section.locator("summary").click()
    expect(plot).to_be_visible()
    expect(plot.locator("circle")).to_have_count(1)
    row = page.get_by_test_id("funnel-table-stay5-provider").get_by_role("row").filter(has_text="RX1")
    expect(row.get_by_role("cell").nth(1)).to_have_text("1")   # numerator
    expect(row.get_by_role("cell").nth(2)).to_have_text("5")   # denominator

    row.get_by_role("link", name="1", exact=True).click()
    records = page.get_by_test_id("records")
    expect(records).to_contain_text("TRT-0010")
    expect(records.get_by_role("row")).to_have_count(2)  # heading and the one resection
    expect(page.get_by_text("open the episode")).to_have_count(0)  # a manager opens no clinical record
    page.go_back()

    page.get_by_test_id("funnel-section-stay5-provider").locator("summary").click()
    with page.expect_download() as info:
        section = page.get_by_test_id("funnel-section-stay5-provider")
        section.get_by_role("link", name="Download this table (CSV)").click()
    download = info.value
    assert download.suggested_filename == "nboca-stay5-by-provider-2024-04-01-2025-03-31.csv"
    lines = open(download.path(), encoding="utf-8").read().splitlines()
    assert lines[0].startswith("provider,numerator,denominator") and lines[1].startswith("RX1,1,5,0,0.2000")


def test_the_dashboard_says_it_is_working_while_the_figures_come(page, sign_in, database):
    _seed(database, n=2)
    sign_in("manager")
    page.goto("/reports/outcomes")
    status = page.get_by_role("status")
    expect(status).to_have_text("")
    held = []
    # The answer is held back, as a large period's would be, until the status line has been read.
    page.route("**/reports/outcomes?*", lambda route: held.append(route))
    page.get_by_label("Reporting period start").fill("2024-04-01")
    page.get_by_label("Reporting period end").fill("2025-03-31")
    page.get_by_role("button", name="Show the outcomes").click(no_wait_after=True)
    # Read from the page itself: a locator would wait for the held navigation to finish.
    shown = page.evaluate("""() => new Promise(done => setTimeout(() => done({
        status: document.querySelector("[role=status]").textContent,
        disabled: document.querySelector("form[aria-label=Period] button").disabled}), 0))""")
    assert shown == {"status": "Working out the outcomes: a year of records takes a few seconds.", "disabled": True}
    for _ in range(50):  # the held request reaches the handler once Playwright turns to its events
        if held:
            break
        page.wait_for_timeout(100)
    held[0].continue_()
    expect(page.get_by_test_id("measures")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("")  # the answer's own page starts quiet


def test_clinician_links_a_pathway_and_sees_it_on_the_timeline(app, page, sign_in, database):
    with app.app_context():
        patient = make_patient()
        episode = make_episode(patient)
        operation = treatments.add(episode, surgery_fields(datetime(2024, 3, 1)), "test")
    sign_in("clinician")
    page.goto(f"/episodes/{episode['_id']}")
    page.locator("#treatments").get_by_role("link", name="Add a treatment").click()
    form = page.get_by_test_id("treatment-form")
    settled(page)
    form.get_by_label("Treatment type").select_option("chemotherapy")
    expect(form.get_by_test_id("type-fields")).to_have_attribute("data-type", "chemotherapy")
    settled(page)
    form.get_by_label("Treatment intent").select_option("01")
    form.get_by_label("Treatment date", exact=True).fill("2024-02-01")
    form.get_by_label("Provider organisation (ODS code)").fill("RX1")
    form.get_by_label("Adjunctive therapy").select_option("1")
    _fill(form, {"Regimen": "CAPOX", "Cycles": "8"})  # adjuvant: the adjunctive therapy above says so
    form.get_by_label("Follows or belongs with").select_option(operation["treatment_id"])
    form.get_by_role("button", name="Save treatment").click()
    # Adjuvant, yet dated before the operation: refused on the date, nothing saved.
    expect(page.get_by_test_id("error-summary")).to_contain_text("dated before the one it follows")
    assert database.treatments.count_documents({}) == 1

    form = page.get_by_test_id("treatment-form")
    expect(form.get_by_label("Follows or belongs with")).to_have_value(operation["treatment_id"])  # kept
    form.get_by_label("Treatment date", exact=True).fill("2024-04-02")
    form.get_by_role("button", name="Save treatment").click()
    expect(page.get_by_test_id("treatment-form")).to_have_count(0, timeout=10_000)
    stored = database.treatments.find_one({"treatment_type": "chemotherapy"})
    assert stored["follows_treatment_id"] == operation["treatment_id"]

    page.goto(f"/patients/{patient['_id']}")
    expect(page.get_by_test_id("pathway")).to_have_count(1)
    expect(page.get_by_test_id("pathway")).to_contain_text(
        "01 Mar 2024 Surgery → 02 Apr 2024 Chemotherapy (adjuvant)")
    expect(page.get_by_test_id("pathway-step")).to_have_count(2)


def test_a_treatment_others_follow_says_why_it_cannot_be_deleted(app, page, sign_in, database):
    with app.app_context():
        patient = make_patient()
        episode = make_episode(patient)
        operation = treatments.add(episode, surgery_fields(datetime(2024, 3, 1)), "test")
        chemo = treatments.add(episode, {**surgery_fields(datetime(2024, 4, 1)), "opcs4_primary": "H071",
                                         "follows_treatment_id": operation["treatment_id"]}, "test")
    sign_in("clinician")
    page.goto(f"/episodes/{episode['_id']}")
    section = page.locator("#treatments")
    section.locator(f"#treatment-{operation['treatment_id']}").get_by_role("link", name="Delete").click()
    confirm = page.get_by_test_id("confirm-delete")
    expect(confirm.get_by_test_id("delete-blocked")).to_contain_text(
        f"Surgery on 01 Apr 2024 ({chemo['treatment_id']}) follows this treatment in its pathway")
    expect(confirm.get_by_role("button", name="Yes, delete it")).to_have_count(0)
    confirm.get_by_role("link", name="Back to the treatments").press("Enter")  # by keyboard
    expect(page.get_by_test_id("confirm-delete")).to_have_count(0)
    assert database.treatments.count_documents({}) == 2

