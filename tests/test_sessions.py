"""Server-side sessions: sign-out ends the session (a copied cookie is
refused), idle and absolute expiry (clock pinned), a new id at sign-in, and
a deactivation, a role change or "sign out everywhere" applies to a session
already open at its next request."""
from datetime import timedelta

import pytest

from webapp.domain import clock
from webapp.store import users


def _cookie(client):
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


def _replay(app, token):
    other = app.test_client()
    other.set_cookie("session", token)
    return other


def test_a_cookie_copied_before_sign_out_is_refused_after(app, auth, client, database):
    auth.login("clinician")
    token = _cookie(client)
    assert _replay(app, token).get("/patients/").status_code == 200  # the copy works while signed in
    assert database.sessions.count_documents({}) >= 1
    auth.logout()
    replayed = _replay(app, token)
    response = replayed.get("/patients/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    # Nor can it create a patient.
    assert replayed.post("/patients/new", data={"mrn": "X1"}).status_code in (302, 400)
    assert database.patients.count_documents({}) == 0


def test_the_cookie_holds_only_a_token(auth, client, database):
    auth.login("clinician")
    token = _cookie(client)
    assert "test-clinician" not in token and "." not in token  # not a signed payload
    stored = database.sessions.find_one({})
    assert stored["_id"] != token  # only a hash of it is kept
    assert stored["user_id"] and stored["data"]["_user_id"] == stored["user_id"]


def test_a_new_session_id_at_sign_in(auth, client):
    auth.csrf_token()  # an anonymous session with its CSRF token
    before = _cookie(client)
    assert before
    auth.login("clinician")
    assert _cookie(client) != before


@pytest.fixture
def pinned(monkeypatch):
    """The store's clock, moved by hand."""
    # Ahead of the real time: the server's TTL monitor removes sessions by its
    # own clock, and would remove one "expired" in the past mid-test.
    now = [clock.now().replace(microsecond=0) + timedelta(days=400)]
    monkeypatch.setattr(clock, "now", lambda: now[0])

    def advance(**delta):
        now[0] += timedelta(**delta)

    return advance


def test_idle_expiry(app, auth, client, pinned):
    auth.login("clinician")
    pinned(minutes=29)
    assert client.get("/patients/").status_code == 200  # a request 29 minutes on keeps it alive
    pinned(minutes=29)
    assert client.get("/patients/").status_code == 200
    pinned(minutes=app.config["SESSION_IDLE_MINUTES"], seconds=1)
    response = client.get("/patients/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_absolute_expiry_however_active(app, auth, client, pinned):
    auth.login("clinician")
    for _ in range(app.config["SESSION_MAX_HOURS"] * 3 - 1):  # a request every 20 minutes, never idle
        pinned(minutes=20)
        assert client.get("/patients/").status_code == 200
    pinned(minutes=20)
    response = client.get("/patients/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_settings_come_from_the_environment(monkeypatch, tmp_path):
    from webapp import config

    settings = config.load(environ={"SESSION_IDLE_MINUTES": "5", "SESSION_MAX_HOURS": "2", "TRUSTED_PROXIES": "1",
                                    "VAR_DIR": str(tmp_path)})
    assert (settings["SESSION_IDLE_MINUTES"], settings["SESSION_MAX_HOURS"], settings["TRUSTED_PROXIES"]) == (5, 2, 1)


def test_deactivation_applies_to_an_open_session(app, auth, client, database):
    auth.login("clinician")
    assert client.get("/patients/").status_code == 200
    with app.app_context():
        users.deactivate("test-clinician", "test")
    response = client.get("/patients/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert database.sessions.count_documents({"user_id": {"$ne": None}}) == 0


def test_role_change_applies_to_an_open_session(app, auth, client):
    auth.login("clinician")
    assert client.get("/patients/").status_code == 200
    with app.app_context():
        users.set_role("test-clinician", "manager", "test")
    assert client.get("/patients/").status_code == 403  # a manager reads no patient records
    assert client.get("/migration/").status_code == 200


def test_sign_out_everywhere(app, auth, client):
    auth.login("clinician")
    token = _cookie(client)
    second = app.test_client()
    type(auth)(app, second).login("clinician")  # a second browser
    with app.app_context():
        assert users.sign_out_everywhere("test-clinician", "test") == 2
    assert client.get("/patients/").status_code == 302
    assert second.get("/patients/").status_code == 302
    assert _replay(app, token).get("/patients/").status_code == 302
