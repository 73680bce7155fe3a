"""Every route has a role requirement; each role is refused what it may not
use; every response carries the security headers."""
import pytest

from webapp.security import PUBLIC_ENDPOINTS, ROLES, SECURITY_HEADERS


def test_every_endpoint_requires_a_role(app):
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        view = app.view_functions[rule.endpoint]
        roles = getattr(view, "required_roles", None)
        if not roles or not set(roles) <= set(ROLES):
            missing.append(rule.endpoint)
    assert missing == [], f"endpoints without a role requirement: {missing}"


def test_public_endpoints_are_exactly_these(app):
    assert {r.endpoint for r in app.url_map.iter_rules()} >= PUBLIC_ENDPOINTS


def _get_routes(app):
    """Every GET route without URL parameters, with the roles it allows."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS or rule.arguments or "GET" not in rule.methods:
            continue
        yield rule.rule, app.view_functions[rule.endpoint].required_roles


@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin"])
def test_each_role_gets_403_where_it_may_not_go(app, auth, client, role):
    auth.login(role)
    refused = 0
    for path, allowed in _get_routes(app):
        status = client.get(path).status_code
        if role in allowed:
            assert status != 403, path
        else:
            assert status == 403, path
            refused += 1
    assert refused > 0, f"{role} should be refused somewhere"


def test_admin_may_go_everywhere(app, auth, client):
    auth.login("admin")
    for path, _ in _get_routes(app):
        assert client.get(path).status_code != 403, path


@pytest.mark.parametrize("path", ["/login", "/healthz", "/"])
def test_security_headers_exact(client, path):
    response = client.get(path)
    assert response.headers["Content-Security-Policy"] == (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
    )
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value


def test_session_cookie_flags(auth, client):
    response = auth.login("clinician")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_unknown_page_is_404_not_500(auth, client):
    auth.login("clinician")
    assert client.get("/no/such/page").status_code == 404
