"""Protocol templates in real Chromium: a clinician applies a template on the
add-treatment form (the fields fill in, the date typed stays), saves, links
the treatments to the operation and sees the pathway on the timeline; an
admin retires a template after a confirmation and clinicians are no longer
offered it; and applying works without JavaScript."""
from datetime import datetime

import pytest
from playwright.sync_api import expect

from tests.browser.page_steps import settled, sign_out
from tests.clinical_data import make_episode, make_patient, surgery_fields
from webapp.store import protocols, treatments

pytestmark = pytest.mark.browser

SHORT = "Short-course radiotherapy 25 Gy in 5 fractions"
CAPOX = "CAPOX 8 cycles (adjuvant)"


@pytest.fixture
def operated(app):
    with app.app_context():
        protocols.seed_defaults("test")
        patient = make_patient()
        episode = make_episode(patient)
        operation = treatments.add(episode, surgery_fields(datetime(2024, 3, 1)), "test")
        return {"patient": patient, "episode": episode, "operation": operation}


def _open_new_treatment(page, episode):
    page.goto(f"/episodes/{episode['_id']}")
    page.locator("#treatments").get_by_role("link", name="Add a treatment").click()
    settled(page)
    return page.get_by_test_id("treatment-form")


def _apply(page, name, date):
    form = page.get_by_test_id("treatment-form")
    form.get_by_label("Treatment date", exact=True).fill(date)
    form.get_by_label("Protocol template").select_option(label=name)
    expect(form.get_by_test_id("protocol-applied")).to_contain_text(name)
    settled(page)
    return page.get_by_test_id("treatment-form")


def test_clinician_applies_templates_and_links_a_pathway(page, sign_in, database, operated):
    sign_in("clinician")
    operation = operated["operation"]["treatment_id"]
    _open_new_treatment(page, operated["episode"])
    form = _apply(page, SHORT, "2024-01-20")
    expect(form.get_by_test_id("type-fields")).to_have_attribute("data-type", "radiotherapy")
    expect(form.get_by_label("Total dose (Gy)")).to_have_value("25")
    expect(form.get_by_label("Fractions")).to_have_value("5")
    expect(form.get_by_label("Course")).to_have_value("short")
    expect(form.get_by_label("Adjunctive therapy")).to_have_value("2")
    expect(form.get_by_label("Treatment date", exact=True)).to_have_value("2024-01-20")  # kept
    expect(form.get_by_label("Provider organisation (ODS code)")).to_have_value("RX1")
    form.get_by_label("Fractions").fill("5")  # the clinician may still change anything
    form.get_by_label("Follows or belongs with").select_option(operation)
    form.get_by_role("button", name="Save treatment").click()
    expect(page.get_by_test_id("treatment-form")).to_have_count(0)
    expect(page.get_by_test_id("saved")).to_contain_text("saved")
    radio = database.treatments.find_one({"treatment_type": "radiotherapy"})
    assert radio["protocol_template"] == SHORT and radio["total_dose_gy"] == 25
    assert radio["follows_treatment_id"] == operation

    # Adjuvant chemotherapy after the operation, from the CAPOX template.
    page.locator("#treatments").get_by_role("link", name="Add a treatment").click()
    settled(page)
    form = _apply(page, CAPOX, "2024-04-02")
    expect(form.get_by_label("Regimen")).to_have_value("CAPOX")
    expect(form.get_by_label("Cycles")).to_have_value("8")
    expect(form.get_by_label("Adjunctive therapy")).to_have_value("1")
    form.get_by_label("Follows or belongs with").select_option(operation)
    form.get_by_role("button", name="Save treatment").click()
    expect(page.get_by_test_id("treatment-form")).to_have_count(0)
    chemo = database.treatments.find_one({"treatment_type": "chemotherapy"})
    assert chemo["protocol_template"] == CAPOX and chemo["cycles"] == 8

    page.goto(f"/patients/{operated['patient']['_id']}")
    expect(page.get_by_test_id("pathway")).to_have_count(1)
    expect(page.get_by_test_id("pathway")).to_contain_text(
        "20 Jan 2024 Radiotherapy (neo-adjuvant) → 01 Mar 2024 Surgery → 02 Apr 2024 Chemotherapy (adjuvant)")


def test_admin_adds_and_retires_templates_and_clinicians_see_the_change(page, sign_in, database, operated):
    sign_in("admin")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Protocols").click()
    page.get_by_role("link", name="Add a template").click()
    form = page.get_by_test_id("protocol-form")
    form.get_by_label("Name").fill("Short-course radiotherapy 25 Gy in 5 (palliative)")
    form.get_by_label("Treatment type").select_option("radiotherapy")
    expect(form.get_by_test_id("protocol-values")).to_have_attribute("data-type", "radiotherapy")
    settled(page)
    form.get_by_label("Total dose (Gy)").fill("250")
    form.get_by_label("Fractions").fill("5")
    form.get_by_label("Treatment intent").select_option("02")
    form.get_by_role("button", name="Add template").click()
    # The treatment form's own rule, on the field: nothing added.
    expect(page.get_by_test_id("error-summary")).to_contain_text("Enter a dose from 0.5 to 120 Gy")
    page.get_by_test_id("protocol-form").get_by_label("Total dose (Gy)").fill("25")
    page.get_by_test_id("protocol-form").get_by_role("button", name="Add template").click()
    expect(page.get_by_role("status")).to_contain_text("is added")
    expect(page.get_by_test_id("protocol").filter(has_text="(palliative)")).to_contain_text("Total dose (Gy): 25")

    row = page.get_by_test_id("protocol").filter(has_text=CAPOX)
    row.get_by_role("link", name=f"Retire {CAPOX}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Retire “{CAPOX}”?")
    assert database.protocol_templates.find_one({"name": CAPOX})["active"] is True  # asked first
    page.get_by_role("button", name="Retire this template").click()
    expect(page.get_by_role("status")).to_contain_text("is retired")
    expect(page.get_by_test_id("protocol").filter(has_text=CAPOX)).to_contain_text("Retired")
    assert database.protocol_templates.find_one({"name": CAPOX})["active"] is False
    sign_out(page)

    sign_in("clinician")
    form = _open_new_treatment(page, operated["episode"])
    options = form.get_by_label("Protocol template").locator("option")
    expect(options.filter(has_text="Short-course radiotherapy")).to_have_count(2)  # the default, the new one
    expect(options.filter(has_text=CAPOX)).to_have_count(0)


def test_apply_without_javascript(signed_in_without_js, live_server, database, operated):
    page = signed_in_without_js("clinician")
    page.goto(f"/episodes/{operated['episode']['_id']}/treatments/new")
    form = page.get_by_test_id("treatment-form")
    form.get_by_label("Treatment date", exact=True).fill("2024-04-02")
    form.get_by_label("Protocol template").select_option(label=CAPOX)
    form.get_by_role("button", name="Apply template").click()
    form = page.get_by_test_id("treatment-form")
    expect(form.get_by_label("Regimen")).to_have_value("CAPOX")
    expect(form.get_by_label("Treatment date", exact=True)).to_have_value("2024-04-02")
    assert database.treatments.count_documents({}) == 1  # nothing saved by applying
    form.get_by_role("button", name="Save treatment").click()
    expect(page).to_have_url(f"{live_server}/episodes/{operated['episode']['_id']}/treatments")
    assert database.treatments.find_one({"treatment_type": "chemotherapy"})["protocol_template"] == CAPOX
