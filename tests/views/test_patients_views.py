"""Patient routes through the Flask client: pages and fragments, validation
(422, nothing saved), 404 on unknown or malformed ids, 403 by role,
409 on a stale edit."""
from datetime import datetime

import pytest

from tests.clinical_data import make_episode, make_patient, make_tumour, surgery_fields
from webapp.domain import nhs_number
from webapp.store import treatments

GOOD = {"mrn": "MRN7654321", "nhs_number": "", "first_name": "Grace", "last_name": "Hopper",
        "date_of_birth": "1946-12-09", "sex": "2", "ethnic_category": "A", "postcode": "ng7 2uh",
        "nhs_number_status": ""}


@pytest.fixture
def patient(app):
    with app.app_context():
        return make_patient()


def test_list_page_and_fragment(auth, client, patient):
    auth.login("clinician")
    page = auth.post("/patients/", {"q": "Testpatient"}, follow_redirects=True)
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True)
    assert "Testpatient, Ada" in page.get_data(as_text=True)
    assert "HX-Request" in page.headers["Vary"]
    fragment = auth.post("/patients/", {"q": "Testpatient"}, htmx=True)
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in body and "Testpatient, Ada" in body
    assert "0 patients" in auth.post("/patients/", {"q": "Nobody"}, htmx=True).get_data(as_text=True)


def test_search_by_spaced_nhs_number(auth, client, patient):
    auth.login("data_officer")
    spaced = nhs_number.format_spaced(patient["nhs_number"])
    body = auth.post("/patients/", {"q": spaced}, follow_redirects=True).get_data(as_text=True)
    assert "1 patient found" in body


def test_search_terms_never_travel_in_a_url(auth, client, patient):
    auth.login("clinician")
    # A query string is ignored: searches come only by POST, out of URLs and logs.
    assert "1 patient found" not in client.get("/patients/", query_string={"q": patient["mrn"]}).get_data(as_text=True)
    response = auth.post("/patients/", {"q": "Testpatient"})
    assert "Testpatient" not in response.headers["Location"]
    body = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 patient found" in body and "?q=" not in body and "q=Testpatient" not in body


