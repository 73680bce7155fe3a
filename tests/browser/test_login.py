"""Sign in, see the landing page for the role, sign out: in real Chromium."""
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_sign_in_landing_sign_out(page, sign_in):
    username = sign_in("manager")
    expect(page.get_by_test_id("username")).to_have_text(username)
    expect(page.get_by_role("heading", name="Data migration")).to_be_visible()
    expect(page.get_by_test_id("landing-clinician")).to_have_count(0)
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Migration")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    page.goto("/")  # signed out: back to sign-in
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_wrong_password_shows_message(page, auth):
    auth.ensure_user("clinician")
    page.goto("/login")
    page.get_by_label("Username").fill("test-clinician")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("The username or password is not right.")
