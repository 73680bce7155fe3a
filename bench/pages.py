"""Episode fragments under load: the app (gunicorn, 2 workers) serving the
tumours and treatments fragments of an episode with 50 treatments and 5
tumours to 8 concurrent signed-in clients for 20 s, next to the floor (a bare
WSGI handler under the same gunicorn making the same queries).

    .venv/bin/python bench/pages.py [--seconds 20] [--clients 8]

Uses MONGODB_URI/MONGODB_DB when set, else starts the embedded server on a
temporary directory. Ends with the RESULT line.
"""
import argparse
import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from webapp import db, embedded  # noqa: E402

PASSWORD = "bench password 12345"


def seed(uri, name):
    """A clinician, a patient, an episode with 5 tumours and 50 treatments,
    written through the store (as the app writes them)."""
    from webapp.store import episodes, patients, treatments, tumours, users

    db.configure(uri, name)
    db.init_indexes()
    user = users.create("bench-clinician", PASSWORD, "clinician", actor="bench")
    patient = patients.create({"mrn": "BENCH0001", "nhs_number": "9990000018", "nhs_number_status": "01",
                               "first_name": "Bench", "last_name": "Patient", "date_of_birth": datetime(1950, 1, 1),
                               "sex": "1", "ethnic_category": "A", "postcode": "NG7 2UH"}, "bench")
    episode = episodes.create(patient, {"referral_date": datetime(2024, 1, 1), "referral_source": "03",
                                        "provider_organisation": "RX1", "status": "open"}, "bench")
    for i in range(5):
        tumours.add(
            episode,
            {
                "tumour_type": "primary" if i == 0 else "metastasis",
                "site": "Sigmoid colon",
                "icd10_code": "C18.7",
                "snomed_morphology_code": "35917007",
                "tnm_staging": {
                    "tnm_version": "8",
                    "clinical": {"prefix": "c", "t": "3", "n": "1a", "m": "0"},
                    "pathological": {"prefix": "p", "t": "3", "n": "1a", "m": "0"},
                },
                "pathology": {
                    "grade": "G2",
                    "lymph_nodes_examined": 14,
                    "lymph_nodes_positive": 1,
                    "crm_status": "clear",
                    "crm_distance_mm": 4.5,
                    "emvi": "absent",
                },
                "diagnosis_date": datetime(2024, 1, 20) + timedelta(days=i),
            },
            "bench",
        )
    for i in range(50):
        treatments.add(
            episode,
            {
                "treatment_type": "chemotherapy",
                "treatment_date": datetime(2024, 2, 1) + timedelta(days=i),
                "treatment_intent": "01",
                "provider_organisation": "RX1",
                "treatment_site": None,
                "adjunctive_therapy": "1",
                "regimen": "CAPOX",
                "cycles": 8,
                "start_date": datetime(2024, 2, 1),
                "end_date": datetime(2024, 5, 1),
                "chemo_timing": "adjuvant",
            },
            "bench",
        )
    return user.id, str(episode["_id"])


def gunicorn(target, port, env):
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        "2",
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        target,
    ]
    proc = subprocess.Popen(cmd, cwd=str(ROOT), env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return proc
        except OSError:
            time.sleep(0.2)
    stop(proc)
    raise RuntimeError(f"gunicorn {target} did not start")


def stop(proc):
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)


def sign_in(port):
    """The session cookie of a signed-in clinician."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/login")
    response = conn.getresponse()
    page = response.read().decode()
    cookie = response.getheader("Set-Cookie").split(";")[0]
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    body = urlencode({"username": "bench-clinician", "password": PASSWORD, "csrf_token": token})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    response = conn.getresponse()
    response.read()
    if response.status != 302:
        raise RuntimeError(f"sign-in failed: {response.status}")
    return response.getheader("Set-Cookie").split(";")[0]


def drive(port, paths, headers, seconds, clients):
    """`clients` threads, each one request at a time, alternating paths."""
    latencies, errors = [], []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(n):
        mine, bad = [], 0
        conn = None
        i = n
        while time.monotonic() < deadline:
            path = paths[i % len(paths)]
            i += 1
            start = time.perf_counter()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    bad += 1
                if response.will_close:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException):
                bad += 1
                conn = None
                continue
            mine.append(time.perf_counter() - start)
        with lock:
            latencies.extend(mine)
            errors.append(bad)

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    latencies.sort()

    def pct(p):
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000 if latencies else 0.0

    return {
        "rps": len(latencies) / elapsed,
        "p50": pct(0.50),
        "p95": pct(0.95),
        "p99": pct(0.99),
        "errors": sum(errors),
        "requests": len(latencies),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    server = None
    uri = os.environ.get("MONGODB_URI")
    name = os.environ.get("MONGODB_DB") or f"bench_pages_{uuid.uuid4().hex[:8]}"
    if not uri:
        port = embedded.free_port()
        server = embedded.start_server(str(tmp / "db"), port)
        uri = embedded.uri_for(port)
    procs = []
    try:
        user_id, episode_id = seed(uri, name)
        env = {
            **os.environ,
            "MONGODB_URI": uri,
            "MONGODB_DB": name,
            "SECRET_KEY": uuid.uuid4().hex,
            "VAR_DIR": str(tmp / "var"),
            "BENCH_USER_ID": user_id,
            "BENCH_EPISODE_ID": episode_id,
            "PYTHONPATH": str(ROOT),
        }
        paths = [f"/episodes/{episode_id}/tumours", f"/episodes/{episode_id}/treatments"]
        results = {}

        app_port = embedded.free_port()
        procs.append(gunicorn("wsgi:app", app_port, env))
        cookie = sign_in(app_port)
        headers = {"HX-Request": "true", "Cookie": cookie}
        for path in paths:  # the fragments really are the fragments, with the data
            conn = http.client.HTTPConnection("127.0.0.1", app_port, timeout=10)
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            body = response.read().decode()
            assert response.status == 200 and body.count("<tr id=") == (5 if "tumours" in path else 50), path
        results["app"] = drive(app_port, paths, headers, args.seconds, args.clients)
        stop(procs.pop())

        floor_port = embedded.free_port()
        procs.append(gunicorn("bench.floor_wsgi:app", floor_port, env))
        results["floor"] = drive(floor_port, paths, {}, args.seconds, args.clients)
        stop(procs.pop())
    finally:
        for proc in procs:
            stop(proc)
        if server is not None:
            embedded.stop_pid(server.pid)
        elif uri:
            db.client_for(uri).drop_database(name)
        shutil.rmtree(tmp, ignore_errors=True)

    print(
        f"{args.clients} clients, {args.seconds:.0f} s each; episode with 50 treatments and 5 tumours; "
        "gunicorn 2 workers"
    )
    print(f"{'':8}{'requests':>10}{'req/s':>10}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'errors':>8}")
    for label, r in results.items():
        print(
            f"{label:8}{r['requests']:>10}{r['rps']:>10.1f}{r['p50']:>10.1f}{r['p95']:>10.1f}{r['p99']:>10.1f}"
            f"{r['errors']:>8}"
        )
    app, floor = results["app"], results["floor"]
    ratio = floor["rps"] / app["rps"] if app["rps"] else float("inf")
    print(
        f"RESULT rps={app['rps']:.1f} p50_ms={app['p50']:.1f} p95_ms={app['p95']:.1f} p99_ms={app['p99']:.1f} "
        f"errors={app['errors'] + floor['errors']} floor_rps={floor['rps']:.1f} floor_ratio={ratio:.2f}"
    )


if __name__ == "__main__":
    main()
