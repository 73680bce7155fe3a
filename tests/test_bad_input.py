"""Bad input: numbers that are not numbers, invisible characters, the same
form sent twice (or twenty times at once), and a post from another site."""
import inspect
import threading

import pytest
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import DecimalField, FloatField, IntegerField

from tests.clinical_data import make_episode, make_patient
from tests.conftest import CSRF_META
from tests.views.test_episode_records_views import RADIO, SURGERY, TUMOUR
from webapp import forms as forms_package
from webapp.domain import validators

NOT_NUMBERS = ["sNaN", "NaN", "-nan", "Infinity", "-inf", "1e999999"]


def _form_classes():
    import importlib
    import pkgutil

    for info in pkgutil.iter_modules(forms_package.__path__):
        module = importlib.import_module(f"webapp.forms.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, FlaskForm) and cls.__module__ == module.__name__:
                yield cls


def _number_fields():
    found = []
    for cls in _form_classes():
        form_fields = [(name, f) for name, f in vars(cls).items() if hasattr(f, "field_class")]
        for name, unbound in form_fields:
            if issubclass(unbound.field_class, (IntegerField, DecimalField, FloatField)):
                found.append((cls, name))
    return found


def test_there_are_number_fields_to_check():
    names = {name for _, name in _number_fields()}
    assert {"total_dose_gy", "crm_distance_mm", "lymph_nodes_examined"} <= names


@pytest.mark.parametrize("cls,name", _number_fields(), ids=lambda v: getattr(v, "__name__", v))
def test_every_number_field_refuses_what_is_not_a_number(app, cls, name):
    for given in NOT_NUMBERS:
        with app.test_request_context(method="POST"):
            form = cls(formdata=MultiDict({name: given}), meta={"csrf": False})
            assert not form.validate()  # never an exception (sNaN used to raise in a comparison)
            assert form[name].errors, (cls.__name__, name, given)


@pytest.fixture
def episode(app):
    with app.app_context():
        return make_episode(make_patient())


def test_snan_in_a_decimal_field_is_422_and_saves_nothing(auth, database, episode):
    auth.login("clinician")
    base = f"/episodes/{episode['_id']}"
    for given in NOT_NUMBERS:
        assert auth.post(f"{base}/treatments/new", {**RADIO, "total_dose_gy": given}).status_code == 422
        assert auth.post(f"{base}/tumours/new", {**TUMOUR, "crm_distance_mm": given}).status_code == 422
        assert auth.post(f"{base}/treatments/new", {**SURGERY, "length_of_stay_days": given}).status_code == 422
    assert database.treatments.count_documents({}) == 0 and database.tumours.count_documents({}) == 0


INVISIBLE = ["\u202e", "\u200b", "\u0085", "\ufffe", "\u2066", "\u00ad", "\ufeff", "\x00", "\u2028"]


@pytest.mark.parametrize("char", INVISIBLE, ids=lambda c: f"U+{ord(c):04X}")
def test_invisible_characters_are_refused(char):
    assert validators.control_characters(f"Ada{char}Lovelace")
    assert validators.control_characters(f"notes{char}here", multiline=True)
    assert validators.control_characters("Zoë O'Brien-Łukasz 李") is None  # real names are fine


@pytest.mark.parametrize("char", ["\u202e", "\u200b", "\u0085", "\ufffe"], ids=lambda c: f"U+{ord(c):04X}")
def test_a_name_with_an_invisible_character_is_not_stored(auth, database, char):
    auth.login("clinician")
    response = auth.post("/patients/new", {
        "mrn": "INV0001", "nhs_number": "", "first_name": f"A{char}da", "last_name": "Testpatient",
        "date_of_birth": "1950-05-17", "sex": "2"})
    assert response.status_code == 422
    assert database.patients.count_documents({}) == 0


def _form_token(page):
    import re

    return re.search(r'name="form_token" value="([^"]+)"', page).group(1)


def test_the_same_add_form_sent_twice_creates_one_record(auth, client, database, episode):
    auth.login("clinician")
    url = f"/episodes/{episode['_id']}/treatments/new"
    token = _form_token(client.get(url).get_data(as_text=True))
    first = auth.post(url, {**SURGERY, "form_token": token})
    second = auth.post(url, {**SURGERY, "form_token": token})
    assert first.status_code == 303 and second.status_code == 409
    assert "already sent" in second.get_data(as_text=True)
    assert database.treatments.count_documents({}) == 1


def test_a_refused_form_can_be_corrected_and_sent_again(auth, client, database, episode):
    auth.login("clinician")
    url = f"/episodes/{episode['_id']}/treatments/new"
    token = _form_token(client.get(url).get_data(as_text=True))
    refused = auth.post(url, {**SURGERY, "asa_grade": "9", "form_token": token})
    assert refused.status_code == 422
    assert _form_token(refused.get_data(as_text=True)) != token  # the re-shown form has a fresh one
    assert auth.post(url, {**SURGERY, "form_token": token}).status_code == 303  # and the old one was given back
    assert database.treatments.count_documents({}) == 1


def test_twenty_identical_simultaneous_posts_create_one_treatment(app, auth, client, database, episode):
    auth.login("clinician")
    url = f"/episodes/{episode['_id']}/treatments/new"
    page = client.get(url).get_data(as_text=True)
    token, csrf = _form_token(page), CSRF_META.search(client.get("/").get_data(as_text=True)).group(1)
    cookie = client.get_cookie("session").value
    start, statuses = threading.Barrier(20), []

    def post():
        browser = app.test_client()
        browser.set_cookie("session", cookie)  # the same browser, twenty clicks
        start.wait()
        statuses.append(browser.post(url, data={**SURGERY, "form_token": token, "csrf_token": csrf},
                                     headers={"HX-Request": "true", "X-CSRFToken": csrf}).status_code)

    threads = [threading.Thread(target=post) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(statuses) == [200] + [409] * 19
    assert database.treatments.count_documents({}) == 1


def test_a_cross_site_post_is_403_and_leaves_the_session_alone(auth, client, database):
    auth.login("clinician")
    before = client.get_cookie("session").value
    stored = database.sessions.find_one({"user_id": {"$ne": None}})
    for headers in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}, {"Origin": "null"}):
        response = client.post("/patients/new", data={"mrn": "EVIL1"}, headers=headers)
        assert response.status_code == 403
        assert "Set-Cookie" not in response.headers
        assert "another site" in response.get_data(as_text=True)
        assert response.headers["Content-Security-Policy"]
    assert client.get_cookie("session").value == before
    assert database.sessions.find_one({"_id": stored["_id"]})["data"] == stored["data"]
    assert client.get("/patients/").status_code == 200  # still signed in
    assert database.patients.count_documents({}) == 0
    # A same-site post still works.
    ok = auth.post("/logout", headers={"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"})
    assert ok.status_code == 302
