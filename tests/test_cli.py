"""The foundation's CLI: users and the make-run bootstrap."""
import pytest

from tests.conftest import PASSWORD


def test_users_create_reads_password_from_stdin(runner, client, auth):
    result = runner.invoke(args=["users", "create", "alice", "--role", "manager"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "created alice (manager)" in result.output
    response = client.post("/login", data={"username": "alice", "password": PASSWORD, "csrf_token": auth.csrf_token()})
    assert response.status_code == 302


def test_users_create_refuses_duplicates_and_short_passwords(runner, database):
    assert runner.invoke(args=["users", "create", "bob", "--role", "clinician"], input=PASSWORD + "\n").exit_code == 0
    again = runner.invoke(args=["users", "create", "bob", "--role", "clinician"], input=PASSWORD + "\n")
    assert again.exit_code != 0 and "already exists" in again.output
    short = runner.invoke(args=["users", "create", "carol", "--role", "clinician"], input="short\n")
    assert short.exit_code != 0 and "at least 12" in short.output
    assert database.users.count_documents({}) == 1


def test_users_create_rejects_unknown_role(runner):
    result = runner.invoke(args=["users", "create", "dave", "--role", "superuser"], input=PASSWORD + "\n")
    assert result.exit_code != 0


def test_passwords_are_hashed(runner, database):
    runner.invoke(args=["users", "create", "erin", "--role", "admin"], input=PASSWORD + "\n")
    doc = database.users.find_one({"username": "erin"})
    assert PASSWORD not in str(doc) and doc["password_hash"].startswith(("scrypt:", "pbkdf2:"))


def test_bootstrap_loads_demo_data_and_one_user_per_role_once(runner, database):
    first = runner.invoke(args=["seed", "bootstrap", "--patients", "12"])
    assert first.exit_code == 0, first.output
    assert database.patients.count_documents({}) == 12
    assert sorted(database.users.distinct("role")) == ["admin", "clinician", "data_officer", "manager"]
    assert first.output.count("password=") == 4
    second = runner.invoke(args=["seed", "bootstrap", "--patients", "12"])
    assert second.exit_code == 0
    assert database.patients.count_documents({}) == 12  # not loaded twice
    assert "password=" not in second.output


@pytest.mark.parametrize("role", ["clinician", "manager", "data_officer", "admin"])
def test_landing_page_per_role(auth, client, role):
    auth.login(role)
    page = client.get("/").get_data(as_text=True)
    expected = {"clinician": ["landing-clinician"], "manager": ["landing-manager"],
                "data_officer": ["landing-data_officer"],
                "admin": ["landing-clinician", "landing-manager", "landing-data_officer"]}[role]
    for marker in ["landing-clinician", "landing-manager", "landing-data_officer"]:
        assert (marker in page) == (marker in expected), marker
