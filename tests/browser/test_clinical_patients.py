"""Finding and adding patients in real Chromium."""
import pytest
from playwright.sync_api import expect

from tests.clinical_data import make_patient
from webapp.domain import nhs_number

pytestmark = pytest.mark.browser


def test_search_as_you_type_without_putting_it_in_the_address(app, page, sign_in):
    with app.app_context():
        patient = make_patient()
        make_patient(mrn="MRN0000002", index=2, first_name="Bob", last_name="Other")
    sign_in("clinician")
    page.goto("/patients/")
    expect(page.get_by_test_id("result-count")).to_have_text("2 patients.")
    page.get_by_label("Find a patient").fill(nhs_number.format_spaced(patient["nhs_number"]))
    expect(page.get_by_test_id("result-count")).to_have_text("1 patient found.")
    expect(page.locator("#patient-results")).to_contain_text("Testpatient, Ada")
    assert patient["nhs_number"][:3] + " " not in page.url and "q=" not in page.url


def test_add_patient_with_an_invalid_then_valid_nhs_number(page, sign_in, database):
    sign_in("clinician")
    page.goto("/patients/new")
    page.get_by_label("Hospital number (MRN)").fill("MRN5550001")
    page.get_by_label("NHS number", exact=True).fill("999 000 0019")
    page.get_by_label("First name").fill("Grace")
    page.get_by_label("Last name").fill("Hopper")
    page.get_by_label("Date of birth").fill("1946-12-09")
    page.get_by_label("Sex (stated gender)").select_option("2")
    page.get_by_role("button", name="Save patient").click()
    expect(page.get_by_test_id("error-summary")).to_contain_text("check digit")
    assert database.patients.count_documents({}) == 0
    page.get_by_label("NHS number", exact=True).fill(nhs_number.format_spaced(next(nhs_number.test_range(4242))))
    page.get_by_role("button", name="Save patient").click()
    expect(page.get_by_role("heading", name="Grace Hopper")).to_be_visible()
    assert database.patients.count_documents({"mrn": "MRN5550001"}) == 1
