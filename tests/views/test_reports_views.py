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
         "treatment_date": datetime(2025, 3, 31, 15, 0), "provider_organisation": "RX1"},
    ])


def test_counts_and_rates(app, treatments):
    with app.app_context():
        assert outcomes.treatment_counts(date(2024, 4, 1), date(2025, 3, 31)) == [("Surgery", 3), ("Chemotherapy", 1)]
        open_, robotic, total = outcomes.surgery_outcomes(date(2024, 4, 1), date(2025, 3, 31))
        only_rth = outcomes.surgery_outcomes(date(2024, 4, 1), date(2025, 3, 31), "RTH")
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
    assert "<td>Surgery</td><td>3</td>" in page
    assert "MRN0001" not in page  # aggregates only


def test_empty_period_and_bad_period(auth, client, treatments):
    auth.login("manager")
    page = client.get("/reports/outcomes?start=2030-01-01&end=2030-12-31").get_data(as_text=True)
    assert "No treatment is recorded in this period." in page and "No operation is recorded" in page
    response = client.get("/reports/outcomes?start=2025-01-01&end=2024-01-01")
    assert response.status_code == 422
    assert "The end of the period must be on or after its start." in response.get_data(as_text=True)
