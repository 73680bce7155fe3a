"""Treatment pathways: a treatment names the one it follows or belongs with;
another patient's treatment, an impossible order and a circle are refused
with a message on the field concerned; the timeline shows linked
treatments as one pathway; the dashboard counts the common pathways."""
from datetime import datetime

import pytest

from tests.clinical_data import chemo_fields, make_episode, make_patient, surgery_fields
from tests.views.test_episode_records_views import CHEMO, RADIO, SURGERY
from webapp.domain import pathways
from webapp.store import treatments


@pytest.fixture
def operated(app):
    """A patient with an operation on 1 Mar 2024, and another patient's operation."""
    with app.app_context():
        patient = make_patient()
        episode = make_episode(patient)
        operation = treatments.add(episode, surgery_fields(datetime(2024, 3, 1)), "test")
        other = make_episode(make_patient("MRN0000002", index=1))
        elsewhere = treatments.add(other, surgery_fields(datetime(2024, 3, 1)), "test")
        return {"patient": patient, "episode": episode, "operation": operation, "elsewhere": elsewhere}


def _new(auth, episode, form):
    return auth.post(f"/episodes/{episode['_id']}/treatments/new", form, htmx=True)


def test_adjuvant_chemotherapy_follows_the_operation(auth, database, operated):
    auth.login("clinician")
    page = auth.client.get(f"/episodes/{operated['episode']['_id']}/treatments/new?treatment_type=chemotherapy")
    assert operated["operation"]["treatment_id"] in page.get_data(as_text=True)  # offered as a choice
    response = _new(auth, operated["episode"], {**CHEMO, "treatment_date": "2024-04-01", "start_date": "2024-04-01",
                                                 "follows_treatment_id": operated["operation"]["treatment_id"]})
    assert response.status_code == 200
    stored = database.treatments.find_one({"treatment_type": "chemotherapy"})
    assert stored["follows_treatment_id"] == operated["operation"]["treatment_id"]
    # Cleared on the form: removed, not kept as null.
    cleared = auth.post(f"/episodes/{operated['episode']['_id']}/treatments/{stored['treatment_id']}/edit",
                        {**CHEMO, "treatment_date": "2024-04-01", "start_date": "2024-04-01", "version": "1",
                         "follows_treatment_id": ""}, htmx=True)
    assert cleared.status_code == 200
    assert "follows_treatment_id" not in database.treatments.find_one({"treatment_id": stored["treatment_id"]})


@pytest.mark.parametrize("form,field,message", [
    # Adjuvant chemotherapy dated before the operation it follows.
    ({**CHEMO, "treatment_date": "2024-02-01", "start_date": "2024-02-01"}, "treatment_date",
     "dated before the one it follows (Surgery on 01 Mar 2024)"),
    # Neo-adjuvant radiotherapy dated after the operation it belongs with.
    ({**RADIO, "adjunctive_therapy": "2", "treatment_date": "2024-04-01", "start_date": "2024-04-01",
      "end_date": "2024-04-05"}, "treatment_date", "neo-adjuvant treatment comes before the operation"),
])
def test_impossible_order_is_refused_on_the_date(auth, database, operated, form, field, message):
    auth.login("clinician")
    response = _new(auth, operated["episode"], {**form, "follows_treatment_id": operated["operation"]["treatment_id"]})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and message in body
    assert f'id="{field}-error"' in body or f'aria-describedby="{field}' in body or message in body
    assert database.treatments.count_documents({}) == 2


def test_another_patients_treatment_is_refused(auth, database, operated):
    auth.login("clinician")
    response = _new(auth, operated["episode"], {**CHEMO, "treatment_date": "2024-04-01", "start_date": "2024-04-01",
                                                 "follows_treatment_id": operated["elsewhere"]["treatment_id"]})
    assert response.status_code == 422 and "another patient" in response.get_data(as_text=True)
    unknown = _new(auth, operated["episode"], {**CHEMO, "follows_treatment_id": "TRT-NOSUCH"})
    assert unknown.status_code == 422 and "Choose one of this patient" in unknown.get_data(as_text=True)
    assert database.treatments.count_documents({}) == 2


def test_a_circle_is_refused(app, auth, database, operated):
    with app.app_context():
        # A return to theatre following the operation...
        second = treatments.add(operated["episode"], surgery_fields(
            datetime(2024, 3, 3), opcs4_primary="H071", follows_treatment_id=operated["operation"]["treatment_id"]),
            "test")
    auth.login("clinician")
    # ... so the operation cannot follow it in turn.
    op = operated["operation"]
    response = auth.post(f"/episodes/{operated['episode']['_id']}/treatments/{op['treatment_id']}/edit",
                         {**SURGERY, "version": "1", "follows_treatment_id": second["treatment_id"]}, htmx=True)
    assert response.status_code == 422 and "cannot go round in a circle" in response.get_data(as_text=True)
    assert "follows_treatment_id" not in database.treatments.find_one({"treatment_id": op["treatment_id"]})


