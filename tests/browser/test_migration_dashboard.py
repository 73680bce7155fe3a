"""The migration dashboard in real Chromium: start a dry run behind its
confirmation page, watch the progress move, find it in the history,
download its report."""
import json
import time

import pytest
from playwright.sync_api import expect

from webapp import db, demo
from webapp.migration import report as run_reports

pytestmark = pytest.mark.browser


def test_dry_run_progress_history_and_report_download(page, sign_in, app):
    store = db.database(app.config["MONGODB_URI"], app.config["MONGODB_DB"])
    data = demo.generate(patients=250, seed=2)
    demo.write(data, legacy=True, database=store)
    total = len(data["treatments"]) + len(data["tumours"])

    sign_in("manager")
    page.goto("/migration/")
    expect(page.get_by_test_id("migration-state")).to_have_text("never run")
    expect(page.get_by_test_id("stat-embedded_treatments")).to_have_text(str(len(data["treatments"])))
    page.get_by_role("link", name="Dry run…").click()
    expect(page.get_by_test_id("what-will-happen")).to_contain_text("It changes no data")
    page.get_by_label("Batch size (records per batch)").fill("1")  # many small batches: progress to watch
    page.get_by_role("button", name="Start dry run").click()

    expect(page.get_by_test_id("progress-operation")).to_have_text("dry-run")
    # The buttons wait while it runs (the status and actions follow the run).
    expect(page.get_by_test_id("actions-paused")).to_be_visible()
    seen = []
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        step = page.get_by_test_id("progress-step").get_attribute("data-step")
        done = int(page.get_by_test_id("items-done").text_content())
        total_shown = int(page.get_by_test_id("items-total").text_content())
        state = page.get_by_test_id("progress-state").text_content()
        seen.append((step, state, done, total_shown))
        if step == "adopt" and state == "completed":
            break
        time.sleep(0.1)
    assert seen[-1][:2] == ("adopt", "completed"), seen[-5:]
    # The first step's progress moved: some value strictly in between shown while running.
    moving = {d for step, s, d, t in seen if step == "collections" and s == "running" and t == total}
    assert any(0 < d < total for d in moving), seen[:20]
    expect(page.get_by_test_id("progress-outcome")).to_contain_text("Finished: completed")
    expect(page.get_by_test_id("progress-outcome")).to_contain_text("a dry run: nothing was written")
    expect(page.get_by_test_id("progress-outcome")).to_contain_text("0 warning(s)")
    expect(page.get_by_role("link", name="Run the migration…")).to_be_visible()

    history = page.get_by_test_id("history")
    expect(history.get_by_test_id("history-row")).to_have_count(2)  # one per step
    for row in (0, 1):
        expect(history.get_by_test_id("history-row").nth(row)).to_contain_text("dry-run")
        expect(history.get_by_test_id("history-row").nth(row)).to_contain_text("completed")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the report (JSON)").click()
    download = download_info.value
    assert download.suggested_filename.startswith("migration_report_")
    report = json.loads(open(download.path(), encoding="utf-8").read())
    assert report["operation"] == "dry-run" and report["state"] == "completed" and report["step"] == "adopt"
    assert report["before"]["embedded_tumours"] == len(data["tumours"])
    [first] = [r for r in run_reports.history(database=store, var_dir=app.config["VAR_DIR"])
               if r["step"] == "collections"]
    assert first["counts"]["treatments"] == len(data["treatments"])
    assert str(first["next_run"]) == report["_id"]
    # Nothing written, not even the run's own log (its report lives in VAR_DIR).
    assert store.treatments.count_documents({}) == 0 and store.migrations.count_documents({}) == 0

    page.get_by_role("link", name="View the report").click()
    expect(page.get_by_test_id("report-state")).to_have_text("completed")
