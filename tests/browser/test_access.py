"""Access control as people meet it, in real Chromium: an admin deactivates
someone whose open session is then refused; a reset password must be
changed at sign-in; an admin reads who viewed a patient."""
import pytest
from playwright.sync_api import expect

from tests.clinical_data import make_patient
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def second_page(browser, live_server):
    """Another person's browser, beside `page`."""
    context = browser.new_context(base_url=live_server)
    other = context.new_page()
    other.set_default_timeout(10_000)
    yield other
    context.close()


def _sign_in(page, username, password=PASSWORD):
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_admin_deactivates_a_user_whose_open_session_is_then_refused(page, second_page, sign_in, auth):
    clinician = auth.ensure_user("clinician")
    _sign_in(second_page, clinician)
    second_page.goto("/patients/")
    expect(second_page.get_by_role("heading", name="Patients")).to_be_visible()

    sign_in("admin")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Users").click()
    page.get_by_role("button", name=f"Deactivate {clinician}").click()
    expect(page.get_by_role("status")).to_contain_text("can no longer sign in")
    expect(page.locator(f'tr[data-username="{clinician}"]')).to_contain_text("No")

    second_page.reload()  # the session opened before is refused at its next request
    expect(second_page.get_by_role("heading", name="Sign in")).to_be_visible()
    _sign_in(second_page, clinician)  # and signing in again does not work either
    expect(second_page.get_by_role("alert")).to_contain_text("The username or password is not right.")


def test_a_user_signs_in_with_a_reset_password_and_must_change_it(page, second_page, sign_in, auth):
    clinician = auth.ensure_user("clinician")
    sign_in("admin")
    page.goto("/admin/users")
    page.get_by_role("button", name=f"Reset password {clinician}").click()
    one_time = page.get_by_test_id("issued-password").inner_text().strip()
    assert len(one_time) >= 12

    _sign_in(second_page, clinician, one_time)
    expect(second_page.get_by_role("heading", name="Change your password")).to_be_visible()
    expect(second_page.get_by_test_id("must-change")).to_be_visible()
    second_page.goto("/patients/")  # nothing else until it is changed
    expect(second_page.get_by_role("heading", name="Change your password")).to_be_visible()
    second_page.get_by_label("Current password").fill(one_time)
    second_page.get_by_label("New password", exact=True).fill("password1234")
    second_page.get_by_label("New password again").fill("password1234")
    second_page.get_by_role("button", name="Change password").click()
    expect(second_page.get_by_role("alert")).to_contain_text("too common")
    second_page.get_by_label("Current password").fill(one_time)
    second_page.get_by_label("New password", exact=True).fill("a walk by the quiet river")
    second_page.get_by_label("New password again").fill("a walk by the quiet river")
    second_page.get_by_role("button", name="Change password").click()
    expect(second_page.get_by_text("Your password is changed.")).to_be_visible()
    second_page.goto("/patients/")
    expect(second_page.get_by_role("heading", name="Patients")).to_be_visible()


def test_an_admin_reads_who_viewed_a_patient(app, page, second_page, sign_in, auth):
    with app.app_context():
        patient = make_patient(mrn="VIEW0042")
    clinician = auth.ensure_user("clinician")
    _sign_in(second_page, clinician)
    second_page.goto(f"/patients/{patient['_id']}")
    expect(second_page.get_by_text("VIEW0042").first).to_be_visible()

    sign_in("admin")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Activity").click()
    page.get_by_label("Log").select_option("access")
    page.get_by_label("Patient (hospital number or record id)").fill("VIEW0042")
    page.get_by_role("button", name="Show").click()
    table = page.get_by_test_id("activity")
    expect(table).to_contain_text(clinician)
    expect(table).to_contain_text("VIEW0042")
    expect(table).to_contain_text("patients.show")
    page.get_by_label("Patient (hospital number or record id)").fill("NOBODY01")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("no-activity")).to_be_visible()
