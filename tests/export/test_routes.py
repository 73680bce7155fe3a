"""The export page and the download: roles, form validation (422), preview
with completeness and the left-out list, a streamed download with its file
name, the same bytes as the CLI, and an audit entry for each download."""
import hashlib
import re
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"
QUERY = "version=10&start=2024-01-01&end=2024-12-31"


def row(page, label):
    """(counted over, have it, %) of the completeness row for `label`."""
    m = re.search(r"<td>" + re.escape(label) + r"(?: <strong>\(mandatory\)</strong>)?</td>\s*<td>([^<]*)</td>"
                  r"\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>", page)
    assert m, label
    return list(m.groups())


@pytest.mark.parametrize("role", ["clinician", "manager"])
def test_other_roles_may_not_export(auth, client, golden_data, role):
    auth.login(role)
    assert client.get("/exports/").status_code == 403
    assert client.get(f"/exports/nboca.xml?{QUERY}").status_code == 403


def test_signed_out_is_sent_to_sign_in(client, golden_data):
    response = client.get(f"/exports/nboca.xml?{QUERY}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_page_without_parameters_shows_the_form(auth, client):
    auth.login("data_officer")
    page = client.get("/exports/").get_data(as_text=True)
    assert "Reporting period start" in page and "No export has been made yet." in page


@pytest.mark.parametrize("query, message", [
    ("version=10&start=2024-12-31&end=2024-01-01", "The end of the period must be on or after its start."),
    ("version=10&start=31/12/2024&end=2024-12-31", "Enter the first day of the reporting period"),
    ("version=8&start=2024-01-01&end=2024-12-31", "Not a valid choice"),
    ("version=10&start=2024-01-01&end=2024-12-31&provider=R%3Cx%3E", "Enter an ODS code: 3 or 5"),
    # Four characters: COSD's type would take it, but no stored code can be one (3 or 5).
    ("version=10&start=2024-01-01&end=2024-12-31&provider=RX12", "3 or 5 letters or digits"),
])
def test_invalid_parameters_are_422_with_the_form(auth, client, golden_data, query, message):
    auth.login("data_officer")
    for url in (f"/exports/?{query}", f"/exports/nboca.xml?{query}"):
        response = client.get(url)
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)


