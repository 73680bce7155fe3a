"""Response to treatment on the episode page and the timeline: the tumour's
regression grade (a warning, not a refusal, without neo-adjuvant
treatment), response assessments added, edited and deleted in place,
validation with nothing saved, roles, the audit, the migration lock, and
stored values no form of ours wrote shown as they are."""
from datetime import datetime, timedelta

import lxml.html
import pytest

from tests.clinical_data import ACTOR, make_episode, make_patient, make_tumour, surgery_fields
from tests.conftest import Auth
from tests.views.test_episode_records_views import TUMOUR
from tests.views.test_query_counts import _count, counted  # noqa: F401  (fixture)
from webapp import db, demo
from webapp.store import lease, responses, treatments

RADIO = {"treatment_type": "radiotherapy", "treatment_date": datetime(2024, 2, 5), "treatment_intent": "01",
         "provider_organisation": "RX1", "treatment_site": "RX1RA", "adjunctive_therapy": "2",
         "total_dose_gy": 45.0, "fractions": 25, "end_date": datetime(2024, 3, 11), "radiotherapy_course": "long",
         "response": None, "response_date": None}
MRI = {"assessment_date": "2024-04-22", "method": "mri", "scale": "mrtrg", "result": "mrTRG2", "notes": ""}
CT = {"assessment_date": "2024-04-24", "method": "ct", "scale": "recist", "result": "PR",
      "notes": "No new lesions."}


@pytest.fixture
def episode(app):
    with app.app_context():
        return make_episode(make_patient())


@pytest.fixture
def tumour(app, episode):
    with app.app_context():
        return make_tumour(episode, icd10_code="C20", site="Rectum")


@pytest.fixture
def neoadjuvant(app, episode):
    with app.app_context():
        return treatments.add(episode, RADIO, ACTOR)


def form_values(html, testid):
    """What a browser would submit from the form (options inside optgroups too)."""
    [form] = lxml.html.fromstring(html).xpath(f'//form[@data-testid="{testid}"]')
    values = {}
    for el in form.xpath(".//input|.//select|.//textarea"):
        if el.tag == "select":
            chosen = el.xpath(".//option[@selected]") or el.xpath(".//option")
            values[el.get("name")] = chosen[0].get("value")
        elif el.get("type") != "checkbox":
            values[el.get("name")] = el.text or "" if el.tag == "textarea" else el.get("value") or ""
    return values


def base(episode):
    return f"/episodes/{episode['_id']}/responses"


def new(tumour, form):
    return {"tumour_id": tumour["tumour_id"], **form}


def test_page_and_fragment(auth, client, episode, tumour):
    auth.login("clinician")
    page, fragment = client.get(base(episode)), client.get(base(episode), headers={"HX-Request": "true"})
    assert page.status_code == fragment.status_code == 200
    assert "<html" in page.get_data(as_text=True) and "<html" not in fragment.get_data(as_text=True)
    body = fragment.get_data(as_text=True)
    assert "Rectum" in body and "No response assessments recorded." in body and "Add a response assessment" in body
    assert "HX-Request" in fragment.headers["Vary"]
    show = client.get(f"/episodes/{episode['_id']}").get_data(as_text=True)
    section = show[show.index("<main"):]
    assert '<h2 id="responses-heading">Response to treatment</h2>' in section
    assert f'hx-get="{base(episode)}"' in section and "tumours-changed from:body" in section


