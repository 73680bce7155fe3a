"""Protocol templates: admins add and retire them (audited, never deleted,
each value checked by the treatment form); clinicians apply an active one
on the add-treatment form, which fills the template's fields and keeps the
rest, and the treatment records the template applied."""
from datetime import datetime

import pytest

from tests.clinical_data import make_episode, make_patient
from tests.views.test_episode_records_views import BASE
from webapp.domain import protocols as rules
from webapp.forms.protocols import problems
from webapp.store import protocols

SHORT = "short-course-radiotherapy-25-gy-in-5-fractions"
CAPOX = "capox-8-cycles-adjuvant"


@pytest.fixture
def seeded(app):
    with app.app_context():
        protocols.seed_defaults("test")


@pytest.fixture
def episode(app, seeded):
    with app.app_context():
        return make_episode(make_patient())


def _new_template(auth, **fields):
    data = {"name": "FOLFIRI 12 cycles", "treatment_type": "chemotherapy", "fill-regimen": "FOLFIRI",
            "fill-cycles": "12", **fields}
    return auth.post("/admin/protocols/new", data)


@pytest.mark.parametrize("role,status", [("clinician", 403), ("data_officer", 403), ("manager", 403), ("admin", 200)])
def test_only_admins_manage_templates(auth, seeded, role, status):
    auth.login(role)
    assert auth.client.get("/admin/protocols").status_code == status
    assert auth.client.get("/admin/protocols/new").status_code == status
    assert auth.client.get(f"/admin/protocols/{SHORT}/retire").status_code == status
    assert _new_template(auth).status_code in ((403,) if status == 403 else (303,))
    assert auth.post(f"/admin/protocols/{CAPOX}/retire").status_code in ((403,) if status == 403 else (303,))


def test_admin_adds_a_template_checked_by_the_treatment_form(auth, database, seeded):
    auth.login("admin")
    page = auth.client.get("/admin/protocols/new?treatment_type=radiotherapy").get_data(as_text=True)
    assert 'name="fill-total_dose_gy"' in page and 'name="fill-regimen"' not in page
    response = _new_template(auth)
    assert response.status_code == 303
    stored = database.protocol_templates.find_one({"slug": "folfiri-12-cycles"})
    assert stored["values"] == {"regimen": "FOLFIRI", "cycles": "12"} and stored["active"] is True
    entry = database.audit_log.find_one({"entity": "protocol_template", "entity_id": "folfiri-12-cycles"})
    assert entry["action"] == "create" and entry["actor"] == "test-admin"
    listing = auth.client.get("/admin/protocols").get_data(as_text=True)
    assert "FOLFIRI 12 cycles" in listing and "Cycles: 12" in listing
    # The same name again (however written) is refused, in words.
    again = _new_template(auth, name="folfiri  12 CYCLES")
    assert again.status_code == 422 and "already exists" in again.get_data(as_text=True)


@pytest.mark.parametrize("fields,message", [
    ({"fill-cycles": "61"}, "Enter a whole number from 1 to 60."),
    ({"fill-cycles": "eight"}, "Enter a whole number, in digits."),
    ({"treatment_type": "radiotherapy", "fill-total_dose_gy": "500", "fill-regimen": ""}, "0.5 to 120 Gy"),
    ({"fill-adjunctive_therapy": "7"}, "not one of the listed options"),
    ({"fill-regimen": "", "fill-cycles": ""}, "Fill in at least one field"),
    ({"name": ""}, "Fill this in."),
    ({"treatment_type": "bogus"}, "not one of the listed options"),
])
def test_a_value_the_treatment_form_refuses_is_refused(auth, database, seeded, fields, message):
    auth.login("admin")
    response = _new_template(auth, **fields)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert database.protocol_templates.count_documents({}) == len(rules.DEFAULTS)
    assert database.audit_log.count_documents({"entity": "protocol_template", "actor": "test-admin"}) == 0


def test_field_not_in_the_form_and_out_of_range_values(app):
    with app.test_request_context():
        assert problems("chemotherapy", {"total_dose_gy": "25"}) == {
            "total_dose_gy": "Not a field a template of this type may fill."}
        assert "treatment_date" in problems("radiotherapy", {"treatment_date": "2024-01-01"})
        assert "fractions" in problems("radiotherapy", {"fractions": "0"})
        assert "opcs4_primary" in problems("surgery", {"opcs4_primary": "XYZ"})
        assert problems("surgery", {"opcs4_primary": "H07.1", "surgical_access_type": "4"}) == {}
        # Every default template passes the treatment form.
        for template in rules.DEFAULTS:
            assert problems(template["treatment_type"], template["values"]) == {}, template["name"]
    # The store keeps to what it can know, whatever calls it.
    with app.app_context(), pytest.raises(protocols.ProtocolError, match="cannot fill"):
        protocols.add("Odd", "chemotherapy", {"total_dose_gy": "25"}, "test")