def test_moving_an_operation_past_the_treatment_that_follows_it_is_refused_on_its_form(app, auth, database,
                                                                                         operated):
    with app.app_context():
        chemo = treatments.add(operated["episode"], chemo_fields(
            datetime(2024, 4, 1), follows_treatment_id=operated["operation"]["treatment_id"]), "test")
    auth.login("clinician")
    op = operated["operation"]
    response = auth.post(f"/episodes/{operated['episode']['_id']}/treatments/{op['treatment_id']}/edit",
                         {**SURGERY, "version": "1", "treatment_date": "2024-05-01"}, htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f"Chemotherapy on 01 Apr 2024 ({chemo['treatment_id']}) follows this treatment" in body
    assert database.treatments.find_one({"treatment_id": op["treatment_id"]})["treatment_date"] == datetime(2024, 3, 1)


def test_deleting_a_treatment_others_follow_is_refused_and_says_why(app, auth, database, operated):
    with app.app_context():
        chemo = treatments.add(operated["episode"], chemo_fields(
            datetime(2024, 4, 1), follows_treatment_id=operated["operation"]["treatment_id"]), "test")
    auth.login("clinician")
    url = f"/episodes/{operated['episode']['_id']}/treatments/{operated['operation']['treatment_id']}/delete"
    confirm = auth.client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'data-testid="delete-blocked"' in confirm and "Yes, delete it" not in confirm
    assert f"({chemo['treatment_id']}) follows this treatment in its pathway" in confirm
    # A delete sent anyway (a stale page, a script): refused by the store, nothing deleted.
    refused = auth.send("DELETE", url + "?version=1", htmx=True)
    assert refused.status_code == 409 and "Nothing was deleted." in refused.get_data(as_text=True)
    assert database.treatments.count_documents({"treatment_id": operated["operation"]["treatment_id"]}) == 1


def test_rules_directly():
    surgery = {"treatment_id": "T1", "patient_id": "M1", "treatment_type": "surgery",
               "treatment_date": datetime(2024, 3, 1)}
    chemo = {"treatment_id": "T2", "patient_id": "M1", "treatment_type": "chemotherapy",
             "treatment_date": datetime(2024, 4, 1), "adjunctive_therapy": "1"}
    assert pathways.problems(chemo, surgery, set()) == {}
    assert "itself" in pathways.problems(surgery, surgery, set())[pathways.FIELD]
    assert "circle" in pathways.problems(surgery, chemo, {"T1"})[pathways.FIELD]
    neo = {**chemo, "treatment_id": "T3", "adjunctive_therapy": "2", "treatment_date": datetime(2024, 1, 1)}
    assert pathways.problems(neo, surgery, set()) == {}
    assert "choose an operation" in pathways.problems(neo, chemo, set())[pathways.FIELD]
    # Undated: nothing to compare, not refused.
    assert pathways.problems({**chemo, "treatment_date": None}, surgery, set()) == {}


def test_timeline_shows_one_pathway_and_the_dashboard_counts_it(app, auth, client, database, operated):
    op = operated["operation"]["treatment_id"]
    with app.app_context():
        treatments.add(operated["episode"], {
            "treatment_type": "radiotherapy", "treatment_date": datetime(2024, 1, 20), "treatment_intent": "01",
            "provider_organisation": "RX1", "adjunctive_therapy": "2", "total_dose_gy": 25, "fractions": 5,
            "follows_treatment_id": op}, "test")
        treatments.add(operated["episode"], chemo_fields(datetime(2024, 4, 2), follows_treatment_id=op), "test")
        treatments.add(operated["episode"], chemo_fields(datetime(2024, 9, 2)), "test")  # not linked
    auth.login("clinician")
    page = client.get(f"/patients/{operated['patient']['_id']}").get_data(as_text=True)
    section = page[page.index('data-testid="pathways"'):]
    assert section.count('data-testid="pathway"') == 1
    assert ("20 Jan 2024 Radiotherapy (neo-adjuvant) → 01 Mar 2024 Surgery → 02 Apr 2024 Chemotherapy (adjuvant)"
            in section)
    assert page.count('data-testid="pathway-step"') == 3
    assert "pathway 1: neo-adjuvant" in page and "pathway 1: adjuvant" in page
    auth.login("manager")
    dashboard = client.get("/reports/outcomes?start=2024-01-01&end=2024-12-31").get_data(as_text=True)
    table = dashboard[dashboard.index('data-testid="pathways"'):]
    assert "Radiotherapy (neo-adjuvant) → Surgery → Chemotherapy (adjuvant)</th><td>1</td>" in table
