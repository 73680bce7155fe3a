"""Episode routes: the page and its fragments, create/edit/close/delete with
confirmation, validation, 404/403/409."""
import pytest

from tests.clinical_data import make_episode, make_patient, make_treatments, make_tumour
from webapp.store import lease

GOOD = {"referral_date": "2024-01-10", "referral_source": "03", "first_seen_date": "2024-01-17",
        "mdt_date": "2024-01-30", "mdt_outcome": "surgery", "care_plan_intent": "C",
        "lead_clinician": "Mr A Surgeon", "provider_organisation": "rx1", "performance_status": "1",
        "status": "open"}


@pytest.fixture
def patient(app):
    with app.app_context():
        return make_patient()


@pytest.fixture
def episode(app, patient):
    with app.app_context():
        e = make_episode(patient)
        make_tumour(e)
        make_treatments(e, 2)
        return e


def test_create_episode(auth, client, database, patient):
    auth.login("clinician")
    response = auth.post(f"/patients/{patient['_id']}/episodes/new", GOOD)
    assert response.status_code == 303
    stored = database.episodes.find_one({"patient_id": patient["mrn"]})
    assert stored["provider_organisation"] == "RX1" and stored["status"] == "open"
    assert response.headers["Location"].endswith(f"/episodes/{stored['_id']}")


@pytest.mark.parametrize("field,value,message", [
    ("referral_date", "", "Enter the date"),
    ("referral_date", "2024-13-01", "real date"),
    ("mdt_date", "2999-01-01", "future"),
    ("first_seen_date", "2023-12-01", "cannot be before the referral date"),
    ("referral_source", "XX", "not one of the listed options"),
    ("provider_organisation", "R!", "ODS code"),
    ("lead_clinician", "Dr\x1bX", "control characters"),
])
def test_invalid_episode_is_422(auth, client, database, patient, field, value, message):
    auth.login("clinician")
    response = auth.post(f"/patients/{patient['_id']}/episodes/new", {**GOOD, field: value})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert database.episodes.count_documents({}) == 0


def test_episode_page_loads_two_fragments(auth, client, episode):
    auth.login("clinician")
    body = client.get(f"/episodes/{episode['_id']}").get_data(as_text=True)
    assert f'hx-get="/episodes/{episode["_id"]}/tumours"' in body
    assert f'hx-get="/episodes/{episode["_id"]}/treatments"' in body
    assert f'href="/episodes/{episode["_id"]}/delete">Delete episode' in body
    assert f'href="/episodes/{episode["_id"]}/edit">Edit episode' in body
    fragment = client.get(f"/episodes/{episode['_id']}", headers={"HX-Request": "true"})
    assert "<html" not in fragment.get_data(as_text=True)


def test_edit_episode_and_conflict(auth, client, database, episode):
    auth.login("clinician")
    url = f"/episodes/{episode['_id']}/edit"
    assert client.get(url).status_code == 200
    assert auth.post(url, {**GOOD, "version": "1", "lead_clinician": "Ms B Cutter"}).status_code == 303
    stale = auth.post(url, {**GOOD, "version": "1", "lead_clinician": "Dr Z"})
    assert stale.status_code == 409 and "Ms B Cutter" in stale.get_data(as_text=True)
    assert database.episodes.find_one({"_id": episode["_id"]})["lead_clinician"] == "Ms B Cutter"


def test_close_episode(auth, client, database, episode):
    auth.login("clinician")
    response = auth.post(f"/episodes/{episode['_id']}/close", {"version": "1"})
    assert response.status_code == 303
    assert database.episodes.find_one({"_id": episode["_id"]})["status"] == "closed"
    assert auth.post(f"/episodes/{episode['_id']}/close", {"version": "1"}).status_code == 409