def test_retire_asks_first_keeps_the_template_and_audits(auth, database, seeded, episode):
    auth.login("admin")
    confirm = auth.client.get(f"/admin/protocols/{CAPOX}/retire").get_data(as_text=True)
    assert "no longer be offered" in confirm and "Retire this template" in confirm
    assert database.protocol_templates.find_one({"slug": CAPOX})["active"] is True  # nothing yet
    assert auth.post(f"/admin/protocols/{CAPOX}/retire").status_code == 303
    kept = database.protocol_templates.find_one({"slug": CAPOX})
    assert kept["active"] is False and kept["retired_by"] == "test-admin"
    entry = database.audit_log.find_one({"entity": "protocol_template", "entity_id": CAPOX, "action": "retire"})
    assert entry["before"]["active"] is True and entry["after"]["active"] is False
    again = auth.post(f"/admin/protocols/{CAPOX}/retire", follow_redirects=True)
    assert "already retired" in again.get_data(as_text=True)
    assert auth.client.get("/admin/protocols/no-such/retire").status_code == 404
    # Not offered to clinicians, nor applied if asked for by name.
    auth.login("clinician")
    form = auth.client.get(f"/episodes/{episode['_id']}/treatments/new").get_data(as_text=True)
    assert "CAPOX 8 cycles" not in form and "Short-course radiotherapy" in form
    applied = auth.client.get(f"/episodes/{episode['_id']}/treatments/protocol?protocol={CAPOX}")
    assert applied.status_code == 422 and "not offered any more" in applied.get_data(as_text=True)


