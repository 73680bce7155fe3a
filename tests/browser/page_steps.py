"""What browser tests do on any page of the app, in one place."""
from playwright.sync_api import expect


def settled(page):
    """htmx has swapped and processed the new content (a person is never
    faster than its 20 ms settle; a test is)."""
    expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added")).to_have_count(0)


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login**")
