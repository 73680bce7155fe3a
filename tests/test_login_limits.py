"""The sign-in rate limit: the real client address behind trusted proxies,
and one atomic count per attempt, so simultaneous guesses never get more
than the limit checked."""
import threading

import pytest

from tests.conftest import CSRF_META, PASSWORD
from webapp import db
from webapp.app import create_app


@pytest.fixture
def proxied_app(mongo_uri, db_name, tmp_path):
    app = create_app({"TESTING": True, "MONGODB_URI": mongo_uri, "MONGODB_DB": db_name, "SECRET_KEY": "k",
                      "VAR_DIR": str(tmp_path / "var"), "TRUSTED_PROXIES": 1})
    with app.app_context():
        db.init_indexes()
        from webapp.store import users

        users.create("alice", PASSWORD, "clinician", actor="test")
        users.create("bob", PASSWORD, "clinician", actor="test")
    yield app
    db.client_for(mongo_uri).drop_database(db_name)


def _client_at(app, address):
    """A browser at `address`, as the proxy (127.0.0.1) reports it."""
    client = app.test_client()
    client.environ_base.update(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=address)
    page = client.get("/login").get_data(as_text=True)
    return client, CSRF_META.search(page).group(1)


def _sign_in(client, token, username, password):
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


def test_behind_a_proxy_one_address_does_not_lock_out_another(proxied_app, database):
    limit = proxied_app.config["LOGIN_MAX_FAILURES"]
    sprayer, token = _client_at(proxied_app, "203.0.113.7")
    for i in range(limit + 2):  # many names from one address: that address is locked
        _sign_in(sprayer, token, f"guess{i}", "wrong password!")
    assert _sign_in(sprayer, token, "alice", PASSWORD).status_code == 429
    other, token2 = _client_at(proxied_app, "198.51.100.20")
    assert _sign_in(other, token2, "bob", PASSWORD).status_code == 302  # someone else, elsewhere: fine
    entry = database.audit_log.find_one({"action": "login", "actor": "bob"})
    assert entry["remote_addr"] == "198.51.100.20"  # the audit has the client, not the proxy


def test_without_trusted_proxies_the_header_is_ignored(app, database):
    client = app.test_client()
    client.environ_base.update(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    token = CSRF_META.search(client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"username": "x", "password": "wrong password!", "csrf_token": token})
    assert database.audit_log.find_one({"action": "login_failed"})["remote_addr"] == "127.0.0.1"


def test_32_simultaneous_wrong_passwords_check_at_most_the_limit(proxied_app, database):
    limit = proxied_app.config["LOGIN_MAX_FAILURES"]
    clients = [_client_at(proxied_app, f"192.0.2.{i + 1}") for i in range(32)]  # 32 addresses, one account
    start = threading.Barrier(len(clients))
    statuses = []

    failures = []

    def guess(client, token):
        start.wait()
        try:
            statuses.append(_sign_in(client, token, "alice", "not the password").status_code)
        except Exception as exc:  # a thread's exception would otherwise vanish
            failures.append(repr(exc))

    threads = [threading.Thread(target=guess, args=c) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not failures and len(statuses) == 32, failures
    assert statuses.count(401) <= limit and statuses.count(401) + statuses.count(429) == 32
    # Only the checked ones are failures in the audit; the rest never reached the password.
    assert database.audit_log.count_documents({"action": "login_failed"}) == statuses.count(401)
    # And the right password is refused now too, until the window passes.
    client, token = _client_at(proxied_app, "192.0.2.200")
    assert _sign_in(client, token, "alice", PASSWORD).status_code == 429
