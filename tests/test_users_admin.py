"""User administration: the CLI group and the admin pages, the password
policy, usernames normalised, the last admin kept, one-time passwords that
must be changed, one's own password, and an audit entry for each change."""
from datetime import datetime

import pytest

from tests.conftest import PASSWORD
from webapp.domain import accounts
from webapp.store import users

OTHER = "a different long passphrase"


def _cli(runner, *args, stdin=None):
    return runner.invoke(args=["users", *args], input=stdin)


def test_common_and_short_passwords_are_refused(app):
    assert accounts.password_problem("short pass") is not None
    for common in ("password1234", "qwertyuiop123", "123456789012", "iloveyou2024!", "aaaaaaaaaaaaaaaa"):
        assert "too common" in accounts.password_problem(common), common
    assert accounts.password_problem(PASSWORD) is None
    assert accounts.password_problem("alice-at-the-trust", username="alice") is not None
    with app.app_context(), pytest.raises(users.UserError, match="too common"):
        users.create("dora", "password1234", "clinician")


def test_cli_refuses_a_common_password(runner, database):
    result = _cli(runner, "create", "dora", "--role", "clinician", stdin="qwertyuiop123\n")
    assert result.exit_code == 1 and "too common" in result.output
    assert database.users.count_documents({}) == 0


@pytest.mark.parametrize("given", ["", "   ", "a b", "bad\u202ename", "zero\u200bwidth", "ctl\x85x"])
def test_usernames_that_cannot_be_are_refused(runner, database, given):
    result = _cli(runner, "create", given, "--role", "clinician", stdin=PASSWORD + "\n")
    assert result.exit_code == 1
    assert database.users.count_documents({}) == 0


def test_usernames_are_normalised_and_unique_once_normalised(runner, client, auth, database):
    assert _cli(runner, "create", " Demo-Admin ", "--role", "admin", stdin=PASSWORD + "\n").exit_code == 0
    assert database.users.find_one({})["username"] == "demo-admin"
    again = _cli(runner, "create", "DEMO-ADMIN", "--role", "admin", stdin=PASSWORD + "\n")
    assert again.exit_code == 1 and "already exists" in again.output
    # Signs in however the name is typed.
    r = client.post("/login", data={"username": "  DEMO-admin ", "password": PASSWORD,
                                    "csrf_token": auth.csrf_token()})
    assert r.status_code == 302


def test_the_last_active_admin_is_kept(app, runner, database):
    assert _cli(runner, "create", "root", "--role", "admin", stdin=PASSWORD + "\n").exit_code == 0
    for args in (("deactivate", "root"), ("role", "root", "clinician")):
        result = _cli(runner, *args)
        assert result.exit_code == 1 and "last active administrator" in result.output
    doc = database.users.find_one({"username": "root"})
    assert doc["role"] == "admin" and doc["active"] is True
    assert _cli(runner, "create", "second", "--role", "admin", stdin=PASSWORD + "\n").exit_code == 0
    assert _cli(runner, "role", "root", "clinician").exit_code == 0
    assert _cli(runner, "deactivate", "second").exit_code == 1  # now the last one
    assert database.users.find_one({"username": "second"})["active"] is True


def test_cli_list_deactivate_reactivate_unlock(runner, database):
    _cli(runner, "create", "erin", "--role", "clinician", stdin=PASSWORD + "\n")
    assert _cli(runner, "deactivate", "ERIN").exit_code == 0
    assert "inactive" in _cli(runner, "list").output
    assert _cli(runner, "reactivate", "erin").exit_code == 0
    assert "inactive" not in _cli(runner, "list").output
    database.login_attempts.insert_one({"_id": "user:erin", "count": 99, "expires_at": datetime(2100, 1, 1)})
    assert _cli(runner, "unlock", "erin").exit_code == 0
    assert database.login_attempts.count_documents({"_id": "user:erin"}) == 0
    assert _cli(runner, "deactivate", "nobody").exit_code == 1
    actions = [e["action"] for e in database.audit_log.find({"entity": "user"}).sort("at", 1)]
    assert actions == ["create", "deactivate", "reactivate", "unlock"]


