"""The dashboard over HTTP: who may see it, confirmation pages, starting a
run in the background, progress fragment, history, reports."""
import json
import time

from tests import whole_database
from webapp.migration import apply, report, steps
from webapp.store import lease


def wait_finished(app, run_id, timeout=30, chain=False):
    """The run once it has ended (with `chain`, the first run's document
    once every step it leads to has ended)."""
    deadline = time.monotonic() + timeout
    first = None
    while time.monotonic() < deadline:
        with app.app_context():
            doc = report.get(str(run_id))
        if doc["state"] not in ("starting", "running"):
            first = first or doc
            if not (chain and doc.get("next_run")):
                return first
            run_id = doc["next_run"]
            continue
        time.sleep(0.05)
    raise AssertionError(f"run {run_id} did not finish")


def test_only_managers(client, auth, legacy):
    assert client.get("/migration/").status_code == 302  # signed out: to sign in
    auth.login("clinician")
    assert client.get("/migration/").status_code == 403
    assert auth.post("/migration/start/run").status_code == 403
    assert auth.send("GET", "/migration/progress").status_code == 403


def test_dashboard_shows_the_live_table(client, auth, legacy):
    auth.login("manager")
    page = client.get("/migration/").get_data(as_text=True)
    assert 'data-testid="migration-state">never run<' in page
    n = len(legacy["data"]["treatments"])
    assert f'data-testid="stat-embedded_treatments">{n}<' in page
    assert "Nothing is running." in page


def test_confirmation_pages_say_what_will_happen(app, client, auth, legacy):
    auth.login("manager")
    for action, words in (("dry-run", "It changes no data"), ("run", "go to their own lists"),
                          ("rollback", "there is nothing to roll"), ("run", "Read older records as")):
        page = client.get(f"/migration/confirm/{action}").get_data(as_text=True)
        assert words in page and 'name="csrf_token"' in page
    assert "<li>Move embedded treatments and tumours into their own collections</li>" in client.get(
        "/migration/confirm/run").get_data(as_text=True)
    refused = auth.post("/migration/start/rollback", {"batch_size": "10"})
    assert refused.status_code == 409 and "nothing to roll back" in refused.get_data(as_text=True)
    with app.app_context():
        steps.run_pending()
    page = client.get("/migration/confirm/rollback").get_data(as_text=True)
    assert "back into their episodes" in page and "Records the migration did not move stay" in page
    assert "there is nothing to run" in client.get("/migration/confirm/run").get_data(as_text=True)
    refused = auth.post("/migration/start/run", {"batch_size": "10"})
    assert refused.status_code == 409 and "Nothing to do" in refused.get_data(as_text=True)
    assert client.get("/migration/confirm/drop-everything").status_code == 404


def test_dry_run_from_the_page_runs_in_background_and_lands_in_history(app, client, auth, legacy, store):
    auth.login("manager")
    # The page the button is on (the first page after sign-in settles the session, a write of its own).
    assert client.get("/migration/confirm/dry-run").status_code == 200
    before = whole_database.snapshot(store)
    response = auth.post("/migration/start/dry-run", {"batch_size": "2"})
    assert response.status_code == 303
    run_id = response.headers["Location"].split("run=")[1]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="progress"' in page
    doc = wait_finished(app, run_id, chain=True)
    assert doc["state"] == "completed" and doc["operation"] == "dry-run"
    # A dry run writes nothing: not its run log, not a lease, not an index; the database is byte for byte as it was.
    after = whole_database.snapshot(store)
    assert after == before, whole_database.differences(before, after)
    # Yet its report is there as ever: each step's page and download, and its file.
    for step_run in (doc["_id"], doc["next_run"]):
        page = client.get(f"/migration/reports/{step_run}")
        assert page.status_code == 200 and 'data-testid="report-state">completed<' in page.get_data(as_text=True)
        download = client.get(f"/migration/reports/{step_run}.json")
        body = json.loads(download.get_data(as_text=True))
        assert body["_id"] == str(step_run) and body["operation"] == "dry-run" and body["state"] == "completed"
        assert download.headers["Content-Disposition"] == f'attachment; filename="{body["report_file"]}"'
    fragment = client.get(f"/migration/progress?run={run_id}", headers={"HX-Request": "true"})
    assert "HX-Request" in fragment.headers["Vary"]
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and "Finished: completed" in body
    assert "id=\"history\" aria-labelledby=\"history-heading\" hx-swap-oob=\"true\"" in body
    assert body.count('data-testid="history-row"') == 2 and body.count("<td>dry-run</td>") == 2
    assert 'hx-trigger="load delay:500ms"' not in body  # finished: stops polling
    # After a reload (no run in the address), the finished run's summary is still there.
    reloaded = client.get("/migration/").get_data(as_text=True)
    assert "Finished: completed" in reloaded and "Verify now" in reloaded
    page = client.get(f"/migration/progress?run={run_id}")  # not htmx: the whole dashboard
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True)
    assert "Finished: completed" in page.get_data(as_text=True) and "HX-Request" in page.headers["Vary"]


def test_progress_fragment_polls_while_running(app, client, auth, legacy):
    auth.login("manager")
    with app.app_context():
        run_id = report.new_run("run", "someone@host:1")
        report.started(run_id, {}, {"items_total": 10, "items_done": 4, "episodes_total": 5, "episodes_done": 2,
                                    "rate_per_s": 2.0, "seconds_left": 3.0})
    body = client.get(f"/migration/progress?run={run_id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'hx-trigger="load delay:500ms"' in body and 'hx-swap="outerHTML"' in body
    assert 'data-testid="items-done">4<' in body and "about 3 s" in body and "2.0 items a second" in body


def test_run_refused_while_the_lease_is_held(app, client, auth, legacy, store):
    auth.login("manager")
    with app.app_context():
        lease.acquire("cli@other-host:99")
    response = auth.post("/migration/start/run", {"batch_size": "10"})
    assert response.status_code == 409
    assert "held by cli@other-host:99" in response.get_data(as_text=True)
    assert store.migrations.count_documents({}) == 0


def test_bad_batch_size_is_422(client, auth, legacy):
    auth.login("manager")
    response = auth.post("/migration/start/dry-run", {"batch_size": "lots"})
    assert response.status_code == 422 and "Enter a batch size" in response.get_data(as_text=True)


def test_report_page_and_json_download(app, client, auth, legacy):
    auth.login("manager")
    with app.app_context():
        doc = apply.run(var_dir=app.config["VAR_DIR"])
    page = client.get(f"/migration/reports/{doc['_id']}").get_data(as_text=True)
    assert 'data-testid="report-state">completed<' in page
    download = client.get(f"/migration/reports/{doc['_id']}.json")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == f'attachment; filename="{doc["report_file"]}"'
    body = json.loads(download.get_data(as_text=True))
    assert body["_id"] == str(doc["_id"]) and body["counts"] == doc["counts"]
    assert client.get("/migration/reports/not-an-id").status_code == 404
    assert client.get("/migration/reports/0123456789abcdef01234567.json").status_code == 404
    assert client.get("/migration/?run=nonsense").status_code == 404