def test_applying_fills_the_template_fields_and_keeps_the_rest(auth, database, episode):
    auth.login("clinician")
    url = f"/episodes/{episode['_id']}/treatments/protocol"
    typed = {"treatment_type": "surgery", "treatment_date": "2024-02-01", "provider_organisation": "RX1",
             "treatment_site": "RX1RA", "treatment_intent": "02", "protocol": SHORT}
    response = auth.client.get(url, query_string=typed, headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-testid="treatment-form"' in body and "<html" not in body
    assert 'value="2024-02-01"' in body and 'value="RX1RA"' in body  # what was typed stays
    assert 'name="total_dose_gy" type="text" value="25"' in body or 'value="25"' in body
    assert '<option selected value="01">' in body  # the template's intent replaces the one typed
    assert 'data-type="radiotherapy"' in body and "Filled from" in body
    # Without JavaScript: the form is posted to the same place by its button.
    posted = auth.post(url, {**typed, "apply_protocol": "1"})
    assert posted.status_code == 200 and 'value="25"' in posted.get_data(as_text=True)
    # Saved (changed first by the clinician), the treatment names its template.
    saved = auth.post(f"/episodes/{episode['_id']}/treatments/new", {
        **BASE, "treatment_type": "radiotherapy", "treatment_date": "2024-02-01", "total_dose_gy": "25",
        "fractions": "5", "radiotherapy_course": "short", "adjunctive_therapy": "2",
        "protocol_template": "Short-course radiotherapy 25 Gy in 5 fractions"}, htmx=True)
    assert saved.status_code == 200
    stored = database.treatments.find_one({"treatment_type": "radiotherapy"})
    assert stored["protocol_template"] == "Short-course radiotherapy 25 Gy in 5 fractions"
    entry = database.audit_log.find_one({"entity": "treatment", "action": "create"})
    assert entry["after"]["protocol_template"] == stored["protocol_template"]


def test_a_made_up_template_name_is_not_saved(auth, database, episode):
    auth.login("clinician")
    response = auth.post(f"/episodes/{episode['_id']}/treatments/new", {
        **BASE, "treatment_type": "chemotherapy", "regimen": "CAPOX", "protocol_template": "No such protocol"},
        htmx=True)
    assert response.status_code == 422 and "not known any more" in response.get_data(as_text=True)
    assert database.treatments.count_documents({}) == 0


@pytest.mark.parametrize("role", ["manager"])
def test_a_role_that_cannot_add_treatments_cannot_apply(auth, episode, role):
    auth.login(role)
    url = f"/episodes/{episode['_id']}/treatments/protocol?protocol={SHORT}"
    assert auth.client.get(url).status_code == 403
    assert auth.post(url, {"protocol": SHORT}).status_code == 403


def test_odd_stored_templates_show_and_do_not_break_the_form(app, auth, database, episode):
    database.protocol_templates.insert_many([
        {"slug": "odd-values", "name": "Odd values", "treatment_type": "Radiotherapy", "active": True,
         "values": {"total_dose_gy": 25.0, "fractions": "five", "regimen": "CAPOX", "response": {"x": 1},
                    "radiotherapy_course": None}},
        {"slug": "not-a-dict", "name": 7, "treatment_type": "unknown type", "values": "25 Gy"},
        {"name": "No slug", "treatment_type": "chemotherapy", "values": {"cycles": 8}, "active": "yes"},
        {"slug": "retired-legacy", "name": "Retired", "treatment_type": "chemotherapy", "active": False,
         "retired_at": "last week", "values": {"cycles": 8}},
        {"slug": 5, "name": None, "treatment_type": 7, "values": {"cycles": [1, 2]}, "active": None},
        {},
    ])
    auth.login("admin")
    listing = auth.client.get("/admin/protocols")
    text = listing.get_data(as_text=True)
    assert listing.status_code == 200
    assert "Odd values" in text and "five" in text and "not used" in text and "25 Gy" in text
    assert auth.client.get("/admin/protocols/not-a-dict/retire").status_code == 200
    auth.login("clinician")
    form = auth.client.get(f"/episodes/{episode['_id']}/treatments/new")
    assert form.status_code == 200 and "Odd values" in form.get_data(as_text=True)
    applied = auth.client.get(f"/episodes/{episode['_id']}/treatments/protocol?protocol=odd-values",
                              headers={"HX-Request": "true"})
    body = applied.get_data(as_text=True)
    assert applied.status_code == 200 and 'value="25"' in body and 'value="five"' in body


def test_seeding_fills_only_an_empty_collection(app, database):
    with app.app_context():
        assert protocols.seed_defaults("test") == len(rules.DEFAULTS)
        protocols.retire(CAPOX, "test")
        assert protocols.seed_defaults("test") == 0
    assert database.protocol_templates.find_one({"slug": CAPOX})["active"] is False
    assert [t["slug"] for t in database.protocol_templates.find({"slug": SHORT})] == [SHORT]


def test_seed_commands_add_the_defaults(runner, database):
    result = runner.invoke(args=["seed", "demo", "--patients", "2"])
    assert result.exit_code == 0, result.output
    assert "default protocol templates" in result.output
    assert database.protocol_templates.count_documents({"active": True}) == len(rules.DEFAULTS)


def test_the_template_applied_is_not_lost_on_an_edit(app, auth, database, episode):
    from webapp.store import treatments

    with app.app_context():
        added = treatments.add(episode, {"treatment_type": "chemotherapy", "treatment_date": datetime(2024, 4, 1),
                                         "treatment_intent": "01", "provider_organisation": "RX1",
                                         "regimen": "CAPOX", "cycles": 8, "protocol_template": "CAPOX 8 cycles"},
                               "test")
    auth.login("clinician")
    response = auth.post(f"/episodes/{episode['_id']}/treatments/{added['treatment_id']}/edit",
                         {**BASE, "treatment_type": "chemotherapy", "regimen": "CAPOX", "cycles": "6",
                          "version": "1"}, htmx=True)
    assert response.status_code == 200
    assert database.treatments.find_one({"treatment_id": added["treatment_id"]})["protocol_template"] == \
        "CAPOX 8 cycles"


def test_choosing_the_type_shows_its_fields_with_or_without_javascript(auth, database, seeded):
    auth.login("admin")
    fragment = auth.client.get("/admin/protocols/new?treatment_type=surgery",
                               headers={"HX-Request": "true", "HX-Target": "protocol-values"})
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in body and 'name="fill-opcs4_primary"' in body
    shown = auth.post("/admin/protocols/new", {"name": "Typed", "treatment_type": "radiotherapy", "show_fields": "1"})
    body = shown.get_data(as_text=True)
    assert shown.status_code == 200 and 'name="fill-fractions"' in body and 'value="Typed"' in body
    assert "There is a problem" not in body
    assert database.protocol_templates.count_documents({"name": "Typed"}) == 0


@pytest.mark.parametrize("odd", [{"x": 1}, ["radiotherapy"], 3.5, "Radiotherapy"])
def test_a_template_whose_type_is_odd_or_legacy_still_lists(auth, database, episode, odd):
    database.protocol_templates.insert_one({"slug": "odd", "name": "Odd", "treatment_type": odd,
                                            "values": {"total_dose_gy": 25}})
    auth.login("admin")
    assert auth.client.get("/admin/protocols").status_code == 200
    assert auth.client.get("/admin/protocols/odd/retire").status_code == 200
    auth.login("clinician")
    assert auth.client.get(f"/episodes/{episode['_id']}/treatments/new").status_code == 200


def test_the_error_summary_links_the_template_field_then_the_value_fields(auth, database, seeded):
    auth.login("admin")
    body = _new_template(auth, name="", **{"fill-cycles": "61"}).get_data(as_text=True)
    summary = body[body.index('data-testid="error-summary"'):body.index("</div>", body.index("error-summary"))]
    assert "There is a problem: the template was not added" in summary
    assert summary.index('href="#name"') < summary.index('href="#fill-cycles"')