def _sign_in(client, auth, username, password):
    return client.post("/login", data={"username": username, "password": password, "csrf_token": auth.csrf_token()})


def test_reset_password_is_one_time_and_must_be_changed(runner, client, auth, database):
    _cli(runner, "create", "fay", "--role", "clinician", stdin=PASSWORD + "\n")
    result = _cli(runner, "reset-password", "fay")
    assert result.exit_code == 0
    one_time = result.output.strip().splitlines()[-1]
    assert _sign_in(client, auth, "fay", PASSWORD).status_code == 401  # the old one is gone
    response = _sign_in(client, auth, "fay", one_time)
    assert response.headers["Location"] == "/account/password"
    # Nothing else until it is changed.
    assert client.get("/patients/").headers["Location"] == "/account/password"
    refused = auth.post("/account/password", {"current": one_time, "new": "password1234", "repeat": "password1234"})
    assert refused.status_code == 422 and "too common" in refused.get_data(as_text=True)
    done = auth.post("/account/password", {"current": one_time, "new": OTHER, "repeat": OTHER})
    assert done.status_code == 303
    assert client.get("/patients/").status_code == 200
    wanted = {"entity": "user", "action": {"$in": ["reset_password", "change_password"]}}
    assert [e["action"] for e in database.audit_log.find(wanted).sort("at", 1)] == ["reset_password",
                                                                                   "change_password"]


def test_create_with_stdin_is_the_users_own_password_unless_one_time(runner, client, auth):
    _cli(runner, "create", "gil", "--role", "clinician", stdin=PASSWORD + "\n")
    assert _sign_in(client, auth, "gil", PASSWORD).headers["Location"] == "/"
    auth.logout()
    _cli(runner, "create", "hal", "--role", "clinician", "--one-time", stdin=PASSWORD + "\n")
    assert _sign_in(client, auth, "hal", PASSWORD).headers["Location"] == "/account/password"


def test_any_user_changes_their_own_password(auth, client):
    auth.login("data_officer")
    wrong = auth.post("/account/password", {"current": "not it at all", "new": OTHER, "repeat": OTHER})
    assert wrong.status_code == 422 and "current password is not right" in wrong.get_data(as_text=True)
    assert auth.post("/account/password", {"current": PASSWORD, "new": OTHER, "repeat": OTHER}).status_code == 303
    auth.logout()
    assert _sign_in(client, auth, "test-data_officer", OTHER).status_code == 302


def test_admin_pages_manage_users(app, auth, client, database):
    auth.login("admin")
    created = auth.post("/admin/users", {"new-username": " New.Person ", "new-role": "clinician"})
    assert created.status_code == 201
    page = created.get_data(as_text=True)
    assert "new.person" in page and 'data-testid="issued-password"' in page
    assert database.users.find_one({"username": "new.person"})["must_change_password"] is True
    assert auth.post("/admin/users/new.person/role", {"role": "data_officer"}).status_code == 303
    assert auth.post("/admin/users/new.person/deactivate").status_code == 303
    assert database.users.find_one({"username": "new.person"})["role"] == "data_officer"
    assert database.users.find_one({"username": "new.person"})["active"] is False
    reset = auth.post("/admin/users/new.person/reset-password")
    assert reset.status_code == 200 and 'data-testid="issued-password"' in reset.get_data(as_text=True)
    # The last admin, on the web too.
    refused = auth.post("/admin/users/test-admin/deactivate", follow_redirects=True)
    assert "last active administrator" in refused.get_data(as_text=True)
    assert database.users.find_one({"username": "test-admin"})["active"] is True
    actors = {e["actor"] for e in database.audit_log.find({"entity": "user", "action": {"$nin": ["login"]}})}
    assert "test-admin" in actors


def test_only_admins_manage_users(auth):
    auth.login("manager")
    assert auth.post("/admin/users/test-manager/deactivate").status_code == 403
    assert auth.post("/admin/users", {"new-username": "x", "new-role": "admin"}).status_code == 403
