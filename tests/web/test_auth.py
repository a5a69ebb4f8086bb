import datetime as dt

from engine.models import AuditEvent, LoginFailure

from .conftest import PASSWORD, sign_in


def test_sign_in_page_renders_with_govuk_layout(client):
    response = client.get("/sign-in")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Sign in – Safeguard Flow</title>" in html
    assert "govuk-frontend.min.css" in html
    assert 'name="csrf_token"' in html


def test_inbox_needs_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_sign_in_and_out(client, make_user, session):
    user = make_user("social_worker")
    response = sign_in(client, user.email)
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    response = client.post("/sign-out")
    assert response.status_code == 302
    assert client.get("/").status_code == 302
    actions = [e.action for e in session.query(AuditEvent).order_by(AuditEvent.id)]
    assert actions == ["user.signed_in", "user.signed_out"]


def test_wrong_password_gets_a_generic_message(client, make_user):
    user = make_user("police")
    wrong = client.post("/sign-in", data={"email": user.email, "password": "nope"})
    unknown = client.post("/sign-in", data={"email": "nobody@example.org",
                                            "password": "nope"})
    for response in (wrong, unknown):
        html = response.get_data(as_text=True)
        assert response.status_code == 400
        assert "Enter a correct email address and password" in html
        assert "govuk-error-summary" in html
        assert "<title>Error: Sign in" in html


def test_empty_fields_are_named(client):
    html = client.post("/sign-in", data={}).get_data(as_text=True)
    assert "Enter your email address" in html
    assert "Enter your password" in html


def test_sign_in_is_throttled_per_account(client, make_user, fake_clock, session):
    user = make_user("police")
    for _ in range(5):
        client.post("/sign-in", data={"email": user.email, "password": "wrong"})
    locked = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert locked.status_code == 429
    assert "Too many attempts" in locked.get_data(as_text=True)
    fake_clock.advance(minutes=16)
    sign_in(client, user.email)
    assert session.query(LoginFailure).filter(
        LoginFailure.key == f"account:{user.email}").count() == 0


def test_sign_in_is_throttled_per_address(client, make_user):
    user = make_user("police")
    for n in range(20):
        client.post("/sign-in", data={"email": f"guess{n}@example.org", "password": "x"})
    locked = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert locked.status_code == 429


def test_session_ends_after_30_idle_minutes(client, make_user, fake_clock):
    user = make_user("police")
    sign_in(client, user.email)
    assert client.get("/").status_code == 200
    fake_clock.advance(minutes=29)
    assert client.get("/").status_code == 200
    fake_clock.advance(dt.timedelta(minutes=31))
    response = client.get("/")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You were signed out because you had not done anything" in page


def test_next_only_goes_to_this_site(client, make_user):
    user = make_user("police")
    response = client.post("/sign-in?next=//evil.example/x",
                           data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_sign_in_refused_without_csrf_token(app, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    user = make_user("police")
    response = app.test_client().post("/sign-in", data={"email": user.email,
                                                        "password": PASSWORD})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)


def test_security_headers(client):
    response = client.get("/sign-in")
    policy = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    assert "script-src 'self' 'sha256-" in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_session_cookie_flags(app, make_user):
    app.config["SESSION_COOKIE_SECURE"] = True
    user = make_user("police")
    response = app.test_client().post("/sign-in", data={"email": user.email,
                                                        "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie


def _status(client, path):
    with client.get(path) as response:
        return response.status_code


def test_govuk_assets_are_served_and_node_modules_is_not(client):
    assert _status(client, "/assets/images/favicon.ico") == 200
    assert _status(client, "/favicon.ico") == 200
    assert _status(client, "/vendor/govuk-frontend/dist/govuk/govuk-frontend.min.css") == 200
    assert _status(client, "/vendor/govuk-frontend/dist/govuk/govuk-frontend.min.js") == 200
    assert _status(client, "/vendor/package.json") == 404
    assert _status(client, "/vendor/govuk-frontend/../../package-lock.json") == 404