def test_preview_shows_counts_completeness_and_left_out(auth, client, database, golden_data):
    database.treatments.update_one({"treatment_id": "TRT-0004"}, {"$set": {"treatment_site": ""}})
    episode_id = next(database.episodes.find({"patient_id": "MRN0002"}))["_id"]
    auth.login("data_officer")
    response = client.get(f"/exports/?{QUERY}")
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    page = response.get_data(as_text=True)
    # The treatment without a site is left out of its record, listed; the record is sent.
    assert 'data-testid="in-scope">3<' in page and 'data-testid="left-out">0<' in page
    assert 'data-testid="exported">3<' in page
    dropped = page[page.index('data-testid="dropped"'):]
    assert "TRT-0004" in dropped and "Treatment site (CR1450) is missing" in dropped
    assert f'href="/episodes/{episode_id}"' in dropped
    # Completeness: 2 of 3 have an NHS number; 2 of the 3 treated records have every treatment site.
    assert row(page, "NHS number") == ["in-scope records", "2 of 3", "66.7%"]
    assert row(page, "Treatment site") == ["records with a treatment", "2 of 3", "66.7%"]
    assert row(page, "Surgical access type") == ["records with an operation", "2 of 2", "100.0%"]
    assert "/exports/nboca.xml?version=10&amp;start=2024-01-01&amp;end=2024-12-31" in page
    # htmx asks for the fragment only.
    fragment = client.get(f"/exports/?{QUERY}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and "Data completeness" in fragment


def test_download_is_streamed_named_and_equal_to_the_cli(app, auth, client, runner, database, golden_data,
                                                           tmp_path):
    app.config["EXPORT_FIXED_CLOCK"] = "2026-01-02T03:04:05"
    auth.login("data_officer")
    response = client.get(f"/exports/nboca.xml?{QUERY}&provider=rx1")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "application/xml"
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="nboca-RX1-cosd-v10-2024-01-01-to-2024-12-31.xml"'
    body = response.get_data()
    out = tmp_path / "cli.xml"
    result = runner.invoke(args=["export", "nboca", "--version", "10", "--start", "2024-01-01", "--end",
                                 "2024-12-31", "--provider", "RX1", "-o", str(out),
                                 "--fixed-clock", "2026-01-02T03:04:05"])
    assert result.exit_code == 0, result.output
    assert body == out.read_bytes()
    [web, cli] = list(database.audit_log.find({"entity": "nboca_export"}).sort("at", 1))
    assert web["actor"] == "test-data_officer" and cli["actor"] == "cli"
    assert web["after"]["sha256"] == hashlib.sha256(body).hexdigest()
    assert web["after"]["provider"] == "RX1" and web["after"]["record_count"] == 2
    assert web["after"]["start"] == "2024-01-01" and web["after"]["version"] == "10"
    assert 0 <= web["after"]["seconds"] < 60  # how long it took to make, kept with the entry
    page = client.get("/exports/").get_data(as_text=True)
    assert hashlib.sha256(body).hexdigest() in page and "test-data_officer" in page
    assert f'<td>{web["after"]["seconds"]:.1f} s</td>' in page


def test_a_download_started_by_another_site_is_refused(auth, client, database, golden_data):
    auth.login("data_officer")
    for site in ("cross-site", "same-site"):  # same-site: another host of the same domain
        response = client.get(f"/exports/nboca.xml?{QUERY}", headers={"Sec-Fetch-Site": site})
        assert response.status_code == 403
        assert "Nothing was exported" in response.get_data(as_text=True)
    assert database.audit_log.count_documents({"entity": "nboca_export"}) == 0
    # From this system's own page (or typed in), the browser says so and it goes ahead.
    for site in ("same-origin", "none"):
        response = client.get(f"/exports/nboca.xml?{QUERY}", headers={"Sec-Fetch-Site": site})
        assert response.status_code == 200 and response.get_data().startswith(b"<?xml")


def test_download_of_all_providers_equals_golden(app, auth, client, golden_data):
    app.config["EXPORT_FIXED_CLOCK"] = "2026-01-02T03:04:05"
    auth.login("data_officer")
    response = client.get("/exports/nboca.xml?version=9&start=2024-01-01&end=2024-12-31")
    assert response.get_data() == (GOLDEN / "nboca-v9.xml").read_bytes()


def test_nothing_to_export_is_explained_not_sent(auth, client, database, golden_data):
    auth.login("data_officer")
    response = client.get("/exports/nboca.xml?version=9&start=2030-01-01&end=2030-12-31")
    assert response.status_code == 422
    assert "No record in scope can be exported" in response.get_data(as_text=True)
    assert database.audit_log.count_documents({"entity": "nboca_export"}) == 0


def test_hostile_text_is_escaped_on_the_page(auth, client, database, golden_data):
    database.treatments.update_one({"treatment_id": "TRT-0004"}, {"$set": {"asa_grade": "<script>x</script>"}})
    auth.login("data_officer")
    page = client.get(f"/exports/?{QUERY}").get_data(as_text=True)
    assert "<script>x" not in page and "&lt;script&gt;x" in page


def test_form_defaults_to_the_last_complete_audit_year(client, auth):
    from datetime import date

    from webapp.forms.period import last_audit_year

    assert last_audit_year(date(2026, 11, 24)) == (date(2025, 4, 1), date(2026, 3, 31))
    assert last_audit_year(date(2026, 3, 31)) == (date(2024, 4, 1), date(2025, 3, 31))
    auth.login("data_officer")
    page = client.get("/exports/").get_data(as_text=True)
    start, end = last_audit_year()
    assert f'value="{start.isoformat()}"' in page and f'value="{end.isoformat()}"' in page


@pytest.mark.parametrize("path", ["/exports/", "/exports/nboca.xml"])
def test_dates_out_of_range_are_422_not_500(client, auth, path):
    auth.login("data_officer")
    response = client.get(f"{path}?version=10&start=2024-01-01&end=9999-12-31")
    assert response.status_code == 422
    assert "Enter a date between 2000 and 2099." in response.get_data(as_text=True)


def test_a_download_cut_short_is_not_recorded_as_an_export(auth, client, database, golden_data):
    auth.login("data_officer")
    response = client.get(f"/exports/nboca.xml?{QUERY}", buffered=False)
    assert response.status_code == 200
    next(iter(response.response))  # the first chunk only; the browser went away
    response.close()
    assert database.audit_log.count_documents({"entity": "nboca_export"}) == 0
    client.get(f"/exports/nboca.xml?{QUERY}").get_data()  # a whole download is recorded
    assert database.audit_log.count_documents({"entity": "nboca_export"}) == 1


def test_v9_leaves_out_and_lists_diagnoses_after_june_2024(auth, client, golden_data):
    auth.login("data_officer")
    page = client.get(f"/exports/?{QUERY.replace('version=10', 'version=9')}").get_data(as_text=True)
    assert 'data-testid="exported">2<' in page and 'data-testid="left-out">0<' in page
    assert 'data-testid="other-version-count"><a href="#other-version-heading">1</a>' in page
    listed = page[page.index('data-testid="other-version-list"'):]
    assert "TUM-0003" in listed and "31 Dec 2024" in listed
    assert "diagnosed after 30 Jun 2024: NDRS does not accept COSD v9.0.1 for it; send it in a COSD v10 file" in listed
    # One step to the same check as v10.
    assert ('href="/exports/?version=10&amp;start=2024-01-01&amp;end=2024-12-31">'
            "Check the same period as COSD v10") in page
    v10 = client.get(f"/exports/?{QUERY}").get_data(as_text=True)
    assert 'data-testid="other-version' not in v10 and 'data-testid="exported">3<' in v10
