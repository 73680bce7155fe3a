"""Signing in and out, failures, the rate limit, CSRF."""
from tests.conftest import PASSWORD


def test_login_page_is_public(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert "Sign in" in response.get_data(as_text=True)


def test_pages_need_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_htmx_request_without_session_redirects_the_window(client):
    response = client.get("/", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login"


def test_login_and_logout(auth, client):
    auth.login("clinician")
    page = client.get("/").get_data(as_text=True)
    assert "test-clinician" in page
    response = auth.logout()
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_and_unknown_user_say_the_same(auth, client):
    auth.ensure_user("clinician")
    wrong_password = client.post(
        "/login", data={"username": "test-clinician", "password": "nope", "csrf_token": auth.csrf_token()}
    )
    unknown_user = client.post(
        "/login", data={"username": "nobody", "password": PASSWORD, "csrf_token": auth.csrf_token()}
    )
    assert wrong_password.status_code == unknown_user.status_code == 401
    message = "The username or password is not right."
    assert message in wrong_password.get_data(as_text=True)
    assert message in unknown_user.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still signed out


def test_failed_logins_are_rate_limited(app, auth, client):
    auth.ensure_user("clinician")
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit):
        r = client.post(
            "/login", data={"username": "test-clinician", "password": "bad", "csrf_token": auth.csrf_token()}
        )
        assert r.status_code == 401
    # Now even the right password is refused until the window passes.
    r = client.post(
        "/login", data={"username": "test-clinician", "password": PASSWORD, "csrf_token": auth.csrf_token()}
    )
    assert r.status_code == 429
    assert "Too many failed sign-ins" in r.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_failed_logins_are_audited(auth, client, database):
    client.post("/login", data={"username": "someone", "password": "bad", "csrf_token": auth.csrf_token()})
    entry = database.audit_log.find_one({"action": "login_failed"})
    assert entry["actor"] == "someone"


def test_login_never_redirects_off_site(auth, client):
    auth.ensure_user("clinician")
    r = client.post(
        "/login?next=https://evil.example/",
        data={"username": "test-clinician", "password": PASSWORD, "csrf_token": auth.csrf_token()},
    )
    assert r.headers["Location"] == "/"


def test_csrf_rejects_a_form_without_token(auth, client):
    auth.ensure_user("clinician")
    r = client.post("/login", data={"username": "test-clinician", "password": PASSWORD})
    assert r.status_code == 400
    body = r.get_data(as_text=True)
    assert "Your form has expired" in body and "Nothing was saved" in body
    assert client.get("/").status_code == 302  # not signed in


def test_csrf_rejects_a_wrong_token(auth, client):
    auth.ensure_user("clinician")
    auth.csrf_token()  # a session exists
    r = client.post("/login", data={"username": "test-clinician", "password": PASSWORD, "csrf_token": "forged"})
    assert r.status_code == 400


def test_csrf_accepts_the_htmx_header(auth, client):
    auth.login("clinician")
    # Sign-out with the token only in the X-CSRFToken header, as htmx sends it.
    r = client.post("/logout", headers={"HX-Request": "true", "X-CSRFToken": auth.csrf_token()})
    assert r.status_code == 302
    assert client.get("/").status_code == 302


def test_csrf_rejects_htmx_without_header(auth, client):
    auth.login("clinician")
    r = client.post("/logout", headers={"HX-Request": "true"})
    assert r.status_code == 400
    assert client.get("/").status_code == 200  # still signed in
