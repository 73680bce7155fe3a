"""A manager reads the database's size and keeps a snapshot: in real Chromium."""
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_manager_keeps_a_snapshot_and_sees_growth(page, sign_in, database):
    sign_in("manager")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Database").click()
    expect(page.get_by_role("heading", name="Database size")).to_be_visible()
    users = page.get_by_test_id("storage").get_by_role("row").filter(has_text="users")
    expect(users).to_contain_text("—")  # no snapshot yet: no change known

    page.get_by_role("button", name="Keep a snapshot of these figures").click()
    expect(page.get_by_role("status")).to_contain_text("kept as a snapshot")
    expect(page.get_by_test_id("snapshots")).to_contain_text("test-manager")
    expect(users).to_contain_text("no change")
