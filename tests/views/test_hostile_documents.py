"""Reading never fails (issue 9, point 7): every page, fragment and form of
a patient, episode, tumour or treatment answers 200 on any document the
database may hold (tests/hostile.py), shows each odd value as what it is,
and a form opened on one asks for a valid value; saving one clears the
legacy value it replaces. The routes are found by walking the URL map, so a
new page is covered without being named here."""
from datetime import datetime
from html import unescape

import pytest
from flask import url_for

from tests import hostile
from tests.clinical_data import make_episode, make_patient

# Which stored documents fill each URL parameter.
ARGUMENTS = {"patient_id", "episode_id", "record_id"}


@pytest.fixture
def documents(database):
    return hostile.insert(database)


def _routes(app):
    """(endpoint, arguments) of every GET route on a clinical record."""
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and rule.arguments and rule.arguments <= ARGUMENTS:
            yield rule.endpoint, rule.arguments


def _urls(app, documents):
    episode_ids = [e["_id"] for e in documents["episodes"]]
    record_ids = {"tumours": [t["tumour_id"] for t in documents["tumours"] if "tumour_id" in t],
                  "treatments": [t["treatment_id"] for t in documents["treatments"]],
                  "responses": [a["assessment_id"] for a in documents["response_assessments"] if "assessment_id" in a]}
    with app.test_request_context():
        for endpoint, arguments in _routes(app):
            if arguments == {"patient_id"}:
                for p in documents["patients"]:
                    yield url_for(endpoint, patient_id=p["_id"])
            elif arguments == {"episode_id"}:
                for e in episode_ids:
                    yield url_for(endpoint, episode_id=e)
            else:
                for record_id in record_ids[endpoint.split(".")[0]]:
                    yield url_for(endpoint, episode_id=episode_ids[0], record_id=record_id)


def test_every_page_fragment_and_form_answers_200(app, auth, client, documents):
    auth.login("admin")
    urls = list(_urls(app, documents))
    assert len(urls) >= 40  # the walk found the record routes (patients, episodes, tumours, treatments)
    failures = []
    for url in urls:
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(url, headers=headers, follow_redirects=True)
            body = response.get_data(as_text=True)
            # A value the page could not read is never shown as Python's or Jinja's placeholder.
            leaks = [w for w in ("Undefined", ">None<", " None ", "[&#39;", "{&#39;") if w in body]
            if response.status_code != 200 or leaks:
                failures.append((url, headers, response.status_code, leaks))
    assert failures == [], '\n'.join(map(str, failures))


def _text(client, url, htmx=False):
    response = client.get(url, headers={"HX-Request": "true"} if htmx else {})
    assert response.status_code == 200, url
    return unescape(response.get_data(as_text=True))


@pytest.mark.parametrize("page", sorted(hostile.ODD))
def test_odd_values_show_as_what_they_are(auth, client, documents, page):
    auth.login("admin")
    patient, episode = documents["patients"][0], documents["episodes"][0]
    where = f"/episodes/{episode['_id']}"
    url = {"patient": f"/patients/{patient['_id']}", "episode": where, "episode_form": f"{where}/edit",
           "tumours": f"{where}/tumours", "tumour_form": f"{where}/tumours/TUM-HOSTILE01/edit",
           "treatments": f"{where}/treatments", "treatment_form": f"{where}/treatments/TRT-HOSTILE01/edit",
           "responses": f"{where}/responses", "response_form": f"{where}/responses/RSP-HOSTILE01/edit"}[page]
    body = _text(client, url)
    missing = [odd for odd in hostile.ODD[page] if odd not in body]
    assert missing == []


def test_episode_page_says_its_records_wait_for_the_migration(auth, client, documents):
    auth.login("clinician")
    episode = documents["episodes"][0]
    treatments = _text(client, f"/episodes/{episode['_id']}/treatments", htmx=True)
    assert "This episode lists 1 treatment id" in treatments  # beside the four in the collection
    empty = documents["episodes"][2]
    assert "No tumours recorded" in _text(client, f"/episodes/{empty['_id']}/tumours", htmx=True)


