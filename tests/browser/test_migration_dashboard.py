"""The migration dashboard in real Chromium: start a dry run behind its
confirmation page, watch the progress move, find it in the history,
download its report."""
import json
import time

import pytest
from playwright.sync_api import expect

from webapp import db, demo

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
    page.get_by_label("Batch size (episodes per batch)").fill("1")  # many small batches: progress to watch
    page.get_by_role("button", name="Start dry run").click()

    expect(page.get_by_test_id("progress-operation")).to_have_text("dry-run")
    seen = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        done = int(page.get_by_test_id("items-done").text_content())
        state = page.get_by_test_id("progress-state").text_content()
        seen.append((state, done))
        if state == "completed":
            break
        time.sleep(0.1)
    states = [s for s, _ in seen]
    assert states[-1] == "completed", seen[-5:]
    # Progress moved: more than one value shown while running, some strictly in between.
    running = sorted({d for s, d in seen if s == "running"})
    assert any(0 < d < total for d in running), seen
    assert int(page.get_by_test_id("items-total").text_content()) == total
    expect(page.get_by_test_id("progress-outcome")).to_contain_text("Finished: completed")

    history = page.get_by_test_id("history")
    expect(history.get_by_test_id("history-row")).to_have_count(1)
    expect(history.get_by_test_id("history-row").first).to_contain_text("dry-run")
    expect(history.get_by_test_id("history-row").first).to_contain_text("completed")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the report (JSON)").click()
    download = download_info.value
    assert download.suggested_filename.startswith("migration_report_")
    report = json.loads(open(download.path(), encoding="utf-8").read())
    assert report["operation"] == "dry-run" and report["state"] == "completed"
    assert report["counts"]["treatments"] == len(data["treatments"])
    assert report["before"]["embedded_tumours"] == len(data["tumours"])
    assert store.treatments.count_documents({}) == 0  # nothing written

    page.get_by_role("link", name="View the report").click()
    expect(page.get_by_test_id("report-state")).to_have_text("completed")
