"""The access log: each view of a patient's record is recorded (who, when,
which patient); admins read it, and the audit trail, with filters; nothing
in the app edits or removes an entry of either."""
import ast
from pathlib import Path

import pytest

from tests.clinical_data import make_episode, make_patient, make_tumour
from webapp import db


@pytest.fixture
def records(app):
    with app.app_context():
        patient = make_patient(mrn="ACC0001")
        episode = make_episode(patient)
        make_tumour(episode)
        return patient, episode


def test_each_record_view_is_logged(auth, client, database, records):
    patient, episode = records
    auth.login("clinician")
    pages = [f"/patients/{patient['_id']}", f"/patients/{patient['_id']}/history", f"/episodes/{episode['_id']}",
             f"/episodes/{episode['_id']}/history", f"/episodes/{episode['_id']}/treatments",
             f"/episodes/{episode['_id']}/tumours"]
    for url in pages:
        assert client.get(url).status_code == 200
    entries = list(database.access_log.find({}).sort("at", 1))
    assert len(entries) == len(pages)
    assert {e["patient"] for e in entries} == {"ACC0001"}
    assert {e["actor"] for e in entries} == {"test-clinician"}
    assert [e["view"] for e in entries] == ["patients.show", "patients.history", "episodes.show", "episodes.history",
                                            "treatments.index", "tumours.index"]


def test_a_search_list_is_not_a_record_view(auth, client, database, records):
    auth.login("clinician")
    auth.post("/patients/", {"q": "Testpatient"})
    assert database.access_log.count_documents({}) == 0


def test_admins_see_who_viewed_a_patient(auth, client, app, records):
    patient, _ = records
    auth.login("clinician")
    client.get(f"/patients/{patient['_id']}")
    auth.logout()
    auth.login("admin")
    page = client.get("/admin/activity?log=access&patient=ACC0001").get_data(as_text=True)
    assert "test-clinician" in page and "patients.show" in page
    assert "test-clinician" not in client.get("/admin/activity?log=access&patient=OTHER").get_data(as_text=True)
    assert "test-clinician" not in client.get(
        "/admin/activity?log=access&patient=ACC0001&start=2000-01-01&end=2000-12-31").get_data(as_text=True)
    audit = client.get("/admin/activity?log=audit&action=login&user=test-clinician").get_data(as_text=True)
    assert "test-clinician" in audit and "login" in audit


def test_only_admins_read_the_logs(auth, client):
    auth.login("manager")
    assert client.get("/admin/activity").status_code == 403


def test_no_route_changes_the_logs(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("admin.activity"):
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule


WRITES = {"delete_one", "delete_many", "update_one", "update_many", "replace_one", "find_one_and_update",
          "find_one_and_replace", "find_one_and_delete", "drop", "bulk_write", "rename"}


def test_no_code_edits_or_deletes_an_audit_or_access_entry():
    """Every module that names the audit or access log collection only inserts
    into it and reads it."""
    root = Path(__file__).resolve().parent.parent / "webapp"
    for path in root.rglob("*.py"):
        text = path.read_text()
        if "AUDIT_LOG" not in text and "ACCESS_LOG" not in text:
            continue
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WRITES:
                receiver = ast.unparse(node.func.value)
                assert "AUDIT_LOG" not in receiver and "ACCESS_LOG" not in receiver, (path, receiver)
    assert db.AUDIT_LOG and db.ACCESS_LOG
