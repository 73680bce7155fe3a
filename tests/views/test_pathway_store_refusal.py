"""A pathway link the form let through (a stale page, a rule the form missed)
is refused by the store on write, and the view shows the store's message on
the field concerned (422), never a 500."""
from types import SimpleNamespace

from tests.views.test_episode_records_views import CHEMO
from tests.views.test_pathways import operated  # noqa: F401  (fixture)


def _form_checks_nothing(monkeypatch):
    monkeypatch.setattr("webapp.forms.pathways.pathways", SimpleNamespace(problems=lambda *args: {}))


def test_the_store_refusal_shows_on_the_form(auth, database, operated, monkeypatch):  # noqa: F811
    _form_checks_nothing(monkeypatch)
    auth.login("clinician")
    episode = operated["episode"]
    response = auth.post(f"/episodes/{episode['_id']}/treatments/new", {
        **CHEMO, "treatment_date": "2024-04-01", "follows_treatment_id": operated["elsewhere"]["treatment_id"]},
        htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "another patient" in body and 'data-testid="error-summary"' in body
    assert response.headers.get("HX-Retarget") == "#treatments-form"
    assert database.treatments.count_documents({}) == 2
    # An edit the same way, and a plain post without htmx.
    op = operated["operation"]
    edit = auth.post(f"/episodes/{episode['_id']}/treatments/{op['treatment_id']}/edit", {
        **CHEMO, "treatment_type": "surgery", "opcs4_primary": "H071", "version": "1",
        "follows_treatment_id": op["treatment_id"]})
    assert edit.status_code == 422 and "cannot follow itself" in edit.get_data(as_text=True)
    assert "follows_treatment_id" not in database.treatments.find_one({"treatment_id": op["treatment_id"]})
