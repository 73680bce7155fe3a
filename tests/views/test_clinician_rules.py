"""Issue 12, clinicians: contradictions refused with a message by the field
(rules in domain/consistency), yes / no / not known stored as True / False /
None, the treatment site defaulted from the episode's provider with what the
audit needs said on the form, tumours listed oldest first, and the search:
"Surname, First", a failing NHS check digit explained, an address for the
results that holds no name or number."""
from datetime import datetime
from html import unescape

import pytest

from tests.clinical_data import make_episode, make_patient, make_tumour
from tests.views.test_episode_records_views import SURGERY, TUMOUR
from webapp.domain import consistency


@pytest.fixture
def episode(app):
    with app.app_context():
        return make_episode(make_patient(first_name="Siobhan", last_name="Fraser"))


def _field_errors(body, field_id):
    """The error messages shown by one field (in its own .field block)."""
    body = unescape(body)
    start = body.index(f'<label for="{field_id}"')
    block = body[body.rindex('<div class="field', 0, start):body.index("</div>", start)]
    return block


@pytest.mark.parametrize("changes,field,message", [
    ({"anastomotic_leak_grade": "C", "anastomotic_leak": "", "anastomosis": ""}, "anastomotic_leak_grade",
     "A leak grade means there was a leak"),
    ({"anastomotic_leak_grade": "C", "anastomotic_leak": "no"}, "anastomotic_leak_grade",
     "A leak grade means there was a leak"),
    ({"anastomotic_leak": "yes", "anastomotic_leak_grade": "B", "anastomosis": "no"}, "anastomotic_leak",
     "An anastomotic leak needs an anastomosis"),
    ({"clavien_dindo_grade": "IIIb", "complications": "no"}, "clavien_dindo_grade",
     "A Clavien-Dindo grade means there was a complication"),
    ({"clavien_dindo_grade": "IIIb", "complications": ""}, "clavien_dindo_grade",
     "A Clavien-Dindo grade means there was a complication"),
    ({"complications": "yes"}, "clavien_dindo_grade", "Give the Clavien-Dindo grade"),
])
def test_surgical_contradictions_refused_by_the_field(auth, client, database, episode, changes, field, message):
    auth.login("clinician")
    response = auth.post(f"/episodes/{episode['_id']}/treatments/new", {**SURGERY, **changes}, htmx=True)
    assert response.status_code == 422
    assert message in _field_errors(response.get_data(as_text=True), field)
    assert database.treatments.count_documents({}) == 0


def test_crm_involved_with_a_clear_distance_is_refused(auth, client, database, episode):
    auth.login("clinician")
    response = auth.post(f"/episodes/{episode['_id']}/tumours/new",
                         {**TUMOUR, "crm_status": "involved", "crm_distance_mm": "5"}, htmx=True)
    assert response.status_code == 422
    assert "An involved margin is 1 mm or less, but the distance is 5 mm" in _field_errors(
        response.get_data(as_text=True), "crm_distance_mm")
    assert database.tumours.count_documents({}) == 0
    ok = auth.post(f"/episodes/{episode['_id']}/tumours/new", {**TUMOUR, "crm_status": "involved",
                                                                "crm_distance_mm": "0.5"})
    assert ok.status_code == 303


def test_consistency_rules_are_pure_domain():
    assert consistency.surgery({"anastomosis": True, "anastomotic_leak": True, "anastomotic_leak_grade": "A",
                                "complications": True, "clavien_dindo_grade": "II"}) == []
    assert consistency.surgery({"anastomosis": None, "anastomotic_leak": None, "complications": None}) == []
    assert [f for f, _ in consistency.surgery({"clavien_dindo_grade": "IIIb", "complications": False})] == [
        "clavien_dindo_grade"]
    assert consistency.tumour({"crm_status": "clear", "crm_distance_mm": 0.8})[0][0] == "crm_distance_mm"
    assert consistency.tumour({"crm_status": "involved", "crm_distance_mm": 1.0}) == []
    assert consistency.tumour({"crm_status": "involved", "crm_distance_mm": "5 mm"}) == []  # not a number: no rule


