"""A dry run's report kept outside the database (webapp/migration/dry_runs.py):
another process's dry run is followed, listed and downloaded from its file;
each database sees only its own; the number kept is bounded; a damaged file
is a missing report, never a 500."""
import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from bson import ObjectId

from tests import whole_database
from webapp.migration import dry_runs, report
from webapp.templating import format_datetime

ROOT = Path(__file__).resolve().parents[2]

# Another process (a gunicorn worker, say) starts a dry run and saves its
# progress, then goes away without finishing it.
LIVE_ELSEWHERE = """
from wsgi import app
from webapp.migration import report
with app.app_context():
    run_id = report.new_run("dry-run", "dashboard:ann@elsewhere:7", {"batch_size": 2}, step="collections",
                            var_dir=app.config["VAR_DIR"])
    report.started(run_id, {"episodes_total": 5}, {"items_total": 10, "items_done": 4, "episodes_total": 5,
                   "episodes_done": 2, "rate_per_s": 2.0, "seconds_left": 3.0})
print(run_id)
"""


def elsewhere(app, *args):
    """Run python with these arguments in a process of its own, on the test's database and VAR_DIR."""
    env = dict(os.environ, MONGODB_URI=app.config["MONGODB_URI"], MONGODB_DB=app.config["MONGODB_DB"],
               VAR_DIR=app.config["VAR_DIR"], SECRET_KEY="test-secret-key")
    env.pop("MIGRATION_CRASH_AT", None)
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_a_dry_run_of_another_process_is_in_the_history_with_its_report(app, client, auth, legacy, store):
    auth.login("manager")
    assert client.get("/migration/").status_code == 200
    before = whole_database.snapshot(store)
    output = elsewhere(app, "-m", "flask", "--app", "wsgi", "migration", "run", "--dry-run", "--batch-size", "4")
    assert "Report (collections): completed" in output and "Report (adopt): completed" in output
    after = whole_database.snapshot(store)
    assert after == before, whole_database.differences(before, after)

    page = client.get("/migration/").get_data(as_text=True)
    assert page.count('data-testid="history-row"') == 2 and page.count("<td>dry-run</td>") == 2
    # Read back from the other process's file with every type it had.
    with app.app_context():
        runs = report.history(var_dir=app.config["VAR_DIR"])
    first = runs[1]
    assert isinstance(first["_id"], ObjectId) and first["next_run"] == runs[0]["_id"]
    assert isinstance(first["started_at"], datetime) and isinstance(first["finished_at"], datetime)
    assert first["counts"]["treatments"] == len(legacy["data"]["treatments"])
    assert isinstance(first["duration_s"], float) and isinstance(first["counts"]["treatments"], int)
    assert f"report of {format_datetime(first['started_at'])}<" in page  # shown as a date, as a stored run's is
    download = client.get(f"/migration/reports/{first['_id']}.json")
    body = json.loads(download.get_data(as_text=True))
    assert body["_id"] == str(first["_id"]) and body["state"] == "completed" and body["operation"] == "dry-run"
    assert download.headers["Content-Disposition"] == f'attachment; filename="{first["report_file"]}"'
    saved = json.loads((Path(app.config["VAR_DIR"]) / "reports" / first["report_file"]).read_text())
    assert saved == {k: v for k, v in body.items() if k != "report_file"}  # (the file cannot name itself)
    assert 'data-testid="report-state">completed<' in client.get(f"/migration/reports/{first['_id']}").get_data(
        as_text=True)


def test_the_dashboard_follows_a_dry_run_another_process_is_doing(app, client, auth, legacy, store):
    auth.login("manager")
    run_id = elsewhere(app, "-c", LIVE_ELSEWHERE).strip()
    assert store.migrations.count_documents({}) == 0
    # No run named: the one in progress is shown, and polled.
    page = client.get("/migration/").get_data(as_text=True)
    assert 'data-testid="progress-operation">dry-run<' in page and 'data-testid="items-done">4<' in page
    assert f"run={run_id}" in page and 'hx-trigger="load delay:500ms"' in page
    body = client.get(f"/migration/progress?run={run_id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'data-testid="progress-state">running<' in body and "ann (from the dashboard)" in body


def test_each_database_sees_its_own_dry_runs(app, legacy, tmp_path):
    var_dir = app.config["VAR_DIR"]
    with app.app_context():
        mine = report.new_run("dry-run", "cli@here:1", var_dir=var_dir)
        assert report.get(mine, var_dir=var_dir)["state"] == "starting"
    other = app.extensions["database"].client[f"{app.config['MONGODB_DB']}_other"]
    try:
        assert report.get(mine, other, var_dir) is None
        assert report.history(database=other, var_dir=var_dir) == []
    finally:
        other.client.drop_database(other.name)
    with app.app_context():
        report.abandon(mine, "a test's")


def test_the_newest_are_kept(app, legacy):
    var_dir = app.config["VAR_DIR"]
    with app.app_context():
        ids = [report.new_run("dry-run", "cli@here:1", var_dir=var_dir) for _ in range(dry_runs.KEEP + 5)]
        for run_id in ids:
            report.abandon(run_id, "a test's")
        folder = Path(var_dir) / dry_runs.FOLDER / app.config["MONGODB_DB"]
        assert sorted(p.stem for p in folder.glob("*.json")) == [str(i) for i in ids[5:]]
        assert [r["_id"] for r in report.history(var_dir=var_dir)] == ids[5:][::-1]
        assert report.get(ids[0], var_dir=var_dir) is None
        # A live run is never dropped from memory, however many end after it: its writes must not reach the database.
        live = report.new_run("dry-run", "cli@here:1")
        ended = [report.new_run("dry-run", "cli@here:1") for _ in range(dry_runs.KEEP + 1)]
        for run_id in ended:
            report.abandon(run_id, "a test's")
        assert dry_runs.holds(live) and not dry_runs.holds(ended[0])
        report.abandon(live, "a test's")
    assert app.extensions["database"].migrations.count_documents({}) == 0


def test_a_damaged_file_is_a_missing_report(app, client, auth, legacy):
    auth.login("manager")
    var_dir = app.config["VAR_DIR"]
    with app.app_context():
        good = report.new_run("dry-run", "cli@here:1", var_dir=var_dir)
        report.abandon(good, "a test's")
    folder = Path(var_dir) / dry_runs.FOLDER / app.config["MONGODB_DB"]
    damaged = ObjectId()
    (folder / f"{damaged}.json").write_text('{"_id": {"$oid": "not hex"}, "started_at": ')
    (folder / f"{ObjectId()}.json").write_text('["not", "a", "run"]')
    page = client.get("/migration/")
    assert page.status_code == 200 and page.get_data(as_text=True).count('data-testid="history-row"') == 1
    assert client.get(f"/migration/reports/{damaged}").status_code == 404
    assert client.get(f"/migration/reports/{damaged}.json").status_code == 404
    assert client.get(f"/migration/reports/{good}").status_code == 200
