"""Real headless Chromium (Debian's package) driven by Playwright, against the
app served on 127.0.0.1 from a thread, on the test's own database."""
import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from tests.conftest import PASSWORD

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def chromium_path():
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        # Never skipped: a browser test that does not run proves nothing.
        pytest.fail("Chromium is not installed: run `apt-get update && apt-get install -y chromium` "
                    "(.ci/run does this), or set CHROMIUM to its path.")
    return path


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


def _is_fault(msg):
    """Script errors and CSP violations; not the browser's note that a page
    answered 4xx, which tests provoke on purpose (422 on a bad form...)."""
    if msg.type != "error":
        return False
    return not msg.text.startswith("Failed to load resource: the server responded with a status of 4")


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server)
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if _is_fault(msg) else None)
    yield page
    context.close()
    # A CSP violation or a script error is a failure, not noise.
    assert errors == [], errors


@pytest.fixture
def sign_in(page, auth):
    def sign_in(role):
        username = auth.ensure_user(role)
        page.goto("/login")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/")
        return username

    return sign_in


@pytest.fixture
def signed_in_without_js(browser, live_server, auth):
    """sign_in(role) -> a page of a browser with JavaScript off, signed in:
    every form must still work as a plain post."""
    contexts = []

    def sign_in(role):
        username = auth.ensure_user(role)
        context = browser.new_context(base_url=live_server, java_script_enabled=False)
        contexts.append(context)
        page = context.new_page()
        page.goto("/login")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        return page

    yield sign_in
    for context in contexts:
        context.close()
