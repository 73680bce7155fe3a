"""Clinician workflows in real Chromium: treatments added (each type), edited
and deleted in place on the episode page without a reload, an invalid form's
messages, and the same add with JavaScript off."""
import pytest
from playwright.sync_api import expect

from tests.browser.page_steps import settled
from tests.clinical_data import make_episode, make_patient, make_treatments

pytestmark = pytest.mark.browser

BASE = {"Treatment date": "2024-03-01", "Provider organisation (ODS code)": "RX1"}
TYPES = {
    "surgery": {"Primary procedure (OPCS-4)": "H071", "Consultant surgeon": "Mr A Surgeon",
                "Length of stay (days)": "7"},
    "chemotherapy": {"Regimen": "FOLFOX", "Cycles": "6", "select:Adjunctive therapy": "1"},
    "radiotherapy": {"Total dose (Gy)": "25", "Fractions": "5", "select:Course": "short"},
    "immunotherapy": {},
    "endoscopic": {},
    "palliative": {},
}


@pytest.fixture
def episode(app):
    with app.app_context():
        return make_episode(make_patient())


def _open_episode(page, episode):
    page.goto(f"/episodes/{episode['_id']}")
    expect(page.locator("#treatments")).to_contain_text("No treatments recorded")
    # Survives only if the page is never reloaded.
    page.evaluate("window.notReloaded = true")


def _fill(scope, fields):
    for label, value in fields.items():
        if label.startswith("select:"):
            scope.get_by_label(label[7:], exact=True).select_option(value)
        else:
            scope.get_by_label(label, exact=True).fill(value)


def test_add_each_type_in_place(page, sign_in, episode, database):
    sign_in("clinician")
    _open_episode(page, episode)
    section = page.locator("#treatments")
    for n, (kind, fields) in enumerate(TYPES.items(), start=1):
        section.get_by_role("link", name="Add a treatment").click()
        form = page.get_by_test_id("treatment-form")
        expect(form).to_be_visible()
        settled(page)
        form.get_by_label("Treatment type").select_option(kind)
        expect(form.get_by_test_id("type-fields")).to_have_attribute("data-type", kind)
        settled(page)
        form.get_by_label("Treatment intent").select_option("01")
        _fill(form, {**BASE, "Treatment date": f"2024-03-{n:02d}", **fields})
        form.get_by_role("button", name="Save treatment").click()
        expect(section.locator(f'tr[data-type="{kind}"]')).to_have_count(1)
        expect(page.get_by_test_id("treatment-form")).to_have_count(0)
    expect(section.locator("tbody tr")).to_have_count(len(TYPES))
    assert page.evaluate("window.notReloaded") is True
    assert database.treatments.count_documents({"episode_id": str(episode["_id"])}) == len(TYPES)
    stored = database.treatments.find_one({"treatment_type": "radiotherapy"})
    assert stored["total_dose_gy"] == 25.0 and stored["radiotherapy_course"] == "short"


def test_edit_and_delete_in_place(app, page, sign_in, episode, database):
    with app.app_context():
        first, second = make_treatments(episode, 2)
    sign_in("clinician")
    page.goto(f"/episodes/{episode['_id']}")
    page.evaluate("window.notReloaded = true")
    section = page.locator("#treatments")
    row = section.locator(f"#treatment-{first['treatment_id']}")
    row.get_by_role("link", name="Edit").click()
    form = page.get_by_test_id("treatment-form")
    form.get_by_label("Consultant surgeon", exact=True).fill("Ms B Cutter")
    form.get_by_role("button", name="Save treatment").click()
    expect(row).to_contain_text("Ms B Cutter")
    assert database.treatments.find_one({"treatment_id": first["treatment_id"]})["version"] == 2

    section.locator(f"#treatment-{second['treatment_id']}").get_by_role("link", name="Delete").click()
    confirm = page.get_by_test_id("confirm-delete")
    expect(confirm).to_contain_text("Delete Surgery on 02 Feb 2024?")  # named, not by its id
    assert database.treatments.count_documents({}) == 2  # not before confirming
    confirm.get_by_role("button", name="Yes, delete it").click()
    expect(section.locator(f"#treatment-{second['treatment_id']}")).to_have_count(0)
    expect(section.locator("tbody tr")).to_have_count(1)
    assert database.treatments.count_documents({}) == 1
    assert page.evaluate("window.notReloaded") is True


def test_invalid_form_shows_messages_in_place(page, sign_in, episode, database):
    sign_in("clinician")
    _open_episode(page, episode)
    page.locator("#treatments").get_by_role("link", name="Add a treatment").click()
    form = page.get_by_test_id("treatment-form")
    form.get_by_label("Treatment date").fill("2999-01-01")
    form.get_by_label("Provider organisation (ODS code)").fill("R!")
    form.get_by_role("button", name="Save treatment").click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_contain_text("cannot be in the future")
    expect(summary).to_contain_text("ODS code")
    expect(summary).to_contain_text("Choose the intent")
    expect(page.get_by_test_id("treatment-form").get_by_label("Primary procedure (OPCS-4)")).to_be_visible()
    assert database.treatments.count_documents({}) == 0
    assert page.evaluate("window.notReloaded") is True