def test_legacy_arrays_say_they_wait_instead_of_none_recorded(app, auth, client, database):
    with app.app_context():
        episode = make_episode(make_patient())
    database.episodes.update_one({"_id": episode["_id"]}, {"$set": {
        "tumours": [{"tumour_id": "T1"}, {"tumour_id": "T2"}], "treatments": [{"treatment_id": "X"}]}})
    auth.login("clinician")
    tumours = _text(client, f"/episodes/{episode['_id']}/tumours", htmx=True)
    assert "No tumours recorded" not in tumours
    assert "still holds 2 tumours inside it" in tumours and "wait to be migrated" in tumours
    assert "still holds 1 treatment inside it" in _text(client, f"/episodes/{episode['_id']}/treatments", htmx=True)


def test_treatment_added_and_edited_on_an_episode_with_a_text_referral_date(auth, client, database, documents):
    """Issue 9: validators compared a string with a date and answered 500."""
    auth.login("clinician")
    episode = documents["episodes"][0]
    form = {"treatment_type": "chemotherapy", "treatment_date": "2024-03-01", "treatment_intent": "01",
            "provider_organisation": "RX1", "treatment_site": "RX1RA", "adjunctive_therapy": "1",
            "regimen": "CAPOX", "cycles": "8"}
    assert auth.post(f"/episodes/{episode['_id']}/treatments/new", form).status_code == 303
    edit = auth.post(f"/episodes/{episode['_id']}/treatments/TRT-HOSTILE02/edit", {**form, "version": "1"})
    assert edit.status_code == 303, edit.get_data(as_text=True)
    saved = database.treatments.find_one({"treatment_id": "TRT-HOSTILE02"})
    assert saved["treatment_date"] == datetime(2024, 3, 1) and "start_date" not in saved
    # A refused post re-shows the stored value's note beside its field.
    refused = auth.post(f"/episodes/{episode['_id']}/treatments/TRT-HOSTILE01/edit",
                        {**form, "treatment_type": "surgery", "version": "1"})
    assert refused.status_code == 422
    assert "legacy value “laparoscopic”: choose a code" in unescape(refused.get_data(as_text=True))


def test_saving_a_valid_value_clears_its_legacy_value(auth, client, database, documents):
    auth.login("clinician")
    episode = documents["episodes"][0]
    form = {"referral_date": "2024-01-03", "referral_source": "03", "care_plan_intent": "", "status": "open",
            "version": "1"}
    assert auth.post(f"/episodes/{episode['_id']}/edit", form).status_code == 303
    stored = database.episodes.find_one({"_id": episode["_id"]})
    # Left blank, the kept value stays for someone to correct; the date is a date now.
    assert stored["legacy_values"] == {"care_plan_intent": "curative-ish"}
    assert stored["referral_date"] == datetime(2024, 1, 3) and stored["referral_source"] == "03"
    assert auth.post(f"/episodes/{episode['_id']}/edit", {**form, "care_plan_intent": "C",
                                                         "version": "2"}).status_code == 303
    stored = database.episodes.find_one({"_id": episode["_id"]})
    assert stored["care_plan_intent"] == "C" and "legacy_values" not in stored
    history = _text(client, f"/episodes/{episode['_id']}/history", htmx=True)
    assert "Legacy value of care plan intent: curative-ish → (blank)" in history


def test_nested_legacy_value_cleared_by_the_tumour_form(auth, client, database, documents):
    auth.login("clinician")
    episode = documents["episodes"][0]
    form = {"tumour_type": "primary", "icd10_code": "C18.7", "diagnosis_date": "2024-01-03", "grade": "G2",
            "version": "1"}
    response = auth.post(f"/episodes/{episode['_id']}/tumours/TUM-HOSTILE01/edit", form)
    assert response.status_code == 303, response.get_data(as_text=True)
    stored = database.tumours.find_one({"tumour_id": "TUM-HOSTILE01"})
    assert stored["pathology"]["grade"] == "G2" and "legacy_values" not in stored


def test_mrn_that_is_a_subdocument_finds_nobody(auth, client, documents):
    auth.login("clinician")
    page = _text(client, f"/patients/{documents['patients'][2]['_id']}")
    assert "No episodes yet" in page and "Episode referred" not in page
