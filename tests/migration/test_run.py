"""`migration run` and `migration status`: the seed's table, the new shape
exactly, idempotence, the dry run, the report."""
import json
from pathlib import Path

from tests import whole_database
from tests.migration.conftest import snapshot
from webapp.migration import apply, report, stats


def test_status_before_and_after_equal_what_the_data_implies(app, database, legacy, runner):
    data = legacy["data"]
    episodes = data["episodes"]
    per_episode = {str(e["_id"]): {"treatments": 0, "tumours": 0} for e in episodes}
    for kind in ("treatments", "tumours"):
        for item in data[kind]:
            per_episode[item["episode_id"]][kind] += 1
    expected_before = {
        "episodes_total": len(episodes), "episodes_with_arrays": len(episodes),
        "episodes_with_embedded_treatments": sum(1 for c in per_episode.values() if c["treatments"]),
        "embedded_treatments": len(data["treatments"]),
        "episodes_with_embedded_tumours": sum(1 for c in per_episode.values() if c["tumours"]),
        "embedded_tumours": len(data["tumours"]),
        "treatments_collection": 0, "tumours_collection": 0, "quarantined": 0, "episodes_migrated": 0,
    }
    with app.app_context():
        assert stats.measure() == expected_before
        assert stats.state()[0] == "never run"
    result = runner.invoke(args=["migration", "status"])
    assert result.exit_code == 0, result.output
    assert "Migration state: never run" in result.output
    assert "Embedded treatments (items)" in result.output and str(len(data["treatments"])) in result.output

    result = runner.invoke(args=["migration", "run", "--yes", "--batch-size", "5"])
    assert result.exit_code == 0, result.output
    expected_after = dict(expected_before, episodes_with_arrays=0, episodes_with_embedded_treatments=0,
                          embedded_treatments=0, episodes_with_embedded_tumours=0, embedded_tumours=0,
                          treatments_collection=len(data["treatments"]), tumours_collection=len(data["tumours"]),
                          episodes_migrated=len(episodes))
    with app.app_context():
        assert stats.measure() == expected_after
        assert stats.state()[0] == "completed"
    result = runner.invoke(args=["migration", "status"])
    assert "Migration state: completed" in result.output and "run " in result.output


def test_items_get_exactly_the_new_shape(app, database, legacy):
    with app.app_context():
        apply.run(batch_size=4)
    for kind in ("treatments", "tumours"):
        id_field = kind[:-1] + "_id"
        expected = {item[id_field]: item for item in legacy["data"][kind]}
        got = list(database[kind].find())
        assert len(got) == len(expected)
        for doc in got:
            bookkeeping = doc.pop("migration")
            doc.pop("_id")
            want = expected[doc[id_field]]
            assert list(doc.items()) == list(want.items())  # same fields, values and order
            assert isinstance(bookkeeping["legacy_index"], int)
    for episode in database.episodes.find():
        assert "treatments" not in episode and "tumours" not in episode


def test_second_run_changes_nothing(app, database, legacy):
    with app.app_context():
        apply.run(batch_size=7)
        first = snapshot(database)
        report = apply.run(batch_size=7)
    assert snapshot(database) == first
    assert report["counts"]["episodes"] == 0 and report["state"] == "completed"


def test_dry_run_writes_nothing_and_reports_what_a_run_would_do(app, database, legacy):
    before = whole_database.snapshot(database)
    with app.app_context():
        dry = apply.run(dry_run=True, batch_size=6)
        after = whole_database.snapshot(database)
        assert after == before, whole_database.differences(before, after)
        # Without a VAR_DIR its report is this process's, and reads as a stored one would.
        assert report.get(dry["_id"]) == dry
        assert [r["_id"] for r in report.history()] == [dry["_id"]]
        real = apply.run(batch_size=6)
    assert dry["operation"] == "dry-run" and dry["state"] == "completed"
    assert dry["counts"] == real["counts"]
    assert dry["after"] == real["after"]
    assert dry["anomaly_counts"] == real["anomaly_counts"]


def test_report_file_and_collection_hold_the_same_report(app, database, legacy):
    with app.app_context():
        doc = apply.run(var_dir=app.config["VAR_DIR"])
    path = Path(app.config["VAR_DIR"]) / "reports" / doc["report_file"]
    assert path.name.startswith("migration_report_") and path.suffix == ".json"
    saved = json.loads(path.read_text())
    stored = database.migrations.find_one({"_id": doc["_id"]})
    for key in ("before", "after", "counts", "warnings", "errors", "anomalies", "duration_s", "state"):
        assert saved[key] == json.loads(json.dumps(stored[key], default=str)), key
    assert saved["before"]["embedded_treatments"] == len(legacy["data"]["treatments"])
    assert saved["after"]["treatments_collection"] == len(legacy["data"]["treatments"])
    assert saved["duration_s"] >= 0


def test_run_without_yes_refuses_when_not_a_terminal(app, database, legacy, runner):
    result = runner.invoke(args=["migration", "run"])
    assert result.exit_code != 0
    assert "refusing to migrate without --yes" in result.output
    assert database.treatments.count_documents({}) == 0
    assert database.episodes.count_documents({"treatments": {"$exists": True}}) == len(legacy["episodes"])


def test_cli_dry_run_shows_progress_and_writes_nothing(app, database, legacy, runner):
    before = whole_database.snapshot(database)
    result = runner.invoke(args=["migration", "run", "--dry-run", "--batch-size", "3"])
    assert result.exit_code == 0, result.output
    assert "dry run [" in result.output and "items" in result.output
    after = whole_database.snapshot(database)
    assert after == before, whole_database.differences(before, after)
    # Its report as ever: printed, written as a file, and in the history (both steps, newest first).
    assert result.output.count("Report (") == 2 and "(file migration_report_" in result.output
    with app.app_context():
        runs = report.history(var_dir=app.config["VAR_DIR"])
    assert [(r["operation"], r["step"], r["state"]) for r in runs] == [
        ("dry-run", "adopt", "completed"), ("dry-run", "collections", "completed")]
    assert runs[1]["next_run"] == runs[0]["_id"]
    for run in runs:
        assert (Path(app.config["VAR_DIR"]) / "reports" / run["report_file"]).is_file()


def test_a_batch_whose_connection_drops_is_done_again():
    from pymongo.errors import AutoReconnect

    from webapp.migration.scan import with_retries

    calls, warnings = [], []

    def batch():
        calls.append(1)
        if len(calls) == 1:
            raise AutoReconnect("connection closed")
        return "done"

    class Reader:
        reopened = 0

        def reopen(self):
            self.reopened += 1

    reader = Reader()
    assert with_retries(batch, warnings, reader) == "done"
    assert len(calls) == 2 and "batch retried" in warnings[0]
    assert reader.reopened == 1  # the cursor is opened again after the last batch done
