"""Response to treatment in real Chromium: a clinician records a rectal
tumour's regression grade and two response assessments in place on the
episode page (entered out of date order), then reads them on the patient's
timeline in date order."""
from datetime import datetime

import pytest
from playwright.sync_api import expect

from tests.browser.page_steps import settled
from tests.clinical_data import ACTOR, make_episode, make_patient, make_tumour
from webapp import db
from webapp.store import treatments

pytestmark = pytest.mark.browser

RADIO = {"treatment_type": "radiotherapy", "treatment_date": datetime(2024, 2, 5), "treatment_intent": "01",
         "provider_organisation": "RX1", "treatment_site": "RX1RA", "adjunctive_therapy": "2",
         "total_dose_gy": 45.0, "fractions": 25, "end_date": datetime(2024, 3, 11), "radiotherapy_course": "long",
         "response": None, "response_date": None}


@pytest.fixture
def rectal(app):
    with app.app_context():
        patient = make_patient()
        episode = make_episode(patient)
        tumour = make_tumour(episode, icd10_code="C20", site="Rectum")
        treatments.add(episode, RADIO, ACTOR)
    return patient, episode, tumour


def _add_assessment(page, when, method, scale, result):
    section = page.locator("#responses")
    section.get_by_role("link", name="Add a response assessment").click()
    form = page.get_by_test_id("assessment-form")
    expect(form).to_be_visible()
    settled(page)
    form.get_by_label("Date of assessment").fill(when)
    form.get_by_label("Method", exact=True).select_option(method)
    form.get_by_label("Scale", exact=True).select_option(scale)
    form.get_by_label("Result", exact=True).select_option(result)
    form.get_by_role("button", name="Save assessment").click()
    expect(page.get_by_test_id("assessment-form")).to_have_count(0)
    settled(page)


def test_clinician_records_grade_and_assessments_and_reads_them_on_the_timeline(page, sign_in, rectal, database):
    patient, episode, tumour = rectal
    sign_in("clinician")
    page.goto(f"/episodes/{episode['_id']}")
    responses = page.locator("#responses")
    expect(responses).to_contain_text("No response assessments recorded.")
    page.evaluate("window.notReloaded = true")

    # The regression grade, on the tumour's own form.
    row = page.locator(f"#tumour-{tumour['tumour_id']}")
    row.get_by_role("link", name="Edit").click()
    form = page.get_by_test_id("tumour-form")
    expect(form).to_contain_text("For rectal cancer after neo-adjuvant")
    form.get_by_label("Tumour regression grade (AJCC/CAP TRG)").select_option("1")
    form.get_by_role("button", name="Save tumour").click()
    expect(row.get_by_test_id("regression-grade")).to_have_text("TRG 1 - near-complete response")
    # The response section follows the tumour's change by itself.
    expect(responses.get_by_test_id("tumour-regression-grade")).to_contain_text("TRG 1 - near-complete response")
    expect(page.get_by_test_id("tumour-notes")).to_have_count(0)  # the patient had neo-adjuvant treatment

    # Two assessments, the later one entered first.
    _add_assessment(page, "2024-05-02", "endoscopy", "clinical", "clinical_incomplete")
    _add_assessment(page, "2024-04-22", "mri", "mrtrg", "mrTRG2")
    results = responses.get_by_test_id("assessment-result")
    expect(results).to_have_count(2)
    expect(results.nth(0)).to_contain_text("mrTRG 2 - good response")
    expect(results.nth(1)).to_contain_text("Incomplete clinical response")
    assert page.evaluate("window.notReloaded") is True
    assert database[db.RESPONSE_ASSESSMENTS].count_documents({"tumour_id": tumour["tumour_id"]}) == 2

    # The timeline, in date order: diagnosis (with its grade), treatment, MRI, endoscopy.
    page.goto(f"/patients/{patient['_id']}")
    timeline = page.get_by_test_id("timeline")
    expect(timeline.locator('li[data-kind="tumour"]')).to_contain_text("regression grade TRG 1")
    events = timeline.locator('li[data-kind="response"]')
    expect(events).to_have_count(2)
    expect(events.nth(0)).to_contain_text("22 Apr 2024")
    expect(events.nth(0)).to_contain_text("Response assessment by MRI")
    expect(events.nth(0)).to_contain_text("mrTRG 2 - good response")
    expect(events.nth(1)).to_contain_text("02 May 2024")
    expect(events.nth(1)).to_contain_text("Incomplete clinical response")
    kinds = timeline.locator("li").evaluate_all("items => items.map(li => li.dataset.kind)")
    assert kinds.index("tumour") < kinds.index("treatment") < kinds.index("response")


def test_a_mismatched_scale_is_refused_in_place(page, sign_in, rectal, database):
    _, episode, _ = rectal
    sign_in("clinician")
    page.goto(f"/episodes/{episode['_id']}")
    page.locator("#responses").get_by_role("link", name="Add a response assessment").click()
    form = page.get_by_test_id("assessment-form")
    settled(page)
    form.get_by_label("Date of assessment").fill("2024-04-22")
    form.get_by_label("Method", exact=True).select_option("ct")
    form.get_by_label("Scale", exact=True).select_option("mrtrg")
    form.get_by_label("Result", exact=True).select_option("PR")
    form.get_by_role("button", name="Save assessment").click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_contain_text("is not a result on the mrTRG 1-5")
    expect(summary).to_contain_text("is assessed by MRI, not by CT")
    assert database[db.RESPONSE_ASSESSMENTS].count_documents({}) == 0
