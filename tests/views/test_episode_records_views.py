"""Tumour and treatment routes: fragments, in-place add/edit/delete with
htmx and as plain posts, validation (422, nothing saved), the
treatment-before-referral warning, conflicts, the migration lock."""
from datetime import datetime
from html.parser import HTMLParser

import pytest

from tests.clinical_data import chemo_fields, make_episode, make_patient, make_treatments, make_tumour
from webapp.store import lease, treatments

BASE = {"treatment_date": "2024-03-01", "treatment_intent": "01", "provider_organisation": "RX1",
        "treatment_site": "RX1RA", "adjunctive_therapy": "3"}
SURGERY = {**BASE, "treatment_type": "surgery", "opcs4_primary": "H07.1", "opcs4_other": "Y751, y752",
           "surgical_access_type": "4", "admission_type": "1", "ncepod_urgency": "elective", "asa_grade": "2",
           "consultant_surgeon": "Mr A Surgeon", "anastomosis": "yes", "stoma": "none", "return_to_theatre": "N",
           "length_of_stay_days": "6"}
CHEMO = {**BASE, "treatment_type": "chemotherapy", "regimen": "CAPOX", "cycles": "8", "end_date": "2024-06-01",
         "adjunctive_therapy": "1"}
RADIO = {**BASE, "treatment_type": "radiotherapy", "total_dose_gy": "25", "fractions": "5",
         "end_date": "2024-03-05", "radiotherapy_course": "short"}
TUMOUR = {"tumour_type": "primary", "icd10_code": "C18.7", "site": "", "snomed_morphology_code": "35917007",
          "diagnosis_date": "2024-01-28", "tnm_version": "8", "clinical_prefix": "c", "clinical_t": "3",
          "clinical_n": "1a", "clinical_m": "0", "pathological_prefix": "p", "pathological_t": "3",
          "pathological_n": "1a", "pathological_m": "0", "grade": "G2", "lymph_nodes_examined": "14",
          "lymph_nodes_positive": "1", "crm_status": "clear", "crm_distance_mm": "4.5", "emvi": "absent"}


@pytest.fixture
def episode(app):
    with app.app_context():
        return make_episode(make_patient())


def test_fragments_and_pages(auth, client, episode):
    auth.login("clinician")
    for kind in ("tumours", "treatments"):
        url = f"/episodes/{episode['_id']}/{kind}"
        page, fragment = client.get(url), client.get(url, headers={"HX-Request": "true"})
        assert "<html" in page.get_data(as_text=True) and "<html" not in fragment.get_data(as_text=True)
        assert "HX-Request" in fragment.headers["Vary"]