def test_add_tumour_in_place(page, sign_in, episode, database):
    sign_in("clinician")
    page.goto(f"/episodes/{episode['_id']}")
    section = page.locator("#tumours")
    section.get_by_role("link", name="Add a tumour").click()
    form = page.get_by_test_id("tumour-form")
    form.get_by_label("Tumour type").select_option("primary")
    form.get_by_label("Primary site (ICD-10)").select_option("C20")
    form.get_by_label("Diagnosis date").fill("2024-01-25")
    form.get_by_label("Lymph nodes examined").fill("12")
    form.get_by_label("Lymph nodes positive").fill("2")
    form.get_by_role("button", name="Save tumour").click()
    expect(section.locator("tbody tr")).to_have_count(1)
    expect(section).to_contain_text("Rectum (C20)")
    assert database.tumours.find_one()["pathology"]["lymph_nodes_positive"] == 2


def test_add_without_javascript(signed_in_without_js, live_server, episode, database):
    page = signed_in_without_js("clinician")
    page.goto(f"/episodes/{episode['_id']}")
    page.get_by_role("link", name="Show the treatments").click()
    page.get_by_role("link", name="Add a treatment").click()
    form = page.get_by_test_id("treatment-form")
    form.get_by_label("Treatment type").select_option("chemotherapy")
    form.get_by_label("Treatment intent").select_option("01")
    _fill(form, BASE)
    # Without JavaScript the type's own fields come back with the answer
    # (asked for, nothing saved); then the form is complete.
    form.get_by_role("button", name="Save treatment").click()
    expect(page.get_by_test_id("error-summary")).to_contain_text("Regimen")
    assert database.treatments.count_documents({}) == 0
    form = page.get_by_test_id("treatment-form")
    _fill(form, TYPES["chemotherapy"])
    form.get_by_role("button", name="Save treatment").click()
    expect(page).to_have_url(f"{live_server}/episodes/{episode['_id']}/treatments")
    expect(page.locator("tbody tr[data-type=chemotherapy]")).to_contain_text("FOLFOX")
    assert database.treatments.find_one()["regimen"] == "FOLFOX"


def test_stale_edit_shows_what_changed_in_place(app, page, sign_in, episode, database):
    from webapp.store import treatments

    with app.app_context():
        [t] = make_treatments(episode, 1)
    sign_in("clinician")
    page.goto(f"/episodes/{episode['_id']}")
    section = page.locator("#treatments")
    section.locator(f"#treatment-{t['treatment_id']}").get_by_role("link", name="Edit").click()
    form = page.get_by_test_id("treatment-form")
    form.get_by_label("Length of stay (days)").fill("9")
    with app.app_context():  # someone else saves first
        treatments.update(episode, t["treatment_id"], {**t, "asa_grade": "4"}, 1, "other-clinician")
    form.get_by_role("button", name="Save treatment").click()
    conflict = page.get_by_test_id("conflict")
    expect(conflict).to_contain_text("other-clinician")
    expect(conflict).to_contain_text("ASA grade: ASA 2 - mild systemic disease → ASA 4")  # in words, not field names
    stored = database.treatments.find_one()
    assert stored["asa_grade"] == "4" and stored["length_of_stay_days"] == 6


def test_migration_in_progress_refuses_in_place(app, page, sign_in, episode, database):
    from webapp.store import lease

    sign_in("clinician")
    page.goto(f"/episodes/{episode['_id']}")
    page.locator("#treatments").get_by_role("link", name="Add a treatment").click()
    form = page.get_by_test_id("treatment-form")
    form.get_by_label("Treatment intent").select_option("01")
    _fill(form, {**BASE, **TYPES["surgery"]})
    with app.app_context():
        lease.acquire("browser-test-migration")
    form.get_by_role("button", name="Save treatment").click()
    expect(page.locator("#treatments-form")).to_contain_text("migration is in progress")
    # What the user typed is still there, to save once the migration ends.
    expect(page.get_by_test_id("treatment-form").get_by_label("Primary procedure (OPCS-4)")).to_have_value("H071")
    expect(page.locator("#treatments").get_by_role("link", name="Add a treatment")).to_be_visible()
    assert database.treatments.count_documents({}) == 0


def test_delete_episode_after_confirming(app, page, sign_in, episode, database):
    with app.app_context():
        make_treatments(episode, 2)
    sign_in("clinician")
    page.goto(f"/episodes/{episode['_id']}")
    page.get_by_role("link", name="Delete episode").click()
    expect(page.get_by_test_id("confirm-delete-episode")).to_contain_text("2 treatments")
    assert database.episodes.count_documents({}) == 1
    page.get_by_role("button", name="Yes, delete the episode").click()
    expect(page.get_by_role("heading", name="Episodes")).to_be_visible()
    expect(page.get_by_text("No episodes yet.")).to_be_visible()
    assert database.episodes.count_documents({}) == 0 and database.treatments.count_documents({}) == 0
