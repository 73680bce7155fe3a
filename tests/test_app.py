"""The factory, settings precedence and the health check."""
from webapp import config
from webapp.app import create_app


def test_config_precedence(tmp_path):
    env = {"MONGODB_DB": "from_env", "PAGE_SIZE": "40", "SECRET_KEY": "env-key"}
    settings = config.load({"PAGE_SIZE": 10}, environ=env)
    assert settings["MONGODB_DB"] == "from_env"  # environment beats default
    assert settings["PAGE_SIZE"] == 10  # test config beats environment
    assert settings["SECRET_KEY"] == "env-key"
    assert config.load(environ={})["MONGODB_DB"] == "cancer_episodes"  # the default


def test_secret_key_generated_once_into_var(tmp_path):
    first = config.load({"VAR_DIR": str(tmp_path)}, environ={})["SECRET_KEY"]
    second = config.load({"VAR_DIR": str(tmp_path)}, environ={})["SECRET_KEY"]
    assert len(first) == 64 and first == second
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_factory_uses_test_config(app, db_name):
    assert app.testing
    assert app.config["MONGODB_DB"] == db_name
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_healthz_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] == 1.0
    assert body["database"]["version"]


def test_healthz_down(tmp_path):
    from webapp.embedded import free_port, uri_for

    app = create_app({
        "TESTING": True, "MONGODB_URI": uri_for(free_port()), "MONGODB_DB": "nothing",
        "MONGODB_TIMEOUT_MS": 300, "SECRET_KEY": "x", "VAR_DIR": str(tmp_path),
    })
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "unavailable"