def test_add_surgery_with_htmx_returns_refreshed_list(auth, client, database, episode):
    auth.login("clinician")
    response = auth.post(f"/episodes/{episode['_id']}/treatments/new",
                         {**SURGERY, "episode_id": "forged", "patient_id": "forged"}, htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-testid="treatments-table"' in body and "<html" not in body
    stored = database.treatments.find_one()
    assert stored["episode_id"] == str(episode["_id"]) and stored["patient_id"] == episode["patient_id"]
    assert stored["opcs4_primary"] == "H071" and stored["opcs4_other"] == ["Y751", "Y752"]
    # Not answered is not known (None), never a silent "no".
    assert stored["anastomosis"] is True and stored["complications"] is None
    assert stored["clavien_dindo_grade"] is None and stored["length_of_stay_days"] == 6
    assert "regimen" not in stored


@pytest.mark.parametrize("form,expected", [
    (CHEMO, {"regimen": "CAPOX", "cycles": 8, "adjunctive_therapy": "1"}),
    (RADIO, {"total_dose_gy": 25.0, "fractions": 5, "radiotherapy_course": "short"}),
    ({**BASE, "treatment_type": "immunotherapy"}, {"treatment_type": "immunotherapy"}),
    ({**BASE, "treatment_type": "endoscopic"}, {"treatment_type": "endoscopic"}),
    ({**BASE, "treatment_type": "palliative", "treatment_intent": "02"}, {"treatment_intent": "02"}),
])
def test_add_each_type_as_plain_post(auth, client, database, episode, form, expected):
    auth.login("clinician")
    response = auth.post(f"/episodes/{episode['_id']}/treatments/new", form)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/episodes/{episode['_id']}/treatments")
    stored = database.treatments.find_one()
    assert {k: stored[k] for k in expected} == expected
    assert "opcs4_primary" not in stored


@pytest.mark.parametrize("form,message", [
    ({**SURGERY, "opcs4_primary": ""}, "Fill this in"),
    ({**SURGERY, "opcs4_primary": "ZZZZ"}, "OPCS-4 code"),
    ({**SURGERY, "asa_grade": "9"}, "not one of the listed options"),
    ({**SURGERY, "complications": "y"}, "Clavien-Dindo grade"),
    ({**SURGERY, "treatment_date": "2999-01-01"}, "future"),
    ({**SURGERY, "treatment_date": "2024-02-31"}, "real date"),
    ({**SURGERY, "consultant_surgeon": "x" * 150}, "under 100 characters"),
    ({**SURGERY, "treatment_type": "laser"}, "not one of the listed options"),
    ({**CHEMO, "end_date": "2024-01-01"}, "end date cannot be before"),
    ({**RADIO, "total_dose_gy": "500"}, "0.5 to 120"),
])
def test_invalid_treatment_is_422_in_the_form_slot(auth, client, database, episode, form, message):
    auth.login("clinician")
    response = auth.post(f"/episodes/{episode['_id']}/treatments/new", form, htmx=True)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert response.headers["HX-Retarget"] == "#treatments-form"
    assert database.treatments.count_documents({}) == 0
    assert database.audit_log.count_documents({"entity": "treatment"}) == 0


def test_treatment_before_referral_needs_confirmation(auth, client, database, episode):
    auth.login("clinician")
    url = f"/episodes/{episode['_id']}/treatments/new"
    early = {**CHEMO, "treatment_date": "2023-12-01", "start_date": "2023-12-01"}
    warned = auth.post(url, early)
    assert warned.status_code == 422 and "referral date (10 Jan 2024)" in warned.get_data(as_text=True)
    assert 'name="confirm_before_referral"' in warned.get_data(as_text=True)
    assert database.treatments.count_documents({}) == 0
    assert auth.post(url, {**early, "confirm_before_referral": "y"}).status_code == 303
    assert database.treatments.count_documents({}) == 1


def test_type_fields_fragment(auth, client, episode):
    auth.login("clinician")
    url = f"/episodes/{episode['_id']}/treatments/fields"
    chemo = client.get(url, query_string={"treatment_type": "chemotherapy"}, headers={"HX-Request": "true"})
    body = chemo.get_data(as_text=True)
    assert 'name="regimen"' in body and 'name="opcs4_primary"' not in body and "<html" not in body
    radio = client.get(url, query_string={"treatment_type": "radiotherapy"}, headers={"HX-Request": "true"})
    assert 'name="total_dose_gy"' in radio.get_data(as_text=True)
    # Without JavaScript the type choice reloads the whole form.
    plain = client.get(url, query_string={"treatment_type": "radiotherapy"})
    assert plain.status_code == 302 and "treatment_type=radiotherapy" in plain.headers["Location"]
    page = client.get(f"/episodes/{episode['_id']}/treatments/new?treatment_type=radiotherapy")
    assert 'name="total_dose_gy"' in page.get_data(as_text=True)


def test_edit_treatment_with_put_and_stale_conflict(app, auth, client, database, episode):
    with app.app_context():
        [t] = make_treatments(episode, 1)
    auth.login("clinician")
    url = f"/episodes/{episode['_id']}/treatments/{t['treatment_id']}/edit"
    form = client.get(url).get_data(as_text=True)
    assert 'value="H071"' in form
    ok = auth.send("PUT", url, {**SURGERY, "asa_grade": "3", "version": "1"}, htmx=True)
    assert ok.status_code == 200 and 'data-testid="treatments-table"' in ok.get_data(as_text=True)
    stale = auth.send("PUT", url, {**SURGERY, "asa_grade": "4", "version": "1"}, htmx=True)
    body = stale.get_data(as_text=True)
    assert stale.status_code == 409 and "asa_grade" in body and "Someone else changed this" in body
    assert stale.headers["HX-Retarget"] == "#treatments-form"
    assert database.treatments.find_one()["asa_grade"] == "3"


def test_delete_treatment_confirm_then_delete(app, auth, client, database, episode):
    with app.app_context():
        [t] = make_treatments(episode, 1)
    auth.login("clinician")
    url = f"/episodes/{episode['_id']}/treatments/{t['treatment_id']}/delete"
    confirm = client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Yes, delete it" in confirm and database.treatments.count_documents({}) == 1
    assert auth.send("DELETE", url + "?version=2", htmx=True).status_code == 409
    response = auth.send("DELETE", url + "?version=1", htmx=True)
    assert response.status_code == 200 and "No treatments recorded" in response.get_data(as_text=True)
    assert database.treatments.count_documents({}) == 0
    assert database.audit_log.find_one({"entity": "treatment", "action": "delete"})["before"]["treatment_id"] \
        == t["treatment_id"]


def test_add_edit_delete_tumour(auth, client, database, episode):
    auth.login("clinician")
    base = f"/episodes/{episode['_id']}/tumours"
    assert auth.post(f"{base}/new", TUMOUR).status_code == 303
    stored = database.tumours.find_one()
    assert stored["site"] == "Sigmoid colon" and stored["tumour_id"].startswith("TUM-")
    assert stored["tnm_staging"] == {"tnm_version": "8", "clinical": {"prefix": "c", "t": "3", "n": "1a", "m": "0"},
                                     "pathological": {"prefix": "p", "t": "3", "n": "1a", "m": "0"}}
    assert stored["pathology"]["crm_distance_mm"] == 4.5 and stored["pathology"]["lymph_nodes_examined"] == 14
    edit = f"{base}/{stored['tumour_id']}/edit"
    assert auth.post(edit, {**TUMOUR, "grade": "G3", "version": "1"}, htmx=True).status_code == 200
    assert database.tumours.find_one()["pathology"]["grade"] == "G3"
    assert auth.post(f"{base}/{stored['tumour_id']}/delete", {"version": "2"}).status_code == 303
    assert database.tumours.count_documents({}) == 0


@pytest.mark.parametrize("form,message", [
    ({**TUMOUR, "lymph_nodes_positive": "20"}, "cannot be more than nodes examined"),
    ({**TUMOUR, "icd10_code": "C50.9"}, "not one of the listed options"),
    ({**TUMOUR, "clinical_t": "5"}, "not one of the listed options"),
    ({**TUMOUR, "clinical_prefix": "p"}, "not one of the listed options"),
    ({**TUMOUR, "diagnosis_date": ""}, "Enter the date"),
    ({**TUMOUR, "site": "Liver\x07"}, "control characters"),
    ({**TUMOUR, "lymph_nodes_examined": "twelve"}, "whole number, in digits"),
    ({**TUMOUR, "crm_distance_mm": "-1"}, "0 to 200 mm"),
])
def test_invalid_tumour_is_422(auth, client, database, episode, form, message):
    auth.login("clinician")
    response = auth.post(f"/episodes/{episode['_id']}/tumours/new", form)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert database.tumours.count_documents({}) == 0


@pytest.mark.parametrize("kind", ["tumours", "treatments"])
@pytest.mark.parametrize("suffix", ["/edit", "/delete", "/history"])
@pytest.mark.parametrize("record_id", ["TRT-NOTHERE", "../../x", "%00"])
def test_unknown_record_is_404(auth, client, episode, kind, suffix, record_id):
    auth.login("clinician")
    assert client.get(f"/episodes/{episode['_id']}/{kind}/{record_id}{suffix}").status_code == 404


def test_record_under_another_episode_is_404(app, auth, client, episode):
    with app.app_context():
        other = make_episode(make_patient(mrn="MRN0000002", index=2))
        [t] = make_treatments(other, 1)
        tumour = make_tumour(other)
    auth.login("clinician")
    assert client.get(f"/episodes/{episode['_id']}/treatments/{t['treatment_id']}/edit").status_code == 404
    assert client.get(f"/episodes/{episode['_id']}/tumours/{tumour['tumour_id']}/edit").status_code == 404


def test_history_fragment_lists_changes(app, auth, client, episode):
    with app.app_context():
        [t] = make_treatments(episode, 1)
    auth.login("clinician")
    url = f"/episodes/{episode['_id']}/treatments/{t['treatment_id']}"
    auth.post(f"{url}/edit", {**SURGERY, "asa_grade": "4", "version": "1"})
    body = client.get(f"{url}/history", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Changed" in body and "ASA grade: " in body and "Created" in body
    assert "asa_grade" not in body and "Treatment date: 01 Feb 2024" in body  # labels and readable values


def test_writes_refused_during_migration(app, auth, client, database, episode):
    with app.app_context():
        [t] = make_treatments(episode, 1)
        tumour = make_tumour(episode)
        lease.acquire("migration-test-owner")
    auth.login("clinician")
    base = f"/episodes/{episode['_id']}"
    attempts = [
        auth.post(f"{base}/treatments/new", SURGERY, htmx=True),
        auth.post(f"{base}/treatments/new", SURGERY),
        auth.post(f"{base}/treatments/{t['treatment_id']}/edit", {**SURGERY, "version": "1"}),
        auth.send("DELETE", f"{base}/treatments/{t['treatment_id']}/delete?version=1", htmx=True),
        auth.post(f"{base}/tumours/new", TUMOUR),
        auth.post(f"{base}/tumours/{tumour['tumour_id']}/delete", {"version": "1"}),
    ]
    assert attempts[0].headers["HX-Retarget"] == "#treatments-form"
    for response in attempts:
        assert response.status_code == 423
        assert "migration is in progress" in response.get_data(as_text=True)
    assert database.treatments.count_documents({}) == 1 and database.tumours.count_documents({}) == 1
    assert client.get(f"{base}/treatments").status_code == 200  # reading goes on
    with app.app_context():
        lease.release("migration-test-owner")
    assert auth.post(f"{base}/treatments/new", SURGERY).status_code == 303


def test_a_migration_starting_after_the_route_checked_still_stops_the_write(app, auth, client, database, episode,
                                                                            monkeypatch):
    with app.app_context():
        lease.acquire("migration-test-owner")
    # As if the route looked a moment before the lease was taken.
    monkeypatch.setattr(lease, "current_holder", lambda: None)
    auth.login("clinician")
    response = auth.post(f"/episodes/{episode['_id']}/treatments/new", SURGERY, htmx=True)
    assert response.status_code == 423 and response.headers["HX-Retarget"] == "#treatments-form"
    body = response.get_data(as_text=True)
    assert "migration is in progress (started by migration-test-owner" in body
    assert 'value="H07.1"' in body  # what was typed is still in the form
    assert database.treatments.count_documents({}) == 0
    with app.app_context():
        lease.release("migration-test-owner")
        [t] = make_treatments(episode, 1)
        lease.acquire("migration-test-owner")
    edit = auth.post(f"/episodes/{episode['_id']}/treatments/{t['treatment_id']}/edit",
                     {**SURGERY, "asa_grade": "4", "version": "1"})
    delete = auth.post(f"/episodes/{episode['_id']}/treatments/{t['treatment_id']}/delete", {"version": "1"})
    assert edit.status_code == delete.status_code == 423
    assert '<option selected value="4">' in edit.get_data(as_text=True)  # the form as typed
    assert database.treatments.find_one({"treatment_id": t["treatment_id"]})["version"] == 1


def test_data_officer_edits_records_but_cannot_delete_them(auth, client, database, episode):
    auth.login("data_officer")
    assert auth.post(f"/episodes/{episode['_id']}/treatments/new", SURGERY).status_code == 303
    assert auth.post(f"/episodes/{episode['_id']}/tumours/new", TUMOUR).status_code == 303
    treatment = database.treatments.find_one()
    url = f"/episodes/{episode['_id']}/treatments/{treatment['treatment_id']}"
    assert auth.post(f"{url}/edit", {**SURGERY, "asa_grade": "3", "version": "1"}).status_code == 303
    assert database.treatments.find_one()["asa_grade"] == "3"
    # Audited as a clinician's change is: who, what, before and after.
    entry = database.audit_log.find_one({"entity": "treatment", "action": "update"})
    assert entry["actor"] == "test-data_officer" and entry["before"]["asa_grade"] == "2"
    assert client.get(f"{url}/delete").status_code == 403
    assert auth.post(f"{url}/delete", {"version": "2"}).status_code == 403
    assert database.treatments.count_documents({}) == 1


def test_treatment_list_names_treatments_out_of_order(app, auth, client, episode):
    with app.app_context():
        make_treatments(episode, 1)  # an operation on 01 Feb 2024
        treatments.add(episode, chemo_fields(datetime(2024, 4, 1), adjunctive_therapy="1"), "test")
    auth.login("clinician")
    url = f"/episodes/{episode['_id']}/treatments"
    consistent = client.get(url, headers={"HX-Request": "true"})
    assert consistent.status_code == 200 and 'data-testid="treatments-table"' in consistent.get_data(as_text=True)
    assert 'data-testid="treatment-order"' not in consistent.get_data(as_text=True)
    with app.app_context():
        treatments.add(episode, chemo_fields(datetime(2024, 5, 1), adjunctive_therapy="2",
                                             chemo_timing="neoadjuvant"), "test")
    body = client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'data-testid="treatment-order"' in body
    assert ("Chemotherapy starting 01 May 2024 is marked neo-adjuvant but starts after the operation on "
            "01 Feb 2024.") in body


def test_response_is_recorded_with_its_date(auth, client, database, episode):
    auth.login("clinician")
    url = f"/episodes/{episode['_id']}/treatments/new"
    missing = auth.post(url, {**CHEMO, "response": "PR"}, htmx=True)
    assert missing.status_code == 422 and "Enter the date the response was assessed." in missing.get_data(as_text=True)
    early = auth.post(url, {**RADIO, "response": "SD", "response_date": "2024-02-01"}, htmx=True)
    assert early.status_code == 422
    assert "The response cannot be assessed before the treatment started." in early.get_data(as_text=True)
    assert database.treatments.count_documents({}) == 0
    saved = auth.post(url, {**CHEMO, "response": "PR", "response_date": "2024-06-20"}, htmx=True)
    assert saved.status_code == 200
    stored = database.treatments.find_one()
    assert stored["response"] == "PR" and stored["response_date"] == datetime(2024, 6, 20)
    assert "response: Partial response (20 Jun 2024)" in saved.get_data(as_text=True)


def test_legacy_code_forms_show_selected_on_edit(app, auth, client, database, episode):
    """A code stored in a legacy form ("Partial response", 2) shows as the
    code it means, so saving the form keeps it."""
    with app.app_context():
        t = treatments.add(episode, chemo_fields(datetime(2024, 4, 1)), "test")
    database.treatments.update_one({"treatment_id": t["treatment_id"]}, {"$set": {
        "response": "Partial response", "response_date": datetime(2024, 9, 1), "adjunctive_therapy": 1}})
    auth.login("clinician")
    page = client.get(f"/episodes/{episode['_id']}/treatments/{t['treatment_id']}/edit").get_data(as_text=True)
    assert '<option selected value="PR">' in page and '<option selected value="1">' in page


class _FormValues(HTMLParser):
    """What a browser would send for the first <form> of a page: every named
    input (checked boxes only), the selected option of each select, textareas."""

    def __init__(self):
        super().__init__()
        self.values, self._select, self._textarea, self._done = {}, None, None, False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if self._done:
            return
        if tag == "input" and a.get("name"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.values[a["name"]] = a.get("value", "y")
            elif a.get("type") != "submit":
                self.values[a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select = a.get("name")
            self.values.setdefault(self._select, "")
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.values[self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._done = True

    def handle_data(self, data):
        if self._textarea and not self._done:
            self.values[self._textarea] += data


def _form_values(page):
    parser = _FormValues()
    parser.feed(page[page.index("<form method=\"post\"", page.index('data-testid="treatment-form"') - 200):])
    return parser.values


def test_legacy_capitalised_type_is_read_as_chemotherapy(auth, client, database, episode):
    """Issue 11's bug: a treatment stored as "Chemotherapy" (legacy
    capitalisation) opened as a surgery form, and saving it deleted its
    chemotherapy fields. Every reader goes through canonical_type."""
    database.treatments.insert_one({
        "treatment_id": "TRT-LEGACY01", "episode_id": str(episode["_id"]), "patient_id": episode["patient_id"],
        "treatment_type": "Chemotherapy", "treatment_date": datetime(2024, 4, 1), "treatment_intent": "01",
        "provider_organisation": "RX1", "treatment_site": None, "adjunctive_therapy": "1",
        "regimen": "FOLFOX", "cycles": 6, "start_date": datetime(2024, 4, 1), "end_date": datetime(2024, 7, 1),
        "chemo_timing": "adjuvant", "response": "PR", "response_date": datetime(2024, 7, 20)})
    auth.login("clinician")
    listing = client.get(f"/episodes/{episode['_id']}/treatments", headers={"HX-Request": "true"})
    row = listing.get_data(as_text=True)
    row = row[row.index('id="treatment-TRT-LEGACY01"'):]
    row = row[:row.index("</tr>")]
    assert 'data-type="chemotherapy"' in row and "<td data-label=\"Type\">Chemotherapy</td>" in row
    assert "FOLFOX × 6 cycles; response: Partial response (20 Jul 2024)" in row

    url = f"/episodes/{episode['_id']}/treatments/TRT-LEGACY01/edit"
    page = client.get(url).get_data(as_text=True)
    assert 'data-type="chemotherapy"' in page and "Chemotherapy details" in page
    assert 'name="opcs4_primary"' not in page
    values = _form_values(page)
    assert values["treatment_type"] == "chemotherapy"
    # One date and one timing: the treatment date is the start, adjunctive therapy the timing.
    assert values["regimen"] == "FOLFOX" and values["cycles"] == "6" and values["treatment_date"] == "2024-04-01"
    assert values["end_date"] == "2024-07-01" and values["adjunctive_therapy"] == "1"
    assert "start_date" not in values and "chemo_timing" not in values
    assert values["response"] == "PR" and values["response_date"] == "2024-07-20"

    saved = auth.post(url, values)
    assert saved.status_code == 303, saved.get_data(as_text=True)
    stored = database.treatments.find_one({"treatment_id": "TRT-LEGACY01"})
    assert stored["treatment_type"] == "chemotherapy"
    assert {k: stored.get(k) for k in ("regimen", "cycles", "treatment_date", "end_date", "adjunctive_therapy",
                                        "response", "response_date")} == {
        "regimen": "FOLFOX", "cycles": 6, "treatment_date": datetime(2024, 4, 1), "end_date": datetime(2024, 7, 1),
        "adjunctive_therapy": "1", "response": "PR", "response_date": datetime(2024, 7, 20)}
    assert "start_date" not in stored and "chemo_timing" not in stored
    assert "opcs4_primary" not in stored and stored["version"] == 2