def test_create_patient(auth, client, database):
    auth.login("clinician")
    nhs = next(nhs_number.test_range(7000))
    response = auth.post("/patients/new", {**GOOD, "nhs_number": f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}"})
    assert response.status_code == 303, response.get_data(as_text=True)
    stored = database.patients.find_one({"mrn": "MRN7654321"})
    assert stored["nhs_number"] == nhs and stored["postcode"] == "NG7 2UH"
    assert response.headers["Location"].endswith(f"/patients/{stored['_id']}")
    assert database.audit_log.count_documents({"entity": "patient", "action": "create"}) == 1


@pytest.mark.parametrize("field,value,message", [
    ("nhs_number", "999 000 0019", "check digit"),
    ("nhs_number", "12345", "10 digits"),
    ("date_of_birth", "2999-01-01", "cannot be in the future"),
    ("date_of_birth", "2023-02-30", "real date"),
    ("sex", "Q", "not one of the listed options"),
    ("postcode", "NOT A CODE", "UK postcode"),
    ("first_name", "Ab\x00c", "control characters"),
    ("last_name", "x" * 101, "under 100 characters"),
    ("mrn", "", "Fill this in" if False else "Enter the hospital number"),
])
def test_invalid_patient_is_422_and_saves_nothing(auth, client, database, field, value, message):
    auth.login("clinician")
    response = auth.post("/patients/new", {**GOOD, field: value})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert database.patients.count_documents({}) == 0
    assert database.audit_log.count_documents({"entity": "patient"}) == 0


def test_duplicate_mrn_is_422(auth, client, database, patient):
    auth.login("clinician")
    response = auth.post("/patients/new", {**GOOD, "mrn": patient["mrn"]})
    assert response.status_code == 422 and "already has this hospital number" in response.get_data(as_text=True)
    assert database.patients.count_documents({}) == 1


def test_patient_page_shows_episodes_and_timeline(app, auth, client, patient):
    with app.app_context():
        episode = make_episode(patient)
        make_tumour(episode)
        treatments.add(episode, surgery_fields(), "t")
    auth.login("clinician")
    body = client.get(f"/patients/{patient['_id']}").get_data(as_text=True)
    assert "Episode referred 10 Jan 2024" in body
    assert 'data-kind="tumour"' in body and 'data-kind="treatment"' in body
    fragment = client.get(f"/patients/{patient['_id']}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and 'data-testid="timeline"' in fragment


def test_edit_patient_and_stale_edit_conflict(auth, client, database, patient):
    auth.login("clinician")
    url = f"/patients/{patient['_id']}/edit"
    form = {**GOOD, "mrn": patient["mrn"], "version": "1", "first_name": "Edith"}
    assert auth.post(url, form).status_code == 303
    stale = auth.post(url, {**form, "first_name": "Zelda"})
    body = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert "Someone else changed this" in body and "first_name" in body and "Edith" in body
    assert database.patients.find_one({"_id": patient["_id"]})["first_name"] == "Edith"


def test_patient_history_fragment(auth, client, patient):
    auth.login("clinician")
    response = client.get(f"/patients/{patient['_id']}/history", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body and "Create" in body


@pytest.mark.parametrize("path", ["/patients/nope", "/patients/0123456789abcdef01234567",
                                  "/patients/nope/edit", "/patients/nope/history", "/patients/nope/episodes/new"])
def test_unknown_or_malformed_patient_is_404(auth, client, path):
    auth.login("clinician")
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("role,path,status", [
    ("manager", "/patients/", 403), ("manager", "/patients/{id}", 403),
    ("data_officer", "/patients/new", 200), ("data_officer", "/patients/{id}/edit", 200),
    ("data_officer", "/patients/{id}/episodes/new", 200), ("data_officer", "/patients/{id}", 200),
])
def test_roles(auth, client, patient, role, path, status):
    auth.login(role)
    assert client.get(path.format(id=patient["_id"])).status_code == status


def test_data_officer_may_add_and_correct_patients(auth, client, database):
    auth.login("data_officer")
    assert auth.post("/patients/new", GOOD).status_code == 303
    assert database.audit_log.find_one({"entity": "patient"})["actor"] == "test-data_officer"


def test_huge_page_number_is_not_a_500(auth, client, patient):
    auth.login("clinician")
    assert client.get("/patients/?page=99999999999999999999").status_code == 200


def test_legacy_patient_without_mrn_still_shows(auth, client, database, patient):
    database.patients.update_one({"_id": patient["_id"]}, {"$unset": {"mrn": ""}})
    auth.login("clinician")
    assert client.get(f"/patients/{patient['_id']}").status_code == 200
    assert client.get(f"/patients/{patient['_id']}/history").status_code == 200


def test_sign_in_redirect_keeps_no_search_terms(client):
    response = client.get("/patients/?q=9990000018")
    assert response.status_code == 302
    assert "9990000018" not in response.headers["Location"]
    assert "next=/patients/" in response.headers["Location"]


def test_pages_of_a_search_are_posted_with_the_search(app, auth, client, patient):
    with app.app_context():
        make_patient("MRN0000002", index=1, first_name="Bea")
        make_patient("MRN0000003", index=2, last_name="Otherpatient")
    app.config["PAGE_SIZE"] = 1
    auth.login("clinician")
    first = auth.post("/patients/", {"q": "Testpatient"}, follow_redirects=True).get_data(as_text=True)
    assert "2 patients found" in first and "Page 1 of 2" in first
    assert '<input type="hidden" name="q" value="Testpatient">' in first
    assert '<input type="hidden" name="page" value="2">' in first
    second = auth.post("/patients/", {"q": "Testpatient", "page": "2"}, htmx=True).get_data(as_text=True)
    assert "Page 2 of 2" in second and "Otherpatient" not in second


@pytest.fixture
def unlinked(app, database):
    """An adopted legacy patient with no MRN of its own: its records name it
    by its legacy id (the adopt step's `legacy_patient_id`)."""
    patient = {"legacy_patient_id": "H0042", "first_name": "Ada", "last_name": "Legacy", "sex": "2",
               "date_of_birth": datetime(1950, 5, 17), "version": 1}
    patient["_id"] = database.patients.insert_one(patient).inserted_id
    episode = database.episodes.insert_one({"patient_id": "H0042", "referral_date": datetime(2024, 1, 10),
                                            "episode_type": "cancer", "version": 1}).inserted_id
    database.treatments.insert_one({"treatment_id": "TRT-L1", "episode_id": str(episode), "patient_id": "H0042",
                                    "treatment_type": "surgery", "treatment_date": datetime(2024, 2, 1)})
    database.follow_ups.insert_one({"follow_up_id": "FU-L1", "patient_id": "H0042", "episode_id": str(episode),
                                    "treatment_id": "TRT-L1", "kind": "cea", "status": "planned",
                                    "due_date": datetime(2024, 8, 1)})
    database.patients.insert_one({"mrn": "MRN0000099", "first_name": "Other", "last_name": "Person", "version": 1})
    return patient, episode


def test_a_patient_without_an_mrn_is_given_one_and_its_records_follow(auth, client, database, unlinked):
    patient, episode = unlinked
    auth.login("clinician")
    url = f"/patients/{patient['_id']}/edit"
    page = client.get(url).get_data(as_text=True)
    assert 'data-testid="mrn-missing"' in page and 'name="mrn"' in page and 'type="hidden" name="mrn"' not in page
    taken = auth.post(url, {**GOOD, "mrn": "MRN0000099", "version": "1"})
    assert taken.status_code == 422 and "Another patient already has this hospital number." in taken.get_data(
        as_text=True)
    assert database.episodes.find_one({"_id": episode})["patient_id"] == "H0042"
    assert auth.post(url, {**GOOD, "mrn": "mrn0000123", "version": "1"}).status_code == 303
    assert database.patients.find_one({"_id": patient["_id"]})["mrn"] == "MRN0000123"
    assert database.episodes.find_one({"_id": episode})["patient_id"] == "MRN0000123"
    assert database.treatments.find_one({"treatment_id": "TRT-L1"})["patient_id"] == "MRN0000123"
    entry = database.audit_log.find_one({"action": "relink", "entity_id": str(patient["_id"])})
    assert entry["after"] == {"patient_id": "MRN0000123", "records": {
        "episodes": 1, "tumours": 0, "treatments": 1, "follow_ups": 1, "response_assessments": 0}}
    assert database.follow_ups.find_one({"follow_up_id": "FU-L1"})["patient_id"] == "MRN0000123"
    assert f"/episodes/{episode}" in client.get(f"/patients/{patient['_id']}").get_data(as_text=True)
    # Once set, the MRN is fixed: a posted one is ignored.
    assert 'type="hidden" name="mrn"' in client.get(url).get_data(as_text=True)
    assert auth.post(url, {**GOOD, "mrn": "MRN0000777", "version": "2"}).status_code == 303
    assert database.patients.find_one({"_id": patient["_id"]})["mrn"] == "MRN0000123"


def test_a_patient_edit_is_refused_while_a_migration_runs(app, auth, client, database, patient):
    from webapp.store import lease

    auth.login("clinician")
    with app.app_context():
        lease.acquire("migration-test-owner")
    response = auth.post(f"/patients/{patient['_id']}/edit", {**GOOD, "mrn": patient["mrn"], "version": "1"})
    assert response.status_code == 423 and "nothing was saved" in response.get_data(as_text=True)
    assert database.patients.find_one({"_id": patient["_id"]})["first_name"] == "Ada"


@pytest.mark.parametrize("kept,note", [({"mrn": "MRN0000099"}, "(stored: MRN0000099, also another record's)"),
                                       ("not a dict", None)])
def test_the_mrn_another_record_holds_too_is_named_on_the_form(auth, client, database, unlinked, kept, note):
    patient, _ = unlinked
    database.patients.update_one({"_id": patient["_id"]}, {"$set": {"legacy_values": kept}})
    auth.login("clinician")
    page = client.get(f"/patients/{patient['_id']}/edit")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert 'data-testid="mrn-missing"' in body
    assert (note in body.replace("&#39;", "'")) if note else "also another record" not in body