def test_delete_episode_asks_then_deletes_everything(auth, client, database, episode, patient):
    auth.login("clinician")
    url = f"/episodes/{episode['_id']}/delete"
    confirm = client.get(url).get_data(as_text=True)
    assert "1 tumour" in confirm and "2 treatments" in confirm and "Yes, delete" in confirm
    assert database.episodes.count_documents({}) == 1  # asking deletes nothing
    response = auth.post(url, {"version": "1"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/patients/{patient['_id']}")
    assert database.episodes.count_documents({}) == 0
    assert database.tumours.count_documents({}) == 0 and database.treatments.count_documents({}) == 0
    assert database.audit_log.count_documents({"action": "delete"}) == 4


def test_delete_episode_with_htmx_redirects_client(auth, client, database, episode):
    auth.login("clinician")
    response = auth.send("DELETE", f"/episodes/{episode['_id']}/delete?version=1", htmx=True)
    assert response.status_code == 200 and response.headers["HX-Redirect"].startswith("/patients/")
    assert database.episodes.count_documents({}) == 0


def test_episode_history(auth, client, episode):
    auth.login("data_officer")
    body = client.get(f"/episodes/{episode['_id']}/history", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Create" in body and "<html" not in body


@pytest.mark.parametrize("suffix", ["", "/edit", "/delete", "/history", "/tumours", "/treatments",
                                    "/tumours/new", "/treatments/new", "/treatments/fields"])
@pytest.mark.parametrize("episode_id", ["not-an-id", "0123456789abcdef01234567"])
def test_unknown_or_malformed_episode_is_404(auth, client, episode_id, suffix):
    auth.login("clinician")
    assert client.get(f"/episodes/{episode_id}{suffix}").status_code == 404


def test_post_to_malformed_episode_is_404(auth, client):
    auth.login("clinician")
    assert auth.post("/episodes/zzz/close", {"version": "1"}).status_code == 404
    assert auth.post("/episodes/zzz/delete", {"version": "1"}).status_code == 404


@pytest.mark.parametrize("role,suffix,status", [
    ("manager", "", 403), ("manager", "/tumours", 403), ("manager", "/treatments", 403),
    ("data_officer", "", 200), ("data_officer", "/treatments", 200),
    ("data_officer", "/edit", 200), ("data_officer", "/delete", 403), ("data_officer", "/treatments/new", 200),
    ("data_officer", "/tumours/new", 200),
])
def test_roles(auth, client, episode, role, suffix, status):
    auth.login(role)
    assert client.get(f"/episodes/{episode['_id']}{suffix}").status_code == status


def test_data_officer_cannot_delete(auth, client, database, episode):
    auth.login("data_officer")
    assert auth.post(f"/episodes/{episode['_id']}/delete", {"version": "1"}).status_code == 403
    assert database.episodes.count_documents({}) == 1


def test_delete_episode_refused_during_migration(app, auth, client, database, episode):
    with app.app_context():
        lease.acquire("migration-test-owner")
    auth.login("clinician")
    response = auth.post(f"/episodes/{episode['_id']}/delete", {"version": "1"})
    assert response.status_code == 423 and "migration is in progress" in response.get_data(as_text=True)
    assert database.episodes.count_documents({}) == 1 and database.treatments.count_documents({}) == 2


def test_episode_writes_refused_when_the_lease_is_taken_after_the_route_looked(app, auth, client, database, episode,
                                                                              monkeypatch):
    with app.app_context():
        lease.acquire("someone@host:1")
    monkeypatch.setattr(lease, "current_holder", lambda: None)  # the route looked a moment before
    auth.login("clinician")
    edit = auth.post(f"/episodes/{episode['_id']}/edit", {**GOOD, "version": "1"})
    close = auth.post(f"/episodes/{episode['_id']}/close", {"version": "1"})
    delete = auth.post(f"/episodes/{episode['_id']}/delete", {"version": "1"})
    for response in (edit, close, delete):
        assert response.status_code == 423
        assert "migration is in progress (started by someone@host:1" in response.get_data(as_text=True)
    assert database.episodes.find_one({"_id": episode["_id"]})["version"] == 1
    assert database.treatments.count_documents({}) == 2


def test_episode_edit_and_close_refused_while_a_migration_holds_the_lease(app, auth, client, database, episode):
    # A rollback rewrites whole episodes: an edit saved meanwhile would be lost.
    auth.login("clinician")
    with app.app_context():
        lease.acquire("someone@host:1")
    edit = auth.post(f"/episodes/{episode['_id']}/edit", {**GOOD, "version": "1"})
    close = auth.post(f"/episodes/{episode['_id']}/close", {"version": "1"})
    assert edit.status_code == close.status_code == 423
    assert "migration" in edit.get_data(as_text=True).lower()
    assert database.episodes.find_one({"_id": episode["_id"]})["version"] == 1


@pytest.mark.parametrize("looked_first", [True, False], ids=["refused-up-front", "refused-by-the-store"])
def test_a_refused_episode_edit_keeps_what_was_typed(app, auth, client, database, episode, monkeypatch,
                                                     looked_first):
    """The one refusal path: the form comes back with the user's own text
    and the reason, whether the route or the store's fence saw the lease."""
    with app.app_context():
        lease.acquire("someone@host:1")
    if not looked_first:
        monkeypatch.setattr(lease, "current_holder", lambda: None)
    auth.login("clinician")
    typed = {**GOOD, "lead_clinician": "Ms Typed Thisbefore", "version": "1"}
    response = auth.post(f"/episodes/{episode['_id']}/edit", typed)
    body = response.get_data(as_text=True)
    assert response.status_code == 423
    assert 'value="Ms Typed Thisbefore"' in body and "migration is in progress" in body
    assert database.episodes.find_one({"_id": episode["_id"]})["version"] == 1


def test_legacy_episode_without_patient_id_still_shows(auth, client, database, episode):
    database.episodes.update_one({"_id": episode["_id"]}, {"$unset": {"patient_id": ""}})
    auth.login("clinician")
    assert client.get(f"/episodes/{episode['_id']}").status_code == 200
    assert client.get(f"/episodes/{episode['_id']}/tumours").status_code == 200
