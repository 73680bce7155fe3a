"""Settings: built-in defaults, then the environment, then a test's dict.

Every setting the app reads is named here, so README can list them all.
"""
import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULTS = {
    "MONGODB_URI": "",  # empty: start the embedded server
    "MONGODB_DB": "cancer_episodes",
    # A journaled majority write survives a crash on a replica set and on the
    # embedded server (run with --sync-on-commit).
    "MONGODB_WRITE_CONCERN": "majority",
    # Short, so a page answers 503 within 2 s when the database is gone
    # instead of holding the worker (and the person) for the driver's 30 s.
    "MONGODB_TIMEOUT_MS": 1000,
    "VAR_DIR": str(PROJECT_ROOT / "var"),
    "SECRET_KEY": "",  # empty: generated once into VAR_DIR/secret_key
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_LOCKOUT_SECONDS": 900,
    "SESSION_COOKIE_SECURE": False,  # set true behind HTTPS
    "PAGE_SIZE": 25,
    # Server-side sessions end after this long without a request, and this
    # long after sign-in whatever happens.
    "SESSION_IDLE_MINUTES": 30,
    "SESSION_MAX_HOURS": 12,
    # How many reverse proxies in front of the app set X-Forwarded-For/-Proto:
    # only then is the client's address read from those headers.
    "TRUSTED_PROXIES": 0,
    # A scraper may read /metrics with `Authorization: Bearer <token>`;
    # empty: only signed-in admins may.
    "METRICS_TOKEN": "",
    # ODS code of the organisation submitting the NBOCA file when no provider
    # is chosen; empty: the provider with most records in the file.
    "NBOCA_ORGANISATION": "",
}

_INT = {"MONGODB_TIMEOUT_MS", "LOGIN_MAX_FAILURES", "LOGIN_LOCKOUT_SECONDS", "PAGE_SIZE",
        "SESSION_IDLE_MINUTES", "SESSION_MAX_HOURS", "TRUSTED_PROXIES"}
_BOOL = {"SESSION_COOKIE_SECURE"}


def _coerce(name, raw):
    if name in _INT:
        return int(raw)
    if name in _BOOL:
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    return raw


def load(test_config=None, environ=None):
    """Return the settings dict: defaults < environment < test_config."""
    environ = os.environ if environ is None else environ
    settings = dict(DEFAULTS)
    for name in DEFAULTS:
        if name in environ and environ[name] != "":
            settings[name] = _coerce(name, environ[name])
    if test_config:
        settings.update(test_config)
    if not settings["SECRET_KEY"]:
        settings["SECRET_KEY"] = stored_secret_key(Path(settings["VAR_DIR"]))
    return settings


def stored_secret_key(var_dir: Path) -> str:
    """A key generated once and kept in var/, so sessions survive restarts and
    every worker process signs with the same key."""
    var_dir.mkdir(parents=True, exist_ok=True)
    path = var_dir / "secret_key"
    if not path.exists():
        # Written whole to a temporary name, then linked into place: a second
        # process starting at the same moment reads either nothing or the key.
        tmp = var_dir / f".secret_key.{os.getpid()}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()