def test_no_tumour_yet_says_so(auth, client, episode):
    auth.login("clinician")
    body = client.get(base(episode), headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "record the tumour first" in body and "Add a response assessment" not in body


def test_add_in_place_then_as_plain_post(auth, client, database, episode, tumour, neoadjuvant):
    auth.login("clinician")
    form = client.get(f"{base(episode)}/new?tumour_id={tumour['tumour_id']}").get_data(as_text=True)
    assert f'<option selected value="{tumour["tumour_id"]}">' in form
    assert '<optgroup label="mrTRG 1-5 (MRI tumour regression grade)">' in form
    added = auth.post(f"{base(episode)}/new", {**new(tumour, CT), "episode_id": "forged"}, htmx=True)
    body = added.get_data(as_text=True)
    assert added.status_code == 200 and 'data-testid="assessments-table"' in body and "<html" not in body
    assert "Partial response" in body and "CT on 24 Apr 2024: Partial response: saved." in body
    assert added.headers["HX-Trigger"] == "responses-changed"
    plain = auth.post(f"{base(episode)}/new", new(tumour, MRI))
    assert plain.status_code == 303 and plain.headers["Location"].endswith(base(episode))
    stored = list(database[db.RESPONSE_ASSESSMENTS].find().sort("assessment_date", 1))
    assert [(a["result"], a["scale"], a["method"]) for a in stored] == [("mrTRG2", "mrtrg", "mri"),
                                                                         ("PR", "recist", "ct")]
    assert stored[0]["episode_id"] == str(episode["_id"]) and stored[0]["notes"] is None
    assert stored[1]["notes"] == "No new lesions." and stored[0]["assessment_date"] == datetime(2024, 4, 22)
    # Listed in date order, whatever order they were entered in.
    listing = client.get(base(episode), headers={"HX-Request": "true"}).get_data(as_text=True)
    assert listing.index("mrTRG 2 - good response") < listing.index("Partial response")
    entry = database.audit_log.find_one({"entity": "assessment", "action": "create", "after.result": "PR"})
    assert entry["actor"] == "test-clinician" and entry["episode_id"] == str(episode["_id"])


@pytest.mark.parametrize("form,message", [
    ({**MRI, "assessment_date": ""}, "Enter the date."),
    ({**MRI, "assessment_date": "2999-01-01"}, "cannot be in the future"),
    ({**MRI, "assessment_date": "2024-02-30"}, "Enter a real date"),
    ({**MRI, "result": "PR"}, "is not a result on the mrTRG 1-5 (MRI tumour regression grade) scale"),
    ({**CT, "result": "mrTRG1"}, "is not a result on the RECIST 1.1 scale"),
    ({**MRI, "method": "ct"}, "is assessed by MRI, not by CT"),
    ({**CT, "method": "endoscopy"}, "RECIST 1.1 is assessed by CT or MRI, not by Endoscopy"),
    ({**MRI, "method": "ultrasound"}, "not one of the listed options"),
    ({**MRI, "result": "TRG2"}, "not one of the listed options"),
    ({**MRI, "scale": ""}, "Choose the scale."),
    ({**MRI, "notes": "ok\u202eevil"}, "control characters"),
    ({**MRI, "notes": "x" * 2001}, "under 2000 characters"),
])
def test_invalid_assessment_is_422_and_nothing_saved(auth, client, database, episode, tumour, form, message):
    auth.login("clinician")
    response = auth.post(f"{base(episode)}/new", new(tumour, form), htmx=True)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert response.headers["HX-Retarget"] == "#responses-form"
    assert database[db.RESPONSE_ASSESSMENTS].count_documents({}) == 0
    assert database.audit_log.count_documents({"entity": "assessment"}) == 0


def test_tumour_must_be_one_of_the_episodes(auth, client, database, app, episode, tumour):
    with app.app_context():
        other = make_tumour(make_episode(make_patient(mrn="MRN0000009", index=9)))
    auth.login("clinician")
    for chosen, message in (("", "Choose the tumour assessed."), ("TUM-NOTHERE", "Choose one of this episode"),
                            (other["tumour_id"], "Choose one of this episode")):
        response = auth.post(f"{base(episode)}/new", {**MRI, "tumour_id": chosen})
        assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert database[db.RESPONSE_ASSESSMENTS].count_documents({}) == 0


def test_before_diagnosis_needs_confirmation(auth, client, database, episode, tumour):
    auth.login("clinician")
    early = new(tumour, {**MRI, "assessment_date": "2024-01-02"})
    warned = auth.post(f"{base(episode)}/new", early, htmx=True)
    body = warned.get_data(as_text=True)
    assert warned.status_code == 422 and "before the tumour was diagnosed (28 Jan 2024)" in body
    assert 'name="confirm_before_diagnosis"' in body
    assert database[db.RESPONSE_ASSESSMENTS].count_documents({}) == 0
    assert auth.post(f"{base(episode)}/new", {**early, "confirm_before_diagnosis": "y"}).status_code == 303
    assert database[db.RESPONSE_ASSESSMENTS].count_documents({}) == 1


def test_edit_with_put_conflict_and_history(app, auth, client, database, episode, tumour):
    with app.app_context():
        a = responses.add(episode, {"tumour_id": tumour["tumour_id"], "assessment_date": datetime(2024, 4, 22),
                                    "method": "mri", "scale": "mrtrg", "result": "mrTRG3", "notes": None}, ACTOR)
    auth.login("clinician")
    url = f"{base(episode)}/{a['assessment_id']}/edit"
    page = client.get(url).get_data(as_text=True)
    assert '<option selected value="mrTRG3">' in page and 'name="tumour_id"' not in page
    assert "Tumour assessed: Primary tumour, Rectum (C20)" in page
    ok = auth.send("PUT", url, {**MRI, "result": "mrTRG2", "version": "1"}, htmx=True)
    assert ok.status_code == 200 and "mrTRG 2 - good response" in ok.get_data(as_text=True)
    stale = auth.send("PUT", url, {**MRI, "result": "mrTRG4", "version": "1"}, htmx=True)
    assert stale.status_code == 409 and "Someone else changed this" in stale.get_data(as_text=True)
    assert stale.headers["HX-Retarget"] == "#responses-form"
    stored = database[db.RESPONSE_ASSESSMENTS].find_one()
    assert stored["result"] == "mrTRG2" and stored["tumour_id"] == tumour["tumour_id"]
    history = client.get(f"{base(episode)}/{a['assessment_id']}/history", headers={"HX-Request": "true"})
    text = history.get_data(as_text=True)
    assert "Result: mrTRG 3 - moderate response" in text and "→ mrTRG 2 - good response" in text


def test_delete_confirm_then_delete(app, auth, client, database, episode, tumour):
    with app.app_context():
        a = responses.add(episode, {"tumour_id": tumour["tumour_id"], "assessment_date": datetime(2024, 4, 22),
                                    "method": "ct", "scale": "recist", "result": "SD", "notes": None}, ACTOR)
    auth.login("clinician")
    url = f"{base(episode)}/{a['assessment_id']}/delete"
    confirm = client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Delete CT on 22 Apr 2024: Stable disease?" in confirm
    assert auth.send("DELETE", url + "?version=2", htmx=True).status_code == 409
    gone = auth.send("DELETE", url + "?version=1", htmx=True)
    assert gone.status_code == 200 and "No response assessments recorded." in gone.get_data(as_text=True)
    assert database[db.RESPONSE_ASSESSMENTS].count_documents({}) == 0
    entry = database.audit_log.find_one({"entity": "assessment", "action": "delete"})
    assert entry["before"]["result"] == "SD" and entry["actor"] == "test-clinician"


def test_roles(app, auth, client, database, episode, tumour):
    with app.app_context():
        a = responses.add(episode, {"tumour_id": tumour["tumour_id"], "assessment_date": datetime(2024, 4, 22),
                                    "method": "ct", "scale": "recist", "result": "SD", "notes": None}, ACTOR)
    assert client.get(base(episode)).status_code == 302  # to sign in
    auth.login("manager")
    assert client.get(base(episode)).status_code == 403
    assert auth.post(f"{base(episode)}/new", new(tumour, MRI)).status_code == 403
    auth.logout()
    auth.login("data_officer")
    assert auth.post(f"{base(episode)}/new", new(tumour, MRI)).status_code == 303
    url = f"{base(episode)}/{a['assessment_id']}"
    assert auth.post(f"{url}/edit", {**CT, "result": "PR", "version": "1"}).status_code == 303
    assert auth.post(f"{url}/delete", {"version": "2"}).status_code == 403
    assert database[db.RESPONSE_ASSESSMENTS].count_documents({}) == 2
    entry = database.audit_log.find_one({"entity": "assessment", "action": "update"})
    assert entry["actor"] == "test-data_officer" and entry["before"]["result"] == "SD"


def test_writes_refused_during_migration(app, auth, client, database, episode, tumour):
    with app.app_context():
        a = responses.add(episode, {"tumour_id": tumour["tumour_id"], "assessment_date": datetime(2024, 4, 22),
                                    "method": "ct", "scale": "recist", "result": "SD", "notes": None}, ACTOR)
        lease.acquire("migration-test-owner")
    auth.login("clinician")
    url = f"{base(episode)}/{a['assessment_id']}"
    attempts = [auth.post(f"{base(episode)}/new", new(tumour, MRI), htmx=True),
                auth.post(f"{url}/edit", {**CT, "version": "1"}),
                auth.send("DELETE", f"{url}/delete?version=1", htmx=True)]
    for response in attempts:
        assert response.status_code == 423 and "migration is in progress" in response.get_data(as_text=True)
    assert attempts[0].headers["HX-Retarget"] == "#responses-form"
    with app.app_context():
        lease.release("migration-test-owner")
    assert database[db.RESPONSE_ASSESSMENTS].find_one()["version"] == 1
    assert database.audit_log.count_documents({"entity": "assessment"}) == 1


@pytest.mark.parametrize("suffix", ["/edit", "/delete", "/history"])
@pytest.mark.parametrize("record_id", ["RSP-NOTHERE", "../../x", "%00"])
def test_unknown_assessment_is_404(auth, client, episode, suffix, record_id):
    auth.login("clinician")
    assert client.get(f"{base(episode)}/{record_id}{suffix}").status_code == 404


def test_odd_stored_assessment_shows_as_it_is(auth, client, database, episode, tumour):
    """A document no form of ours wrote: a date as text, codes from no list,
    notes as a list, a tumour the episode does not hold, a kept legacy
    value. Every page shows them as they are and what to do."""
    coll = database[db.RESPONSE_ASSESSMENTS]
    coll.insert_many([
        {"assessment_id": "RSP-ODD1", "tumour_id": tumour["tumour_id"], "episode_id": str(episode["_id"]),
         "patient_id": episode["patient_id"], "assessment_date": "3rd May 2024", "method": "Ultrasound",
         "scale": "mrTRG", "result": "TRG2", "notes": ["good", "response"], "extra_field": 7},
        {"assessment_id": "RSP-ODD2", "tumour_id": "TUM-ELSEWHERE", "episode_id": str(episode["_id"]),
         "patient_id": episode["patient_id"], "assessment_date": datetime(2024, 6, 1), "method": "mri",
         "scale": None, "result": None, "legacy_values": {"result": "good"}},
    ])
    auth.login("clinician")
    listing = client.get(base(episode), headers={"HX-Request": "true"})
    body = listing.get_data(as_text=True)
    assert listing.status_code == 200
    assert "“3rd May 2024” (stored as text, not a date)" in body
    assert "legacy value “Ultrasound”: choose a code" in body and "legacy value “TRG2”: choose a code" in body
    assert "MRI tumour regression grade" in body  # "mrTRG" is the scale's code written otherwise
    assert "good, response" in body and "extra_field: 7" in body
    assert 'data-testid="unlinked-responses"' in body and "legacy value “good”: choose a code" in body

    form = client.get(f"{base(episode)}/RSP-ODD1/edit")
    text = form.get_data(as_text=True)
    assert form.status_code == 200
    assert "“3rd May 2024” is stored as text, not a date" in text
    assert "legacy value “Ultrasound”: choose a code" in text and "legacy value “TRG2”: choose a code" in text
    assert '<option selected value="mrtrg">' in text
    odd2 = client.get(f"{base(episode)}/RSP-ODD2/edit").get_data(as_text=True)
    assert "not one of this episode&#39;s tumours (TUM-ELSEWHERE)" in odd2 or \
        "not one of this episode's tumours (TUM-ELSEWHERE)" in odd2
    for suffix in ("/delete", "/history"):
        assert client.get(f"{base(episode)}/RSP-ODD1{suffix}").status_code == 200
    patient = database.patients.find_one()
    timeline = client.get(f"/patients/{patient['_id']}").get_data(as_text=True)
    assert "legacy value “TRG2”: choose a code" in timeline
    # Correcting it through the form stores canonical values and drops the kept one.
    saved = auth.post(f"{base(episode)}/RSP-ODD2/edit", {**MRI, "version": "1"})
    assert saved.status_code == 303
    assert "legacy_values" not in coll.find_one({"assessment_id": "RSP-ODD2"})


# --- the tumour's regression grade --------------------------------------------------

def test_regression_grade_saved_without_neoadjuvant_is_kept_with_a_warning(auth, client, database, app, episode):
    auth.login("clinician")
    url = f"/episodes/{episode['_id']}/tumours/new"
    form = client.get(url).get_data(as_text=True)
    assert "For rectal cancer after neo-adjuvant (chemo)radiotherapy" in form and 'name="regression_grade"' in form
    saved = auth.post(url, {**TUMOUR, "icd10_code": "C20", "regression_grade": "2"}, htmx=True)
    body = saved.get_data(as_text=True)
    assert saved.status_code == 200 and saved.headers["HX-Trigger"] == "tumours-changed"
    assert database.tumours.find_one()["pathology"]["regression_grade"] == "2"
    assert "TRG 2 - partial response" in body
    assert 'data-testid="tumour-notes"' in body and "no neo-adjuvant treatment is recorded" in body
    with app.app_context():
        treatments.add(episode, RADIO, ACTOR)
    listing = client.get(f"/episodes/{episode['_id']}/tumours", headers={"HX-Request": "true"})
    assert 'data-testid="tumour-notes"' not in listing.get_data(as_text=True)


def test_regression_grade_refuses_a_code_from_no_list(auth, client, database, episode):
    auth.login("clinician")
    response = auth.post(f"/episodes/{episode['_id']}/tumours/new", {**TUMOUR, "regression_grade": "4"})
    assert response.status_code == 422 and "not one of the listed options" in response.get_data(as_text=True)
    assert database.tumours.count_documents({}) == 0


def test_unknown_stored_grade_reads_as_a_legacy_value(app, auth, client, database, episode, neoadjuvant):
    with app.app_context():
        t = make_tumour(episode, icd10_code="C20", site="Rectum")
    database.tumours.update_one({"tumour_id": t["tumour_id"]}, {"$set": {"pathology.regression_grade": "Mandard 2"}})
    auth.login("clinician")
    listing = client.get(f"/episodes/{episode['_id']}/tumours", headers={"HX-Request": "true"})
    assert "legacy value “Mandard 2”: choose a code" in listing.get_data(as_text=True)
    form = client.get(f"/episodes/{episode['_id']}/tumours/{t['tumour_id']}/edit").get_data(as_text=True)
    assert 'data-testid="legacy-note"' in form and "legacy value “Mandard 2”: choose a code" in form
    responses_list = client.get(base(episode), headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "legacy value “Mandard 2”: choose a code" in responses_list
    timeline = client.get(f"/patients/{database.patients.find_one()['_id']}").get_data(as_text=True)
    assert "regression grade legacy value “Mandard 2”: choose a code" in timeline


# --- the timeline -------------------------------------------------------------------

def test_timeline_shows_assessments_in_date_order_and_the_grade(app, auth, client, database, episode, neoadjuvant):
    with app.app_context():
        t = make_tumour(episode, icd10_code="C20", site="Rectum",
                        pathology={"grade": "G2", "regression_grade": "1"})
        treatments.add(episode, surgery_fields(datetime(2024, 5, 20), opcs4_primary="H332"), ACTOR)
        for when, method, scale, result in ((datetime(2024, 5, 2), "endoscopy", "clinical", "clinical_incomplete"),
                                            (datetime(2024, 4, 22), "mri", "mrtrg", "mrTRG2")):
            responses.add(episode, {"tumour_id": t["tumour_id"], "assessment_date": when, "method": method,
                                    "scale": scale, "result": result, "notes": None}, ACTOR)
    auth.login("clinician")
    patient = database.patients.find_one()
    page = client.get(f"/patients/{patient['_id']}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "regression grade TRG 1 - near-complete response" in body
    mri = body.index("Response assessment by MRI, mrTRG 1-5 (MRI tumour regression grade): <strong>mrTRG 2")
    scope = body.index("Response assessment by Endoscopy, Clinical response (watch and wait): "
                       "<strong>Incomplete clinical response")
    radiotherapy, surgery = body.index("Radiotherapy (Curative)"), body.index("Surgery (Curative)")
    assert radiotherapy < mri < scope < surgery
    assert body.count('data-kind="response"') == 2


def test_demo_assessments_show_and_round_trip_through_their_form(app, auth, client, database):
    data = demo.generate(patients=40, seed=3)
    with app.app_context():
        demo.write(data)
    assert data[demo.RESPONSES] and database[db.RESPONSE_ASSESSMENTS].count_documents({}) == len(
        data[demo.RESPONSES])
    auth.login("clinician")
    for a in data[demo.RESPONSES][:3]:
        listing = client.get(f"/episodes/{a['episode_id']}/responses")
        assert listing.status_code == 200 and f'id="assessment-{a["assessment_id"]}"' in listing.get_data(
            as_text=True)
        url = f"/episodes/{a['episode_id']}/responses/{a['assessment_id']}/edit"
        values = form_values(client.get(url).get_data(as_text=True), "assessment-form")
        saved = auth.post(url, values)
        assert saved.status_code == 303, saved.get_data(as_text=True)[:3000]
        stored = database[db.RESPONSE_ASSESSMENTS].find_one({"assessment_id": a["assessment_id"]})
        ignored = {"_id", "version", "last_modified_at"}
        assert {k: v for k, v in stored.items() if k not in ignored} == \
            {k: v for k, v in a.items() if k not in ignored}
    graded = [t for t in data["tumours"] if t["pathology"]["regression_grade"] is not None]
    assert graded and all(t["icd10_code"] in demo.RECTAL for t in graded)
    for t in graded:
        neo = [x for x in data["treatments"] if x["episode_id"] == t["episode_id"] and x["adjunctive_therapy"] == "2"]
        assert neo, t["tumour_id"]
        assert all(a["assessment_date"] > max(x.get("end_date") or x["treatment_date"] for x in neo) - timedelta(1)
                   for a in data[demo.RESPONSES] if a["tumour_id"] == t["tumour_id"])


def test_deleting_the_tumour_or_episode_says_its_assessments_go_too(app, auth, client, database, episode, tumour):
    with app.app_context():
        responses.add(episode, {"tumour_id": tumour["tumour_id"], "assessment_date": datetime(2024, 4, 22),
                                "method": "ct", "scale": "recist", "result": "SD", "notes": None}, ACTOR)
    auth.login("clinician")
    confirm = client.get(f"/episodes/{episode['_id']}/tumours/{tumour['tumour_id']}/delete").get_data(as_text=True)
    assert "Its response assessments, if any, are deleted with it." in confirm
    page = client.get(f"/episodes/{episode['_id']}/delete").get_data(as_text=True)
    assert "<strong>1 response assessment</strong>" in page
    assert auth.post(f"/episodes/{episode['_id']}/tumours/{tumour['tumour_id']}/delete",
                     {"version": "1"}).status_code == 303
    assert database[db.RESPONSE_ASSESSMENTS].count_documents({}) == 0
    assert database.audit_log.count_documents({"entity": "assessment", "action": "delete"}) == 1


def test_the_list_costs_the_same_commands_however_many_assessments(counted):  # noqa: F811
    app, counter = counted
    with app.app_context():
        episode = make_episode(make_patient())
        tumours = [make_tumour(episode, icd10_code="C20", site="Rectum"), make_tumour(episode)]

    def add(n):
        with app.app_context():
            for i in range(n):
                responses.add(episode, {"tumour_id": tumours[i % 2]["tumour_id"], "notes": None,
                                        "assessment_date": datetime(2024, 3, 1) + timedelta(days=i),
                                        "method": "mri", "scale": "mrtrg", "result": "mrTRG3"}, ACTOR)

    add(1)
    client = app.test_client()
    Auth(app, client).login("clinician")
    with app.app_context():
        patient_id = db.collection(db.PATIENTS).find_one()["_id"]
    urls = [base(episode), f"/patients/{patient_id}"]
    with_one = {url: _count(client, counter, url) for url in urls}
    add(20)
    assert with_one == {url: _count(client, counter, url) for url in urls}
    # The user, the episode, its tumours, its assessments.
    assert len(with_one[urls[0]]) <= 4
