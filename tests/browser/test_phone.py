"""On a phone (390 px wide), in real Chromium: no page is wider than the
screen (every page a role uses, the episode with its forms open, the export
with its results), the menu shows every item, and checkboxes sit beside
their labels and are big enough to tap."""
import pytest
from playwright.sync_api import expect

from tests.browser.page_steps import settled
from tests.clinical_data import make_episode, make_patient, make_treatments, make_tumour
from tests.export import dataset

pytestmark = pytest.mark.browser

WIDTH = 390


@pytest.fixture
def phone(page):
    page.set_viewport_size({"width": WIDTH, "height": 844})
    return page


def _width(page):
    return page.evaluate("document.documentElement.scrollWidth")


def _fits(page, what):
    settled(page)
    width = _width(page)
    assert width <= WIDTH, f"{what} is {width} px wide on a {WIDTH} px screen"


@pytest.fixture
def episode(app):
    with app.app_context():
        patient = make_patient(last_name="Fraser-Montgomery-Smythe", first_name="Siobhan")
        episode = make_episode(patient)
        make_treatments(episode, 2)
        make_tumour(episode)
        return episode


def test_clinical_pages_fit_a_phone(phone, sign_in, episode):
    page = phone
    sign_in("clinician")
    page.goto("/patients/")
    page.get_by_label("Find a patient").fill("Fraser")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("result-count")).to_contain_text("1 patient")
    _fits(page, "the patient search")
    page.get_by_role("link", name="Fraser-Montgomery-Smythe, Siobhan").click()
    expect(page.get_by_test_id("timeline")).to_be_visible()
    _fits(page, "the patient page")
    page.goto(f"/episodes/{episode['_id']}")
    expect(page.get_by_test_id("treatments-table")).to_be_visible()
    expect(page.get_by_test_id("tumours-table")).to_be_visible()
    _fits(page, "the episode page")
    for name in ("Edit episode", "Delete episode"):
        link = page.get_by_role("link", name=name)
        box = link.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, name
    page.locator("#treatments").get_by_role("link", name="Add a treatment").click()
    expect(page.get_by_test_id("treatment-form")).to_be_visible()
    page.locator("#tumours").get_by_role("link", name="Add a tumour").click()
    expect(page.get_by_test_id("tumour-form")).to_be_visible()
    _fits(page, "the episode page with both forms open")
    page.goto(f"/episodes/{episode['_id']}/edit")
    _fits(page, "the episode form")


def test_manager_and_admin_pages_fit_a_phone(phone, sign_in, database):
    page = phone
    dataset.insert(database, dataset.golden())
    sign_in("admin")
    nav = page.get_by_role("navigation", name="Main")
    # Every item of the menu is on screen, none cut off.
    for link in nav.get_by_role("link").all():
        box = link.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, link.inner_text()
    page.goto("/exports/")
    page.get_by_label("Reporting period start").fill("2024-01-01")
    page.get_by_label("Reporting period end").fill("2024-12-31")
    page.get_by_role("button", name="Check the data").click()
    expect(page.get_by_test_id("completeness")).to_be_visible()
    _fits(page, "the export with its results")
    page.goto("/reports/outcomes?start=2024-01-01&end=2024-12-31")
    _fits(page, "Outcomes")
    for path, what in (("/migration/", "the migration dashboard"), ("/admin/storage", "Database"),
                       ("/admin/users", "Users")):
        page.goto(path)
        _fits(page, what)


def test_checkboxes_are_large_and_beside_their_labels(phone, sign_in, episode):
    page = phone
    sign_in("clinician")
    page.goto(f"/episodes/{episode['_id']}")
    page.locator("#treatments").get_by_role("link", name="Add a treatment").click()
    form = page.get_by_test_id("treatment-form")
    form.get_by_label("Treatment date").fill("2023-01-01")  # before the referral: asks to confirm
    form.get_by_label("Treatment intent").select_option("01")
    form.get_by_role("button", name="Save treatment").click()
    box = page.get_by_label("The treatment date is right, even though it is before the referral")
    expect(box).to_be_visible()
    check = box.bounding_box()
    label = page.locator("label[for=confirm_before_referral]").bounding_box()
    assert check["width"] >= 24 and check["height"] >= 24
    # Beside: on the same line, to its left; not above it.
    assert check["x"] + check["width"] <= label["x"] + 1
    assert abs((check["y"] + check["height"] / 2) - (label["y"] + label["height"] / 2)) < label["height"]
    _fits(page, "the form with a confirmation box")