@pytest.mark.parametrize("answers,stored", [
    ({"anastomosis": "yes", "complications": "no", "anastomotic_leak": "no", "readmission_30d": "no"},
     {"anastomosis": True, "complications": False, "anastomotic_leak": False, "readmission_30d": False}),
    ({"anastomosis": "", "complications": "", "anastomotic_leak": "", "readmission_30d": ""},
     {"anastomosis": None, "complications": None, "anastomotic_leak": None, "readmission_30d": None}),
    ({"anastomosis": "yes", "complications": "yes", "clavien_dindo_grade": "II", "anastomotic_leak": "yes",
      "anastomotic_leak_grade": "A", "readmission_30d": "yes"},
     {"complications": True, "clavien_dindo_grade": "II", "anastomotic_leak": True, "readmission_30d": True}),
])
def test_yes_no_not_known_stored_as_true_false_null(auth, client, database, episode, answers, stored):
    auth.login("clinician")
    form = {k: v for k, v in SURGERY.items() if k not in ("anastomosis",)}
    assert auth.post(f"/episodes/{episode['_id']}/treatments/new", {**form, **answers}).status_code == 303
    saved = database.treatments.find_one()
    assert {k: saved[k] for k in stored} == stored


def test_a_stored_not_known_reopens_as_not_known(auth, client, database, episode):
    auth.login("clinician")
    auth.post(f"/episodes/{episode['_id']}/treatments/new", {**SURGERY, "readmission_30d": ""})
    treatment = database.treatments.find_one()
    assert treatment["readmission_30d"] is None
    body = client.get(f"/episodes/{episode['_id']}/treatments/{treatment['treatment_id']}/edit").get_data(
        as_text=True)
    select = body[body.index('id="readmission_30d"'):]
    select = select[:select.index("</select>")]
    assert '<option selected value="">Not known</option>' in select


def test_treatment_site_defaults_from_the_episode_provider_with_the_audit_hint(app, auth, client, database):
    with app.app_context():
        episode = make_episode(make_patient(), provider_organisation="RX1RA")
    auth.login("clinician")
    body = unescape(client.get(f"/episodes/{episode['_id']}/treatments/new").get_data(as_text=True))
    site = body[body.index('id="treatment_site"') - 200:]
    assert 'value="RX1RA"' in site[:site.index(">", 200)]
    provider = body[body.index('id="provider_organisation"'):]
    assert 'value="RX1"' in provider[:provider.index(">")]
    assert "The NBOCA audit needs the ODS code of the site where the treatment started" in body
    # Changing type keeps the default (the type's section is swapped, not the common fields).
    chemo = unescape(client.get(f"/episodes/{episode['_id']}/treatments/new?treatment_type=chemotherapy")
                     .get_data(as_text=True))
    assert 'value="RX1RA"' in chemo


def test_tumours_listed_oldest_first_as_treatments_are(app, auth, client, episode):
    with app.app_context():
        make_tumour(episode, diagnosis_date=datetime(2024, 3, 1), site="Later")
        make_tumour(episode, diagnosis_date=datetime(2024, 1, 5), site="Earlier")
    auth.login("clinician")
    body = client.get(f"/episodes/{episode['_id']}/tumours", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert body.index("Earlier") < body.index("Later")


def test_search_accepts_the_lists_own_name_format(auth, client, episode):
    auth.login("clinician")
    for query in ("Fraser, Siobhan", "fraser,siobhan", "Fraser,", "Siobhan Fraser", "Fraser"):
        body = auth.post("/patients/", {"q": query}, htmx=True).get_data(as_text=True)
        assert "1 patient found" in body, query
    assert "0 patients found" in auth.post("/patients/", {"q": "Fraser, Zoe"}, htmx=True).get_data(as_text=True)


def test_an_nhs_number_failing_its_check_digit_says_why(auth, client, episode):
    auth.login("clinician")
    body = unescape(auth.post("/patients/", {"q": "999 000 0019"}, htmx=True).get_data(as_text=True))
    assert "999 000 0019 is not a valid NHS number: its check digit does not match" in body
    good = unescape(auth.post("/patients/", {"q": "9990000018"}, htmx=True).get_data(as_text=True))
    assert "check digit" not in good


def test_results_have_an_address_without_names_or_numbers(auth, client, episode):
    auth.login("clinician")
    response = auth.post("/patients/", {"q": "Fraser, Siobhan"}, htmx=True)
    address = response.headers["HX-Replace-Url"]
    assert address.startswith("/patients/?s=") and "Fraser" not in address and "Siobhan" not in address
    again = client.get(address).get_data(as_text=True)  # Back, reload, or a bookmark within the half hour
    assert "1 patient found" in again and 'value="Fraser, Siobhan"' in again
    plain = auth.post("/patients/", {"q": "9990000018"})
    assert plain.status_code == 303 and "999" not in plain.headers["Location"]
    expired = client.get("/patients/?s=not-a-search", follow_redirects=True).get_data(as_text=True)
    assert "That search has expired" in expired and "patients found" not in expired
