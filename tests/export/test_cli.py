"""`flask export nboca`: writes the golden bytes with a pinned clock,
prints the counts, records the export, exits non-zero when it cannot
produce a valid file."""
import hashlib
from pathlib import Path

from webapp.export import service

GOLDEN = Path(__file__).parent / "golden"
ARGS = ["export", "nboca", "--start", "2024-01-01", "--end", "2024-12-31", "--fixed-clock", "2026-01-02T03:04:05"]


def test_cli_writes_the_golden_file_and_records_it(runner, database, golden_data, tmp_path):
    out = tmp_path / "v10.xml"
    result = runner.invoke(args=ARGS + ["--version", "10", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == (GOLDEN / "nboca-v10.xml").read_bytes()
    assert "in scope: 3  exported: 3  left out: 0" in result.output
    [entry] = list(database.audit_log.find({"entity": "nboca_export"}))
    assert entry["actor"] == "cli" and entry["action"] == "export"
    assert entry["after"]["record_count"] == 3 and entry["after"]["version"] == "10"
    assert entry["after"]["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()


def test_cli_lists_left_out_records_and_treatments(runner, database, golden_data, tmp_path):
    database.treatments.update_one({"treatment_id": "TRT-0004"}, {"$set": {"asa_grade": "7"}})
    database.patients.update_one({"mrn": "MRN0003"}, {"$set": {"nhs_number_status": None}})
    out = tmp_path / "v10.xml"
    result = runner.invoke(args=ARGS + ["--version", "10", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "exported: 2  left out: 1" in result.output and "treatments left out: 1" in result.output
    assert "left out TUM-0003" in result.output and "NHS number status (CR1350) is missing" in result.output
    assert ("treatment left out of TUM-0002 (episode 0000000000000000000000ca): treatment TRT-0004 (Surgery, "
            "2024-07-01): ASA score (CR6010) '7' is not one of the COSD codes") in result.output


def test_cli_fails_without_a_valid_file(runner, app, golden_data, tmp_path):
    out = tmp_path / "x.xml"
    result = runner.invoke(args=["export", "nboca", "--version", "9", "--start", "2030-01-01", "--end",
                                 "2030-12-31", "-o", str(out)])
    assert result.exit_code == 1 and not out.exists()
    app.config["NBOCA_ORGANISATION"] = "not an org"
    result = runner.invoke(args=ARGS + ["--version", "9", "-o", str(out)])
    assert result.exit_code == 1 and "header is not valid" in result.output and not out.exists()


def test_cli_rejects_bad_arguments(runner, golden_data, tmp_path):
    out = str(tmp_path / "x.xml")
    for args in (
        ["--version", "11"],
        ["--version", "9", "--provider", "r x!"],
        ["--version", "9", "--provider", "RX12"],
    ):
        result = runner.invoke(args=ARGS + args + ["-o", out])
        assert result.exit_code == 2, result.output
    result = runner.invoke(
        args=["export", "nboca", "--version", "9", "--start", "2024-12-31", "--end", "2024-01-01", "-o", out]
    )
    assert result.exit_code == 2 and "end is before the start" in result.output


def test_fixed_clock_pins_the_submission_id():
    request = service.Request("9", service.date(2024, 1, 1), service.date(2024, 12, 31))
    when = service.datetime(2026, 1, 2, 3, 4, 5)
    assert service.FixedClock(when).submission_id(request) == service.FixedClock(when).submission_id(request)
    assert service.SystemClock().submission_id(request) != service.SystemClock().submission_id(request)


def test_submitting_organisation_comes_from_the_environment(tmp_path):
    from webapp import config

    settings = config.load({"SECRET_KEY": "x", "VAR_DIR": str(tmp_path)}, environ={"NBOCA_ORGANISATION": "R1K"})
    assert settings["NBOCA_ORGANISATION"] == "R1K"


def test_configured_organisation_heads_the_file(runner, app, golden_data, tmp_path):
    app.config["NBOCA_ORGANISATION"] = "r1k"
    out = tmp_path / "v9.xml"
    result = runner.invoke(args=ARGS + ["--version", "9", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert b'<OrganisationIdentifierCodeOfSubmittingOrganisation extension="R1K"/>' in out.read_bytes()


def test_cli_leaves_diagnoses_after_june_2024_out_of_a_v9_file(runner, golden_data, tmp_path):
    result = runner.invoke(args=ARGS + ["--version", "9", "-o", str(tmp_path / "v9.xml")])
    assert result.exit_code == 0, result.output
    assert "exported: 2  left out: 0  for a later version: 1" in result.output
    assert ("not in a v9 file TUM-0003 (episode 0000000000000000000000cb): diagnosed after 30 Jun 2024: "
            "NDRS does not accept COSD v9.0.1 for it; send it in a COSD v10 file") in result.output
    assert b"MRN0003" not in (tmp_path / "v9.xml").read_bytes()
    result = runner.invoke(args=ARGS + ["--version", "10", "-o", str(tmp_path / "v10.xml")])
    assert "for a later version: 0" in result.output and "not in a v10 file" not in result.output
