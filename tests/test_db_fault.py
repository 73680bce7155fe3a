"""Database faults under a running app: the embedded server killed with
SIGKILL. Pages answer 503 within 2 s (a page that needs no database, with the
security headers), the server is restarted on the same data and port by the
app's supervisor, pages answer 200 again without restarting the app, and
every write acknowledged before the kill is still there. A CLI command run
meanwhile leaves the server to the processes using it."""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.conftest import CSRF_META, PASSWORD
from webapp import db, embedded
from webapp.app import create_app

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def embedded_app(tmp_path):
    app = create_app({"TESTING": True, "MONGODB_URI": "", "VAR_DIR": str(tmp_path), "MONGODB_DB": "fault_test",
                      "SECRET_KEY": "x"})
    with app.app_context():
        db.init_indexes()
        from webapp.store import users

        users.create("carer", PASSWORD, "clinician", actor="test")
    yield app
    embedded.SharedServer(tmp_path).detach()


def _state(var_dir):
    return json.loads((Path(var_dir) / "embedded.json").read_text())


def _kill(state):
    """SIGKILL, and wait until it is really gone (a signal is delivered, not
    obeyed, by the time kill returns)."""
    os.kill(state["pid"], signal.SIGKILL)
    deadline = time.monotonic() + 5
    while embedded._listening(state["port"]) and time.monotonic() < deadline:
        time.sleep(0.005)


def test_sigkill_gives_503_fast_then_recovers_with_every_acknowledged_write(embedded_app, tmp_path):
    client = embedded_app.test_client()
    token = CSRF_META.search(client.get("/login").get_data(as_text=True)).group(1)
    signed_in = client.post("/login", data={"username": "carer", "password": PASSWORD, "csrf_token": token})
    assert signed_in.status_code == 302
    with embedded_app.app_context():
        coll = db.collection("acknowledged")
        for i in range(200):
            coll.insert_one({"i": i})  # each acknowledged (w=majority, j=true) before the next
    assert client.get("/patients/").status_code == 200
    before = _state(tmp_path)

    # While the test holds the start-up lock the supervisor cannot restart
    # the server yet: the fault lasts long enough to be seen.
    with embedded.SharedServer(tmp_path)._locked():
        _kill(before)
        started = time.monotonic()
        response = client.get("/patients/")
        elapsed = time.monotonic() - started
    assert response.status_code == 503, response.get_data(as_text=True)[:500]
    assert elapsed < 2.0, elapsed
    body = response.get_data(as_text=True)
    assert "The database is not answering" in body
    for header in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy"):
        assert response.headers.get(header), header
    assert response.headers["Retry-After"]

    deadline, status = time.monotonic() + 15, None
    while time.monotonic() < deadline:
        status = client.get("/patients/").status_code
        if status == 200:
            break
        assert status == 503
        time.sleep(0.2)
    assert status == 200, "the app did not recover within 15 s"
    after = _state(tmp_path)
    assert after["pid"] != before["pid"] and after["port"] == before["port"]  # same data, same address
    with embedded_app.app_context():
        assert sorted(d["i"] for d in db.collection("acknowledged").find()) == list(range(200))
    assert client.get("/").status_code == 200  # still signed in: the session survived too


def test_healthz_says_503_while_down(embedded_app, tmp_path):
    client = embedded_app.test_client()
    assert client.get("/healthz").status_code == 200
    with embedded.SharedServer(tmp_path)._locked():  # the supervisor waits
        _kill(_state(tmp_path))
        started = time.monotonic()
        response = client.get("/healthz")
        elapsed = time.monotonic() - started
    assert response.status_code == 503 and elapsed < 2.0
    assert response.headers["X-Content-Type-Options"] == "nosniff"


ATTACHED = textwrap.dedent("""
    import sys
    from webapp.embedded import SharedServer
    s = SharedServer(sys.argv[1])
    print(s.attach(supervise=False), flush=True)
    sys.stdin.readline()
""")


def test_a_cli_command_never_stops_a_server_others_use(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "MONGODB_URI"}
    env.update(VAR_DIR=str(tmp_path), MONGODB_DB="cli_test")
    user = subprocess.Popen([sys.executable, "-c", ATTACHED, str(tmp_path)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env)
    try:
        uri = user.stdout.readline().strip()
        os.kill(_state(tmp_path)["pid"], signal.SIGKILL)  # the server dies under its user
        time.sleep(0.3)
        cli = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "init"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120)
        assert cli.returncode == 0, cli.stderr
        state = _state(tmp_path)
        assert embedded.pid_alive(state["pid"]), "the CLI stopped the server on its way out"
        assert user.pid in state["clients"]
        assert embedded.uri_for(state["port"]) == uri  # restarted where its user looks for it
        client = db.client_for(uri)
        assert client.admin.command("ping")["ok"] == 1
        client.close()
    finally:
        user.communicate("\n", timeout=30)
    assert not (tmp_path / "embedded.json").exists()  # the last user out stopped it
