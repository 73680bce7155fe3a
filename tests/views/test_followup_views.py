"""The overdue follow-up list (content, order, filter, CSV, who may read it),
recording a planned test's result (validation, htmx in place, refused during
a migration), and stored values no form wrote, shown as they are."""
import csv
import io
from datetime import date, datetime, timedelta

import pytest

from tests.clinical_data import make_episode, make_patient, surgery_fields
from webapp.domain import surveillance
from webapp.store import lease, treatments

TODAY = date.today()
# Operated 800 days ago: CEA at 6 to 24 months, both CTs and the first
# colonoscopy are past their window; the rest are still to come.
OPERATED = datetime.combine(TODAY - timedelta(days=800), datetime.min.time())


def _overdue_keys():
    wanted = surveillance.plan(surgery_fields(OPERATED))
    due = [(f["due_date"], k) for k, f in wanted.items() if f["overdue_from"].date() < TODAY]
    return [k for _, k in sorted(due)]


@pytest.fixture
def operated(app):
    with app.app_context():
        patient = make_patient()
        episode = make_episode(patient, referral=OPERATED - timedelta(days=30))
        operation = treatments.add(episode, surgery_fields(OPERATED), "test")
        later = make_patient("MRN0000002", index=1, first_name="Bo", last_name="Later")
        later_episode = make_episode(later, referral=OPERATED - timedelta(days=30))
        later_operation = treatments.add(later_episode, surgery_fields(OPERATED + timedelta(days=10)), "test")
    return {"patient": patient, "operation": operation, "later": later, "later_operation": later_operation}


def _fid(operation, key):
    return surveillance.follow_up_id(operation, key)


def _rows(body):
    return [line.split('data-follow-up="')[1].split('"')[0] for line in body.splitlines()
            if 'data-testid="overdue-row"' in line]


def test_overdue_list_oldest_first_with_patients(auth, client, operated):
    auth.login("clinician")
    response = client.get("/follow-up/overdue")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    keys = _overdue_keys()
    rows = _rows(body)
    assert len(rows) == 2 * len(keys) and f"{len(rows)} overdue tests" in body
    # Oldest due first: each of the first patient's comes before the same test of the later one.
    for key in keys:
        assert rows.index(_fid(operated["operation"], key)) < rows.index(_fid(operated["later_operation"], key))
    assert f'/patients/{operated["patient"]["_id"]}' in body and "Ada Testpatient" in body
    assert "NICE NG151" in body and "webapp/domain/surveillance.py" in body


def test_filter_by_kind(auth, client, operated):
    auth.login("manager")
    body = client.get("/follow-up/overdue?kind=ct").get_data(as_text=True)
    rows = _rows(body)
    assert rows and all("-CT-" in r for r in rows)
    assert client.get("/follow-up/overdue?kind=pet").status_code == 404
    assert client.get("/follow-up/overdue?page=abc").status_code == 200


def test_pages(app, auth, client, operated):
    app.config["PAGE_SIZE"] = 3
    auth.login("clinician")
    first = _rows(client.get("/follow-up/overdue").get_data(as_text=True))
    second = _rows(client.get("/follow-up/overdue?page=2").get_data(as_text=True))
    assert len(first) == 3 and len(second) == 3 and not set(first) & set(second)


def test_csv(auth, client, operated):
    auth.login("clinician")
    response = client.get("/follow-up/overdue.csv?kind=cea")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:3] == ["hospital number", "name", "test"]
    assert len(rows) - 1 == 2 * sum(1 for k in _overdue_keys() if k.startswith("cea"))
    assert rows[1][0] == "MRN0000001" and rows[1][1] == "Testpatient, Ada" and rows[1][2] == "CEA blood test"
    assert rows[1][3] == surveillance.plan(surgery_fields(OPERATED))["cea-06"]["due_date"].date().isoformat()
    assert int(rows[1][4]) > int(rows[-1][4])


def test_a_manager_reads_the_list_without_names_or_links(auth, client, operated):
    auth.login("manager")
    body = client.get("/follow-up/overdue").get_data(as_text=True)
    assert "MRN0000001" in body and "Testpatient" not in body and "/patients/" not in body
    assert 'href="/follow-up/overdue"' in body  # the navigation link
    rows = list(csv.reader(io.StringIO(client.get("/follow-up/overdue.csv").get_data(as_text=True))))
    assert "name" not in rows[0] and "Testpatient, Ada" not in str(rows)
    assert client.get(f"/follow-up/{_fid(operated['operation'], 'cea-06')}/record").status_code == 403


def test_signed_out_is_sent_to_sign_in(client, operated):
    assert client.get("/follow-up/overdue").status_code == 302
    assert client.get("/follow-up/overdue.csv").status_code == 302


