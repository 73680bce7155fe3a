"""Outcome reports: treatments by type and, for operations by access
approach, return to theatre, anastomotic leak, readmission and median stay,
counted from the treatments collection for a period (and a provider)."""
from datetime import date, datetime

import pytest

from webapp.store import outcomes

PERIOD = "start=2024-04-01&end=2025-03-31"


def _surgery(n, when, access, provider="RX1", **outcome):
    return {"treatment_id": f"TRT-{n:04d}", "episode_id": f"ep{n}", "patient_id": f"MRN{n:04d}",
            "treatment_type": "surgery", "treatment_date": when, "provider_organisation": provider,
            "surgical_access_type": access, **outcome}


@pytest.fixture
def treatments(database):
    database.treatments.insert_many([
        _surgery(1, datetime(2024, 5, 1), "5", return_to_theatre="Y", anastomosis=True, anastomotic_leak=True,
                 readmission_30d=True, length_of_stay_days=10),
        _surgery(2, datetime(2024, 6, 1), "5", provider="RTH", return_to_theatre="N", anastomosis=True,
                 anastomotic_leak=False, readmission_30d=False, length_of_stay_days=6),
        _surgery(3, datetime(2024, 7, 1), "1", return_to_theatre="9", anastomosis=False, readmission_30d=False),
        _surgery(4, datetime(2024, 3, 31), "5", return_to_theatre="Y", length_of_stay_days=40),  # before the period
        {"treatment_id": "TRT-0005", "episode_id": "ep5", "patient_id": "MRN0005", "treatment_type": "chemotherapy",
         "treatment_date": datetime(2025, 3, 31, 15, 0), "provider_organisation": "RX1", "response": "PR"},
    ])


def _report(app, provider=None):
    with app.app_context():
        return outcomes.report(date(2024, 4, 1), date(2025, 3, 31), provider)


def test_counts_and_rates(app, treatments):
    report = _report(app)
    assert report["treatments"] == [("Surgery", 3), ("Chemotherapy", 1)]
    assert report["responses"] == [("Chemotherapy", {"CR": 0, "PR": 1, "SD": 0, "PD": 0, "NE": 0})]
    open_, robotic, total = report["operations"]
    only_rth = _report(app, "RTH")["operations"]
    assert robotic["label"] == "Robotic" and robotic["operations"] == 2
    assert robotic["rtt"] == {"count": 1, "over": 2, "percent": 50.0}
    assert robotic["leak"] == {"count": 1, "over": 2, "percent": 50.0}
    assert robotic["stay_median"] == 8 and robotic["stays_known"] == 2
    # "9" (not known) is not counted as recorded; no anastomosis, no leak rate; no stay recorded.
    assert open_["label"] == "Open" and open_["rtt"]["over"] == 0 and open_["rtt"]["percent"] is None
    assert open_["leak"]["over"] == 0 and open_["stay_median"] is None
    assert total["label"] == "All operations" and total["operations"] == 3
    assert total["readmission"] == {"count": 1, "over": 3, "percent": 33.3}
    assert [r["label"] for r in only_rth] == ["Robotic", "All operations"] and only_rth[0]["operations"] == 1


def test_page_shows_the_tables(auth, client, treatments):
    auth.login("clinician")
    page = client.get(f"/reports/outcomes?{PERIOD}").get_data(as_text=True)
    assert '<th scope="row">Robotic</th><td>2</td><td>1 of 2 (50.0%)</td><td>1 of 2 (50.0%)</td>' in page
    assert "<td>1 of 3 (33.3%)</td>" in page and "<td>8 (2)</td>" in page
    assert '<th scope="row">Surgery</th><td>3</td>' in page
    assert '<th scope="row">Chemotherapy</th><td>0</td><td>1</td><td>0</td>' in page  # one partial response


def test_empty_period_and_bad_period(auth, client, treatments):
    auth.login("manager")
    page = client.get("/reports/outcomes?start=2030-01-01&end=2030-12-31").get_data(as_text=True)
    assert "No treatment is recorded in this period." in page and "No operation is recorded" in page
    response = client.get("/reports/outcomes?start=2025-01-01&end=2024-01-01")
    assert response.status_code == 422
    assert "The end of the period must be on or after its start." in response.get_data(as_text=True)


def test_legacy_forms_count_as_what_they_mean(app, database):
    """Migrated records keep their values as written: "Surgery", 4, "yes",
    "7"... They count as what they mean; values that say nothing are not
    recorded and stay out of the rates."""
    database.treatments.insert_many([
        _surgery(1, datetime(2024, 5, 1), 4, treatment_type="Surgery", return_to_theatre="y", anastomosis="yes",
                 anastomotic_leak="no", readmission_30d=1, length_of_stay_days="7"),
        _surgery(2, datetime(2024, 5, 2), "Laparoscopic - completed", return_to_theatre="N", anastomosis=True,
                 anastomotic_leak=True, readmission_30d=False, length_of_stay_days=9.0),
        _surgery(3, datetime(2024, 5, 3), "4", return_to_theatre="unknown", anastomosis=True,
                 readmission_30d="maybe", length_of_stay_days="a week"),
        _surgery(4, datetime(2024, 5, 4), "lap"),
        _surgery(5, datetime(2024, 5, 5), None),
    ])
    report = _report(app)
    assert report["treatments"] == [("Surgery", 5)]
    laparoscopic, unknown_code, not_recorded, total = report["operations"]
    assert laparoscopic["label"] == "Laparoscopic - completed" and laparoscopic["operations"] == 3
    assert laparoscopic["rtt"] == {"count": 1, "over": 2, "percent": 50.0}
    assert laparoscopic["leak"] == {"count": 1, "over": 2, "percent": 50.0}  # no leak answer: not counted
    assert laparoscopic["readmission"] == {"count": 1, "over": 2, "percent": 50.0}
    assert laparoscopic["stay_median"] == 8 and laparoscopic["stays_known"] == 2
    assert unknown_code["label"] == "lap" and not_recorded["label"] == "Not recorded"
    assert total["operations"] == 5 and total["readmission"]["over"] == 2


def test_median_of_counted_values():
    from collections import Counter

    from webapp.store.outcomes import _median

    assert _median(Counter()) is None
    assert _median(Counter({5: 1, 9: 1, 7: 1})) == 7
    assert _median(Counter({6: 1, 10: 1})) == 8
    assert _median(Counter({3: 3, 20: 1})) == 3
