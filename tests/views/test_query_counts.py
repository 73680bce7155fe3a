"""The episode page's fragments and the patient timeline cost a fixed number
of database commands however many treatments there are (no N+1), counted
with pymongo's command monitoring on the app's own client."""
import functools
import uuid
from datetime import datetime, timedelta

import pymongo
import pytest
from pymongo import monitoring

from tests.clinical_data import ACTOR, make_episode, make_patient, make_tumour, surgery_fields
from tests.conftest import Auth
from webapp import db
from webapp.app import create_app
from webapp.store import treatments


class Counter(monitoring.CommandListener):
    def __init__(self):
        self.commands = []
        self.active = False

    def started(self, event):
        if self.active:
            self.commands.append((event.command_name, event.database_name, dict(event.command)))

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


@pytest.fixture
def counted(mongo_uri, tmp_path, monkeypatch):
    """An app whose MongoClient reports every command to a Counter."""
    counter = Counter()
    # A URI of its own, so db.client_for builds a new client (with the listener).
    uri = mongo_uri + ("&" if "?" in mongo_uri else "/?") + f"appname=count-{uuid.uuid4().hex[:8]}"
    monkeypatch.setattr(db.pymongo, "MongoClient",
                        functools.partial(pymongo.MongoClient, event_listeners=[counter]))
    name = f"test_{uuid.uuid4().hex[:12]}"
    app = create_app({"TESTING": True, "MONGODB_URI": uri, "MONGODB_DB": name, "SECRET_KEY": "test",
                      "VAR_DIR": str(tmp_path / "var")})
    with app.app_context():
        db.init_indexes()
    yield app, counter
    db.client_for(uri).drop_database(name)


def _count(client, counter, url):
    counter.commands.clear()
    counter.active = True
    response = client.get(url, headers={"HX-Request": "true"})
    counter.active = False
    assert response.status_code == 200
    # The session read (and its once-a-minute touch) and the access-log entry
    # are the same on every page: the count is about the record queries.
    bookkeeping = {db.SESSIONS, db.ACCESS_LOG}
    return [name for name, _, command in counter.commands if command.get(name) not in bookkeeping]


def _add_treatments(app, episode, start, n):
    with app.app_context():
        for i in range(start, start + n):
            treatments.add(episode, surgery_fields(datetime(2024, 2, 1) + timedelta(days=i)), ACTOR)


def test_same_commands_with_1_and_50_treatments(counted):
    app, counter = counted
    with app.app_context():
        patient = make_patient()
        episode = make_episode(patient)
        make_tumour(episode)
        second = make_episode(patient, referral=datetime(2025, 1, 1))
    _add_treatments(app, episode, 0, 1)
    client = app.test_client()
    Auth(app, client).login("clinician")
    urls = [f"/episodes/{episode['_id']}/treatments", f"/episodes/{episode['_id']}/tumours",
            f"/episodes/{episode['_id']}", f"/patients/{patient['_id']}"]
    with_one = {url: _count(client, counter, url) for url in urls}
    _add_treatments(app, episode, 1, 49)
    _add_treatments(app, second, 100, 10)
    with_fifty = {url: _count(client, counter, url) for url in urls}
    assert with_one == with_fifty
    assert all(with_one[url].count("find") >= 2 for url in urls)
    # Small and fixed: the signed-in user, the episode, its list (and, for
    # the timeline, the patient then episodes, tumours, treatments, response
    # assessments and follow-up tests by patient).
    assert len(with_one[urls[0]]) <= 3 and len(with_one[urls[3]]) <= 7
    assert "getMore" not in str(with_fifty)
    # The treatments list goes through the (episode_id, treatment_date) index.
    counter.commands.clear()
    _count(client, counter, urls[0])
    [find] = [c for name, _, c in counter.commands if name == "find" and c["find"] == "treatments"]
    assert dict(find["hint"]) == {"episode_id": 1, "treatment_date": 1}