def test_the_timeline_shows_planned_tests_with_a_link_to_record(auth, client, operated):
    auth.login("clinician")
    body = client.get(f"/patients/{operated['patient']['_id']}").get_data(as_text=True)
    assert body.count('data-testid="follow-up"') == len(surveillance.SCHEDULE)
    assert "CEA blood test</strong> (6 months after the operation): planned, due" in body
    assert f"/follow-up/{_fid(operated['operation'], 'cea-06')}/record" in body
    assert 'data-testid="overdue"' in body


def _record(auth, operation, key, data, htmx=False, version="1"):
    return auth.post(f"/follow-up/{_fid(operation, key)}/record", {"version": version, **data}, htmx=htmx)


@pytest.mark.parametrize("key,data,message", [
    ("cea-06", {"outcome": "done", "done_date": (TODAY + timedelta(days=1)).isoformat(), "cea_ng_ml": "2"},
     "cannot be in the future"),
    ("cea-06", {"outcome": "done", "done_date": (OPERATED - timedelta(days=1)).date().isoformat(), "cea_ng_ml": "2"},
     "cannot be before the operation"),
    ("cea-06", {"outcome": "done", "done_date": TODAY.isoformat()}, "Enter the CEA value"),
    ("cea-06", {"outcome": "done", "done_date": TODAY.isoformat(), "cea_ng_ml": "-1"}, "Enter a value from 0"),
    ("cea-06", {"outcome": "done", "cea_ng_ml": "2"}, "Enter the date the test was done"),
    ("ct-12", {"outcome": "done", "done_date": TODAY.isoformat()}, "Choose what it found"),
    ("ct-12", {"outcome": "done", "done_date": TODAY.isoformat(), "finding": "normal"}, "not one of the listed"),
    ("ct-12", {"outcome": "not_done"}, "Choose why the test was not done"),
    ("ct-12", {"outcome": ""}, "Choose whether the test was done"),
])
def test_invalid_results_are_refused_with_a_message(auth, database, operated, key, data, message):
    auth.login("clinician")
    response = _record(auth, operated["operation"], key, data)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert database.follow_ups.count_documents({"status": {"$ne": "planned"}}) == 0


