"""Database size for managers: each collection's documents and bytes as the
server reports them, snapshots kept on request (page or CLI), and the change
since the last one."""
from tests.clinical_data import make_patient
from webapp.store import storage


def _row(page_html, collection):
    start = page_html.index(f"<th scope=\"row\">{collection}</th>")
    return page_html[start:page_html.index("</tr>", start)]


def test_page_shows_counts_and_growth_since_the_snapshot(app, auth, client, database):
    with app.app_context():
        for i in range(3):
            make_patient(f"MRN{i:07d}", index=i)
    auth.login("manager")
    page = client.get("/admin/storage").get_data(as_text=True)
    assert "<td>3</td>" in _row(page, "patients") and "No snapshot has been kept yet." in page
    assert "—" in _row(page, "patients")  # no snapshot: no change known

    response = auth.post("/admin/storage")
    assert response.status_code == 302
    [snapshot] = list(database.storage_snapshots.find())
    assert snapshot["by"] == "test-manager"
    assert {r["collection"]: r["documents"] for r in snapshot["collections"]}["patients"] == 3

    with app.app_context():
        make_patient("MRN0000009", index=9)
    page = client.get("/admin/storage").get_data(as_text=True)
    patients = _row(page, "patients")
    assert "<td>4</td>" in patients and "<td>+1</td>" in patients
    assert "no change" in _row(page, "users")
    assert 'data-testid="snapshots"' in page and "test-manager" in page


def test_growth_counts_bytes_of_data_and_indexes():
    rows = [{"collection": "patients", "documents": 5, "data_bytes": 500, "index_bytes": 100}]
    before = {"collections": [{"collection": "patients", "documents": 2, "data_bytes": 200, "index_bytes": 50}]}
    [row] = storage.growth(rows, before)
    assert row["documents_change"] == 3 and row["bytes_change"] == 350
    [row] = storage.growth(rows, None)
    assert row["documents_change"] is None and row["bytes_change"] is None


def test_other_roles_may_not_keep_snapshots(auth, client, database):
    for role in ("clinician", "data_officer"):
        auth.login(role)
        assert auth.post("/admin/storage").status_code == 403
    assert database.storage_snapshots.count_documents({}) == 0


def test_cli_prints_the_figures_and_keeps_a_snapshot(app, runner, database):
    with app.app_context():
        make_patient()
    result = runner.invoke(args=["db", "stats", "--record"])
    assert result.exit_code == 0, result.output
    assert "patients" in result.output and " 1 documents" in result.output and "snapshot kept" in result.output
    assert database.storage_snapshots.find_one()["by"] == "cli"
