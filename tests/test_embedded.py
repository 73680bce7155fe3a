"""The embedded server as `make run` uses it: shared, durable, stopped cleanly."""
import json
import os
import signal
import subprocess
import sys
import textwrap

from webapp import db, embedded
from webapp.app import create_app


def _app_on(var_dir):
    return create_app({"TESTING": True, "MONGODB_URI": "", "VAR_DIR": str(var_dir),
                       "MONGODB_DB": "restart_test", "SECRET_KEY": "x"})


def test_data_survives_a_restart(tmp_path):
    server = embedded.SharedServer(tmp_path)
    app = _app_on(tmp_path)  # no URI: starts the embedded server, as make run does
    assert app.config["EMBEDDED_DB"] is True
    with app.app_context():
        db.collection(db.PATIENTS).insert_one({"mrn": "R1", "note": "before restart"})
    state = json.loads(server.state_path.read_text())
    server.detach()  # the last (only) user: stops the server
    assert not embedded.pid_alive(state["pid"])
    assert not server.state_path.exists()

    app = _app_on(tmp_path)
    with app.app_context():
        assert db.collection(db.PATIENTS).find_one({"mrn": "R1"})["note"] == "before restart"
    server.detach()


def test_acknowledged_writes_survive_sigkill(tmp_path):
    port = embedded.free_port()
    proc = embedded.start_server(tmp_path / "db", port)
    client = db.client_for(embedded.uri_for(port))  # journaled majority writes, as the app uses
    coll = client.durability.burst
    for i in range(300):
        coll.insert_one({"i": i})
    os.kill(proc.pid, signal.SIGKILL)  # no chance to flush anything more
    proc.wait()
    client.close()

    port = embedded.free_port()
    proc = embedded.start_server(tmp_path / "db", port)
    try:
        again = db.client_for(embedded.uri_for(port))
        assert sorted(d["i"] for d in again.durability.burst.find()) == list(range(300))
    finally:
        embedded.stop_pid(proc.pid)


ATTACH = textwrap.dedent("""
    import sys, time
    from webapp.embedded import SharedServer
    s = SharedServer(sys.argv[1])
    print(s.attach(), flush=True)
    sys.stdin.readline()  # stay attached until told
""")


def test_two_processes_share_one_server(tmp_path):
    procs = [subprocess.Popen([sys.executable, "-c", ATTACH, str(tmp_path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, cwd=os.getcwd()) for _ in range(2)]
    uris = [p.stdout.readline().strip() for p in procs]
    assert uris[0] == uris[1] and uris[0].startswith("mongodb://127.0.0.1:")
    state = json.loads((tmp_path / "embedded.json").read_text())
    assert sorted(state["clients"]) == sorted(p.pid for p in procs)
    server_pid = state["pid"]

    procs[0].communicate("\n", timeout=20)  # the first leaves: the server stays for the second
    assert embedded.pid_alive(server_pid)
    procs[1].communicate("\n", timeout=20)  # the last leaves: the server stops
    assert not embedded.pid_alive(server_pid)


SERVE = textwrap.dedent("""
    import sys, time
    from webapp.app import create_app
    app = create_app({"MONGODB_URI": "", "VAR_DIR": sys.argv[1], "SECRET_KEY": "x"})
    print(app.config["MONGODB_URI"], flush=True)
    time.sleep(60)
""")


def test_sigterm_to_the_app_stops_the_database(tmp_path):
    app_proc = subprocess.Popen([sys.executable, "-c", SERVE, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    assert app_proc.stdout.readline().startswith("mongodb://")
    server_pid = json.loads((tmp_path / "embedded.json").read_text())["pid"]
    app_proc.terminate()
    assert app_proc.wait(timeout=20) == 128 + signal.SIGTERM
    assert not embedded.pid_alive(server_pid)
    assert not (tmp_path / "embedded.json").exists()
