"""Fixtures: one real MongoDB-wire server per test session (the embedded one,
or MONGODB_URI when set), an isolated database per test, the Flask app, its
client and CLI runner, and an `auth` helper that signs in as a role."""
import os
import re
import uuid

import pytest

from webapp import db, embedded
from webapp.app import create_app

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session")
def mongo_uri():
    uri = os.environ.get("MONGODB_URI")
    if uri:
        yield uri
        return
    proc = embedded.start_server(":memory:", embedded.free_port())
    port = proc.args[proc.args.index("--port") + 1]
    yield embedded.uri_for(port)
    embedded.stop_pid(proc.pid)


@pytest.fixture
def db_name():
    return f"test_{uuid.uuid4().hex[:12]}"


@pytest.fixture
def app(mongo_uri, db_name, tmp_path):
    app = create_app({
        "TESTING": True,
        "MONGODB_URI": mongo_uri,
        "MONGODB_DB": db_name,
        "SECRET_KEY": "test-secret-key",
        "VAR_DIR": str(tmp_path / "var"),
    })
    with app.app_context():
        db.init_indexes()
    yield app
    db.client_for(mongo_uri).drop_database(db_name)


@pytest.fixture
def database(app, mongo_uri, db_name):
    """The test's database, reached without pushing an app context: a pushed
    context would be shared with every client request (and its `g`, where
    Flask-WTF caches the CSRF token)."""
    return db.client_for(mongo_uri)[db_name]


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


class Auth:
    """Sign in as a role, and send requests that carry the CSRF token the way
    the browser does (hidden field for forms, header for htmx)."""

    def __init__(self, app, client):
        self.app = app
        self.client = client
        self.user = None

    def ensure_user(self, role, username=None):
        from webapp.store import users

        username = username or f"test-{role}"
        with self.app.app_context():
            if not any(u.username == username for u in users.list_all()):
                users.create(username, PASSWORD, role, actor="test")
        return username

    def login(self, role="clinician", username=None):
        username = self.ensure_user(role, username)
        response = self.client.post("/login", data={
            "username": username, "password": PASSWORD, "csrf_token": self.csrf_token()})
        assert response.status_code == 302, response.get_data(as_text=True)
        self.user = username
        return response

    def logout(self):
        return self.client.post("/logout", data={"csrf_token": self.csrf_token()})

    def csrf_token(self):
        page = self.client.get("/login", follow_redirects=True).get_data(as_text=True)
        return CSRF_META.search(page).group(1)

    def post(self, url, data=None, htmx=False, **kwargs):
        return self.send("POST", url, data, htmx, **kwargs)

    def send(self, method, url, data=None, htmx=False, **kwargs):
        data = dict(data or {})
        headers = dict(kwargs.pop("headers", {}))
        if htmx:
            headers.update({"HX-Request": "true", "X-CSRFToken": self.csrf_token()})
        else:
            data.setdefault("csrf_token", self.csrf_token())
        return self.client.open(url, method=method, data=data, headers=headers, **kwargs)


@pytest.fixture
def auth(app, client):
    return Auth(app, client)