def test_marking_done_takes_it_off_the_list(auth, client, database, operated):
    auth.login("clinician")
    fid = _fid(operated["operation"], "cea-06")
    form = client.get(f"/follow-up/{fid}/record").get_data(as_text=True)
    assert 'data-testid="follow-up-form"' in form and "CEA (ng/mL)" in form and "What it found" not in form
    # A page of its own posts plainly; in place on the timeline, htmx swaps the event's line.
    assert "hx-post" not in form.split('data-testid="follow-up-form"')[1]
    in_place = client.get(f"/follow-up/{fid}/record", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert f'hx-target="#follow-up-{fid}"' in in_place and "<html" not in in_place
    response = _record(auth, operated["operation"], "cea-06",
                       {"outcome": "done", "done_date": TODAY.isoformat(), "cea_ng_ml": "3.4", "notes": "Normal"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/patients/{operated['patient']['_id']}")
    stored = database.follow_ups.find_one({"follow_up_id": fid})
    assert stored["status"] == "done" and stored["cea_ng_ml"] == 3.4 and stored["version"] == 2
    assert stored["done_date"] == datetime.combine(TODAY, datetime.min.time())
    assert fid not in _rows(client.get("/follow-up/overdue").get_data(as_text=True))
    page = client.get(f"/patients/{operated['patient']['_id']}").get_data(as_text=True)
    assert "3.4 ng/mL" in page and "Correct the result" in page
    entry = database.audit_log.find_one({"entity": "follow_up", "entity_id": fid, "action": "record"})
    assert entry["actor"] == "test-clinician"


def test_recording_in_place_with_htmx(auth, database, operated):
    auth.login("clinician")
    fid = _fid(operated["operation"], "ct-12")
    refused = _record(auth, operated["operation"], "ct-12", {"outcome": "done"}, htmx=True)
    assert refused.status_code == 422 and refused.headers["HX-Retarget"] == f"#follow-up-{fid}-form"
    saved = _record(auth, operated["operation"], "ct-12",
                    {"outcome": "done", "done_date": TODAY.isoformat(), "finding": "ned"}, htmx=True)
    body = saved.get_data(as_text=True)
    assert saved.status_code == 200 and 'data-testid="saved"' in body and "No evidence of disease" in body
    assert f'id="follow-up-{fid}-form" hx-swap-oob="true"' in body
    assert database.follow_ups.find_one({"follow_up_id": fid})["finding"] == "ned"


def test_not_done_with_a_reason(auth, database, operated):
    auth.login("data_officer")
    response = _record(auth, operated["operation"], "colonoscopy-12",
                       {"outcome": "not_done", "not_done_reason": "declined"})
    assert response.status_code == 303
    stored = database.follow_ups.find_one({"follow_up_id": _fid(operated["operation"], "colonoscopy-12")})
    assert stored["status"] == "not_done" and stored["not_done_reason"] == "declined" and "done_date" not in stored


def test_a_stale_version_is_a_conflict(auth, operated):
    auth.login("clinician")
    data = {"outcome": "done", "done_date": TODAY.isoformat(), "cea_ng_ml": "1"}
    assert _record(auth, operated["operation"], "cea-12", data).status_code == 303
    conflict = _record(auth, operated["operation"], "cea-12", {**data, "cea_ng_ml": "2"})
    assert conflict.status_code == 409 and 'data-testid="conflict"' in conflict.get_data(as_text=True)


def test_refused_during_a_migration(app, auth, database, operated):
    auth.login("clinician")
    with app.app_context():
        lease.acquire("migration-test-owner")
    response = _record(auth, operated["operation"], "cea-06",
                       {"outcome": "done", "done_date": TODAY.isoformat(), "cea_ng_ml": "3"})
    assert response.status_code == 423 and "migration" in response.get_data(as_text=True)
    assert database.follow_ups.count_documents({"status": "done"}) == 0


def test_a_cancelled_or_unknown_event(app, auth, client, database, operated):
    auth.login("clinician")
    fid = _fid(operated["operation"], "cea-06")
    database.follow_ups.update_one({"follow_up_id": fid}, {"$set": {"status": "cancelled"}})
    assert client.get(f"/follow-up/{fid}/record").status_code == 409
    assert client.get("/follow-up/FU-NOPE/record").status_code == 404
    assert client.get("/follow-up/%00%24where/record").status_code == 404


ODD = {"follow_up_id": "FU-LEGACY-1", "patient_id": "MRN0000001", "episode_id": "E-123", "treatment_id": "TRT-OLD",
       "plan_key": "cea-06", "kind": "PET scan", "months": "six", "due_date": "2024-13-01",
       "overdue_from": datetime(2020, 1, 1), "operation_date": "last spring", "status": "planned",
       "cea_ng_ml": "high", "finding": ["odd"], "version": 1}


def test_odd_stored_values_are_shown_as_they_are(auth, client, database, operated):
    database.follow_ups.insert_many([
        dict(ODD),
        {**ODD, "follow_up_id": "FU-LEGACY-2", "status": "Done?", "due_date": None, "done_date": "yesterday"},
        {**ODD, "follow_up_id": None, "due_date": 20240101, "status": "done", "kind": None},
        {**ODD, "follow_up_id": "FU-LEGACY-3", "patient_id": {"$gt": ""}, "due_date": datetime(2019, 1, 1)},
    ])
    database.follow_ups.update_one({"follow_up_id": "FU-LEGACY-3"}, {"$set": {"overdue_from": datetime(2019, 2, 1)}})
    auth.login("clinician")
    page = client.get(f"/patients/{operated['patient']['_id']}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "“2024-13-01” (stored as text, not a date)" in body and "legacy value “PET scan”" in body
    listing = client.get("/follow-up/overdue")
    assert listing.status_code == 200 and "FU-LEGACY-3" in listing.get_data(as_text=True)
    assert client.get("/follow-up/overdue.csv").status_code == 200
    form = client.get("/follow-up/FU-LEGACY-1/record")
    assert form.status_code == 200 and "legacy value “PET scan”" in form.get_data(as_text=True)
    # A kind no code means asks only for the date; an operation date that is not one is not compared.
    assert _record(auth, {"treatment_id": "x", "episode_id": "y"}, "y", {}).status_code == 404
    saved = auth.post("/follow-up/FU-LEGACY-1/record", {"version": "1", "outcome": "done",
                                                        "done_date": TODAY.isoformat()})
    assert saved.status_code == 303
    assert database.follow_ups.find_one({"follow_up_id": "FU-LEGACY-1"})["status"] == "done"


def test_the_overdue_list_and_its_csv_are_in_the_access_log(app, auth, client, database):
    """They name patients: who saw them is recorded, as on every page that does."""
    operated = datetime.combine(date.today() - timedelta(days=800), datetime.min.time())
    with app.app_context():
        patient = make_patient()
        treatments.add(make_episode(patient, referral=operated - timedelta(days=30)), surgery_fields(operated), "t")
    auth.login("clinician")
    assert "Testpatient" in client.get("/follow-up/overdue").get_data(as_text=True)
    assert "Testpatient" in client.get("/follow-up/overdue.csv").get_data(as_text=True)
    seen = {(e["view"], e["patient"]) for e in database.access_log.find()}
    assert seen == {("followup.overdue", patient["mrn"]), ("followup.overdue_csv", patient["mrn"])}


def test_csv_cells_never_run_as_formulas(auth, client, database, operated):
    """A name a spreadsheet would run is sent as text, and every overdue event is in the file."""
    database.patients.update_one({"mrn": "MRN0000001"}, {"$set": {"last_name": "=HYPERLINK(\"x\")"}})
    auth.login("clinician")
    rows = list(csv.reader(io.StringIO(client.get("/follow-up/overdue.csv").get_data(as_text=True))))
    assert rows[1][1].startswith("'=HYPERLINK")
    assert len(rows) - 1 == 2 * len(_overdue_keys())
