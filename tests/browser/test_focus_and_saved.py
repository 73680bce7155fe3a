"""Keyboard focus and "saved", in real Chromium: an opened inline form puts
the focus in its first field; after a post the focus is on the first field
in error, or on the row just saved; every change says it was saved."""
import pytest
from playwright.sync_api import expect

from tests.browser.page_steps import settled
from tests.clinical_data import make_episode, make_patient

pytestmark = pytest.mark.browser


@pytest.fixture
def episode(app):
    with app.app_context():
        return make_episode(make_patient())


def _focused(page):
    return page.evaluate("""() => { const e = document.activeElement;
        return {id: e.id, tag: e.tagName, invalid: e.getAttribute('aria-invalid'), saved: e.hasAttribute('data-saved'),
                first_invalid: (document.querySelector('[aria-invalid=true]') || {}).id || null}; }""")


def test_focus_follows_the_inline_forms_and_each_change_says_saved(page, sign_in, episode, database):
    sign_in("clinician")
    page.goto(f"/episodes/{episode['_id']}")
    section = page.locator("#treatments")
    expect(section).to_contain_text("No treatments recorded")
    section.get_by_role("link", name="Add a treatment").click()
    expect(page.get_by_test_id("treatment-form")).to_be_visible()
    settled(page)
    assert _focused(page)["id"] == "treatment_type"  # the first field, not the button below

    page.get_by_role("button", name="Save treatment").click()  # nothing filled in
    expect(page.get_by_test_id("error-summary")).to_be_visible()
    settled(page)
    focused = _focused(page)
    assert focused["invalid"] == "true" and focused["id"] == focused["first_invalid"]

    form = page.get_by_test_id("treatment-form")
    form.get_by_label("Treatment date").fill("2024-03-01")
    form.get_by_label("Treatment intent").select_option("01")
    form.get_by_label("Primary procedure (OPCS-4)").fill("H071")
    form.get_by_role("button", name="Save treatment").click()
    expect(page.get_by_test_id("saved")).to_have_text("Surgery on 01 Mar 2024: saved.")
    settled(page)
    focused = _focused(page)
    assert focused["saved"] and focused["id"].startswith("treatment-TRT-")

    row = section.locator("tbody tr").first
    row.get_by_role("link", name="Edit").click()
    expect(page.get_by_test_id("treatment-form")).to_be_visible()
    settled(page)
    assert _focused(page)["id"] == "treatment_type"
    page.get_by_test_id("treatment-form").get_by_label("ASA grade").select_option("3")
    page.get_by_role("button", name="Save treatment").click()
    expect(page.get_by_test_id("treatment-form")).to_have_count(0)
    expect(page.get_by_test_id("saved")).to_have_text("Surgery on 01 Mar 2024: saved.")
    assert database.treatments.find_one()["asa_grade"] == "3"

    section.locator("tbody tr").first.get_by_role("link", name="Delete").click()
    confirm = page.get_by_test_id("confirm-delete")
    expect(confirm).to_contain_text("Delete Surgery on 01 Mar 2024?")
    confirm.get_by_role("button", name="Yes, delete it").click()
    expect(page.get_by_test_id("saved")).to_have_text("Surgery on 01 Mar 2024: deleted.")
    settled(page)
    assert page.evaluate("document.activeElement.dataset.testid") == "saved"

    tumours = page.locator("#tumours")
    tumours.get_by_role("link", name="Add a tumour").click()
    expect(page.get_by_test_id("tumour-form")).to_be_visible()
    settled(page)
    assert _focused(page)["id"] == "tumour_type"
    tumour = page.get_by_test_id("tumour-form")
    tumour.get_by_label("Tumour type").select_option("primary")
    tumour.get_by_label("Primary site (ICD-10)").select_option("C18.7")
    tumour.get_by_label("Diagnosis date").fill("2024-01-28")
    tumour.get_by_role("button", name="Save tumour").click()
    expect(tumours.get_by_test_id("saved")).to_contain_text("diagnosed 28 Jan 2024: saved.")

    page.get_by_role("link", name="Edit episode").click()
    page.get_by_label("Lead clinician").fill("Ms B Cutter")
    page.get_by_role("button", name="Save episode").click()
    expect(page.get_by_role("status").filter(has_text="Episode saved.")).to_be_visible()


def test_full_page_error_puts_focus_on_the_first_field_in_error(page, sign_in, episode):
    sign_in("clinician")
    page.goto(f"/episodes/{episode['_id']}/edit")
    page.get_by_label("Referral date").fill("")
    page.get_by_role("button", name="Save episode").click()
    expect(page.get_by_test_id("error-summary")).to_be_visible()
    # Focus moves once the page's script has run: wait for it (a loaded machine is slow to get there).
    expect(page.locator("#referral_date")).to_be_focused()


def test_the_save_button_is_disabled_while_its_request_is_in_flight(page, sign_in, episode, database):
    """Issue 10: a double click sends one request. The post is held at the
    network until the test has looked at the button."""
    sign_in("clinician")
    page.goto(f"/episodes/{episode['_id']}")
    page.locator("#tumours").get_by_role("link", name="Add a tumour").click()
    form = page.get_by_test_id("tumour-form")
    expect(form).to_be_visible()
    settled(page)
    held = []
    page.route("**/tumours/new", lambda route: held.append(route) if route.request.method == "POST"
               else route.continue_())
    button = form.get_by_role("button", name="Save tumour")
    button.click()
    page.wait_for_function("() => document.querySelector('[data-in-flight]') !== null")
    expect(button).to_be_disabled()
    button.click(force=True)  # a second click while the first is in flight sends nothing
    page.wait_for_timeout(300)
    assert len(held) == 1
    held[0].continue_()
    expect(page.get_by_test_id("error-summary")).to_be_visible()  # the empty form came back, refused
    expect(page.get_by_test_id("tumour-form").get_by_role("button", name="Save tumour")).to_be_enabled()
