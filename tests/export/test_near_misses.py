"""Tumours the selection passes over because a code is written in another
form ("C187", "Primary", no type) are listed for staff to fix, with a link,
on the page and by the CLI; they are never exported with a guessed code,
and nothing that is truly out of scope is listed."""
from datetime import datetime

import pytest

from tests.export import dataset
from tests.export.conftest import export_bytes
from webapp.export import scope, service

QUERY = "version=9&start=2024-01-01&end=2024-12-31"


@pytest.mark.parametrize("tumour,reasons", [
    ({"icd10_code": "C187", "tumour_type": "primary"}, ["ICD-10 code 'C187' is not written as C18.7"]),
    ({"icd10_code": "C18.7", "tumour_type": "Primary"}, ["tumour type 'Primary' is not written as primary"]),
    ({"icd10_code": "c20x"}, ["ICD-10 code 'c20x' is not written as C20", "tumour type is missing (primary?)"]),
    ({"icd10_code": "C18.7", "tumour_type": "primary"}, []),  # selected already
    ({"icd10_code": "C187", "tumour_type": "metastasis"}, []),
    ({"icd10_code": "C21.1", "tumour_type": "primary"}, []),
    ({"icd10_code": "D12.5", "tumour_type": "primary"}, []),
])
def test_near_miss_rule(tumour, reasons):
    assert scope.near_miss(tumour) == reasons


@pytest.fixture
def odd_codes(database, golden_data):
    """Two legacy-written colorectal primaries in the period (one per
    provider), one outside it, and a true out-of-scope C21 in it."""
    episodes = {e["patient_id"]: e for e in golden_data["episodes"]}
    rth = dataset.episode(8, "MRN0008", provider="RTH")
    database.episodes.insert_one(rth)
    database.tumours.insert_many([
        dataset.tumour(21, episodes["MRN0001"], "C187", datetime(2024, 5, 5)),
        dataset.tumour(22, rth, "C18.2", datetime(2024, 8, 8), tumour_type="Primary"),
        dataset.tumour(23, episodes["MRN0002"], "C187", datetime(2023, 5, 5)),
        dataset.tumour(24, episodes["MRN0002"], "C21.1", datetime(2024, 5, 5)),
    ])
    return rth


def test_listed_not_exported(app, database, odd_codes):
    data, export = export_bytes(app, 10)
    assert export.exported == 3 and export.left_out == []
    assert b"TUM-0021" not in data
    with app.app_context():
        found = service.near_misses(service.Request("9", *map(_day, (dataset.START, dataset.END))))
        only_rth = service.near_misses(service.Request("9", _day(dataset.START), _day(dataset.END), "RTH"))
    assert [(f["tumour_id"], f["reasons"]) for f in found] == [
        ("TUM-0021", ["ICD-10 code 'C187' is not written as C18.7"]),
        ("TUM-0022", ["tumour type 'Primary' is not written as primary"]),
    ]
    assert found[1]["episode_id"] == str(odd_codes["_id"]) and found[1]["mrn"] == "MRN0008"
    assert [f["tumour_id"] for f in only_rth] == ["TUM-0022"]


def test_page_lists_them_with_a_link(auth, client, odd_codes):
    auth.login("data_officer")
    page = client.get(f"/exports/?{QUERY}").get_data(as_text=True)
    assert 'data-testid="near-misses"' in page
    assert 'data-testid="near-miss-count"><a href="#near-misses-heading">2</a>' in page  # in the summary too
    assert "TUM-0021" in page and "ICD-10 code &#39;C187&#39; is not written as C18.7" in page
    assert f'href="/episodes/{odd_codes["_id"]}"' in page
    assert "TUM-0023" not in page and "TUM-0024" not in page


def test_page_without_odd_codes_has_no_such_section(auth, client, golden_data):
    auth.login("data_officer")
    assert 'data-testid="near-misses"' not in client.get(f"/exports/?{QUERY}").get_data(as_text=True)


def test_cli_names_them(runner, odd_codes, tmp_path):
    result = runner.invoke(args=["export", "nboca", "--version", "9", "--start", dataset.START, "--end", dataset.END,
                                 "-o", str(tmp_path / "f.xml")])
    assert result.exit_code == 0, result.output
    assert "not selected TUM-0021" in result.output and "not selected TUM-0022" in result.output
    assert "TUM-0023" not in result.output


def _day(text):
    return datetime.fromisoformat(text).date()
