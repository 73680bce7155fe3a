"""/metrics (Prometheus text format) for admins or a bearer token; route and
MongoDB command histograms; the admins' slowest page; one JSON log line per
request, with its id and no patient identifier."""
import json
import logging

import pytest

from tests.clinical_data import make_patient
from webapp import db
from webapp.app import create_app


@pytest.fixture
def token_app(mongo_uri, db_name, tmp_path):
    app = create_app({"TESTING": True, "MONGODB_URI": mongo_uri, "MONGODB_DB": db_name, "SECRET_KEY": "k",
                      "VAR_DIR": str(tmp_path / "var"), "METRICS_TOKEN": "s3cret-scrape-token"})
    yield app
    db.client_for(mongo_uri).drop_database(db_name)


def test_metrics_hold_route_and_command_histograms(app, auth, client):
    with app.app_context():
        patient = make_patient(mrn="MET0001")
    auth.login("clinician")
    client.get(f"/patients/{patient['_id']}")
    client.get("/patients/")
    auth.logout()
    auth.login("admin")
    response = client.get("/metrics")
    assert response.status_code == 200 and response.content_type.startswith("text/plain")
    text = response.get_data(as_text=True)
    assert 'http_request_duration_seconds_bucket{le="0.1",method="GET",route="/patients/<oid:patient_id>"' in text \
        or 'route="/patients/<oid:patient_id>"' in text
    assert "# TYPE http_request_duration_seconds histogram" in text
    assert "# TYPE mongodb_command_duration_seconds histogram" in text
    assert 'collection="patients",command="find"' in text
    assert 'collection="treatments"' in text  # the timeline's query, the seed's "query performance on treatments"
    assert "MET0001" not in text


def test_metrics_refuse_anonymous_and_other_roles(auth, client):
    assert client.get("/metrics").status_code == 401
    auth.login("clinician")
    assert client.get("/metrics").status_code == 403


def test_metrics_with_the_bearer_token(token_app):
    client = token_app.test_client()
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    ok = client.get("/metrics", headers={"Authorization": "Bearer s3cret-scrape-token"})
    assert ok.status_code == 200 and "http_request_duration_seconds" in ok.get_data(as_text=True)


def test_the_slowest_page_for_admins(auth, client):
    auth.login("admin")
    client.get("/admin/users")
    response = client.get("/admin/performance")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    routes_table = page[page.index('data-testid="slow-routes"'):page.index('data-testid="slow-commands"')]
    assert routes_table.count("<code>") >= 2 and page.count("<code>") > routes_table.count("<code>")
    from webapp.store import metrics

    routes = metrics.slowest("route", limit=10_000)
    assert "GET /admin/users" in [r["name"] for r in routes]
    assert [r["p95_ms"] for r in routes] == sorted((r["p95_ms"] for r in routes), reverse=True)
    assert "find users" in [r["name"] for r in metrics.slowest("command", limit=10_000)]
    auth.logout()
    auth.login("clinician")
    assert client.get("/admin/performance").status_code == 403


class Lines(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines = []

    def emit(self, record):
        self.lines.append((record.name, self.format(record), record.getMessage()))


def test_log_lines_are_json_with_a_request_id_and_no_patient_identifier(app, auth, client):
    from webapp.security.monitoring import JsonLines

    handler = Lines()
    handler.setFormatter(JsonLines())
    loggers = [logging.getLogger(), logging.getLogger("webapp.requests"), logging.getLogger("werkzeug")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        with app.app_context():
            patient = make_patient(mrn="LOG0001", first_name="Philippa", last_name="Quixotic")
        nhs = patient["nhs_number"]
        auth.login("clinician")
        client.get(f"/patients/{patient['_id']}", headers={"X-Request-ID": "trace-0123456789"})
        auth.post("/patients/", {"q": "Quixotic"})
        auth.post("/patients/", {"q": nhs})
        auth.post("/patients/", {"q": "LOG0001"})
        client.get(f"/patients/{patient['_id']}/history")
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
    request_lines = [json.loads(line) for name, line, _ in handler.lines if name == "webapp.requests"]
    assert len(request_lines) >= 5 and all(line["request_id"] and line["route"] for line in request_lines)
    assert any(line["request_id"] == "trace-0123456789" for line in request_lines)
    everything = "\n".join(f"{line} {message}" for _, line, message in handler.lines)
    for secret in (nhs, "LOG0001", "Philippa", "Quixotic", str(patient["_id"])):
        assert secret not in everything, secret
