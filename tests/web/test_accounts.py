"""Accounts: an administrator invites, the person sets a password through a one-time link
and a second factor, signs in; roles, deactivation and password changes end sessions;
API keys are listed, expire and are revoked."""

from __future__ import annotations

import datetime as dt
import re
import threading

import pyotp
import pytest
import requests
from click.testing import CliRunner
from sqlalchemy import select
from werkzeug.serving import make_server

from engine import clock
from engine.commands.accounts import InviteUser, RequestPasswordReset
from engine.executor import SYSTEM, run
from engine.models import AccountToken, ApiKey, AuditEvent, Notification, User
from engine.notifications.sender import MailSettings
from engine.worker import Worker
from web import create_app
from web.api import keys
from web.cli import main

from ..worker.mailserver import MailServer
from .conftest import PASSWORD, sign_in

NEW_PASSWORD = "three random words here"  # noqa: S105


@pytest.fixture
def app(database_url, sessions, fake_clock):
    """The app with the second factor on, as in production."""
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test",
                      "WTF_CSRF_ENABLED": False, "SESSION_COOKIE_SECURE": False,
                      "SECOND_FACTOR": True})
    yield app
    app.extensions["sqlalchemy_engine"].dispose()


def _actions(session, *names):
    session.rollback()
    return [e.action for e in session.scalars(select(AuditEvent).where(
        AuditEvent.action.in_(names)).order_by(AuditEvent.id))]


def _link(session, user_id) -> str:
    session.rollback()
    note = session.scalars(select(Notification).where(Notification.user_id == user_id)
                           .order_by(Notification.id.desc())).first()
    return note.path


def _enrol(client, fake_clock) -> list[str]:
    """On the set-up page: read the key, answer with the current code; the recovery codes."""
    page = client.get("/sign-in/set-up-second-factor").get_data(as_text=True)
    secret = re.search(r'id="setup-key">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    done = client.post("/sign-in/set-up-second-factor",
                       data={"code": pyotp.TOTP(secret).at(fake_clock.now())})
    assert done.status_code == 200, done.get_data(as_text=True)[:3000]
    return re.findall(r"<li><code>([0-9a-f]{5}-[0-9a-f]{5})</code></li>",
                      done.get_data(as_text=True))


def _set_up(client, session, user, fake_clock) -> list[str]:
    """A first sign-in as it happens: the one-time link from the e-mail sets the password
    (NEW_PASSWORD), then this browser sets up the second factor. The recovery codes."""
    reset = RequestPasswordReset(user.email)
    run(session, reset, SYSTEM)
    saved = client.post(f"/account/password/{reset.token}",
                        data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert saved.headers["Location"] == "/sign-in/set-up-second-factor"
    return _enrol(client, fake_clock)


def test_admin_invites_and_the_person_sets_password_and_second_factor(
        client, app, make_user, make_org, session, fake_clock):
    admin = make_user("admin")
    council = make_org("wfc", name="Westmorland and Furness Council")
    admin_client = app.test_client()
    sign_in(admin_client, admin.email)  # admins need a second factor too
    assert admin_client.get("/admin/users").status_code == 302
    _set_up(admin_client, session, admin, fake_clock)
    invite = admin_client.post("/admin/users/invite", data={
        "name": "Sam Worker", "email": "sam@example.org", "organisation_id": council.id,
        "roles": ["social_worker"], "team": "Kendal"})
    assert invite.status_code == 302, invite.get_data(as_text=True)[:3000]
    sam = session.scalar(select(User).where(User.email == "sam@example.org"))
    assert sam.role_keys == {"social_worker"} and sam.team == "Kendal"
    # no password works before the link is used
    refused = client.post("/sign-in", data={"email": "sam@example.org",
                                            "password": NEW_PASSWORD})
    assert refused.status_code == 400
    link = _link(session, sam.id)
    assert link.startswith("/account/password/")
    assert "Create your password" in client.get(link).get_data(as_text=True)
    short = client.post(link, data={"password": "short", "confirm": "short"})
    assert "12 characters or more" in short.get_data(as_text=True)
    saved = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    # the browser that used the link goes on to set up the second factor
    assert saved.headers["Location"] == "/sign-in/set-up-second-factor"
    assert client.get(link).headers["Location"] == "/account/reset"  # used once
    assert client.get("/").status_code == 302  # not signed in until the second factor
    codes = _enrol(client, fake_clock)
    assert len(codes) == 10
    assert client.get("/").status_code == 200
    assert _actions(session, "user.invited", "user.password_set",
                    "user.second_factor_enrolled", "user.signed_in")[-4:] == [
        "user.invited", "user.password_set", "user.second_factor_enrolled", "user.signed_in"]


def test_second_factor_wrong_code_and_recovery_codes_once(app, make_user, session,
                                                          fake_clock):
    user = make_user("police")
    client = app.test_client()
    codes = _set_up(client, session, user, fake_clock)
    client.post("/sign-out")
    for code in ("000000", codes[0], codes[0]):
        response = client.post("/sign-in", data={"email": user.email,
                                                 "password": NEW_PASSWORD})
        assert response.headers["Location"] == "/sign-in/second-factor"
        answer = client.post("/sign-in/second-factor", data={"code": code})
        if code == codes[0] and client.get("/").status_code == 200:
            client.post("/sign-out")
            continue
        assert answer.status_code == 400
        assert "Enter the code your authenticator app shows now" in answer.get_data(
            as_text=True)
    assert _actions(session, "user.recovery_code_used") == ["user.recovery_code_used"]


def test_a_password_alone_cannot_re_enrol_the_second_factor(app, make_user, session,
                                                            fake_clock):
    user = make_user("police")
    client = app.test_client()
    _set_up(client, session, user, fake_clock)
    client.post("/sign-out")
    client.post("/sign-in", data={"email": user.email, "password": NEW_PASSWORD})
    response = client.get("/sign-in/set-up-second-factor")
    assert response.headers["Location"] == "/sign-in/second-factor"


def test_a_password_alone_cannot_enrol_the_first_second_factor(app, make_user, session,
                                                              fake_clock):
    """Someone who has learnt the password of an account not yet set up must not enrol
    their own phone: only the browser that used the e-mailed link may."""
    user = make_user("police")
    intruder = app.test_client()
    signed = intruder.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert signed.headers["Location"] == "/sign-in/set-up-second-factor"
    page = intruder.get("/sign-in/set-up-second-factor")
    html = page.get_data(as_text=True)
    assert page.status_code == 403
    assert "Finish setting up your account from your e-mail" in html
    assert 'id="setup-key"' not in html
    refused = intruder.post("/sign-in/set-up-second-factor", data={"code": "123456"})
    assert refused.status_code == 403
    session.rollback()
    assert session.get(User, user.id).totp_secret is None
    assert intruder.get("/").status_code == 302
    # the owner, from the link in their e-mail, sets it up
    assert len(_set_up(app.test_client(), session, user, fake_clock)) == 10


def test_process_owners_need_no_second_factor(app, make_user):
    owner = make_user("process_owner")
    response = app.test_client().post("/sign-in", data={"email": owner.email,
                                                        "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_an_invitation_link_expires(client, make_org, session, fake_clock):
    org = make_org()
    invite = InviteUser("late@example.org", "Late Person", org.id, ["carer"])
    user = run(session, invite, SYSTEM)
    fake_clock.advance(days=8)
    response = client.get(f"/account/password/{invite.token}")
    assert response.headers["Location"] == "/account/reset"
    assert client.post(f"/account/password/{invite.token}", data={
        "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    session.rollback()
    assert session.get(User, user.id).password_set_at is None


def test_reset_sends_a_link_only_to_an_account_and_answers_the_same(client, make_user,
                                                                    session):
    user = make_user("carer")
    for email in (user.email, "nobody@example.org"):
        page = client.post("/account/reset", data={"email": email}).get_data(as_text=True)
        assert "If " + email + " has an account" in page
    session.rollback()
    assert session.scalars(select(AccountToken.user_id)).all() == [user.id]
    link = _link(session, user.id)
    client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    sign_in(client, user.email, NEW_PASSWORD)


@pytest.mark.parametrize("change", ["roles", "deactivate"])
def test_a_role_change_or_deactivation_ends_every_session(app, make_user, session, change):
    from engine.commands.accounts import ChangeUser, SetUserActive

    user = make_user("process_owner")  # no second factor: the sign-in is one step
    client = app.test_client()
    sign_in(client, user.email)
    assert client.get("/").status_code == 200
    command = (ChangeUser(user.id, ["process_owner", "carer"]) if change == "roles"
               else SetUserActive(user.id, False))
    run(session, command, SYSTEM)
    assert client.get("/").status_code == 302


def test_a_password_change_ends_every_session(app, client, make_user, session):
    from engine.commands.accounts import RequestPasswordReset, SetPasswordWithToken

    user = make_user("process_owner")
    sign_in(client, user.email)
    reset = RequestPasswordReset(user.email)
    run(session, reset, SYSTEM)
    run(session, SetPasswordWithToken(reset.token, NEW_PASSWORD, NEW_PASSWORD), SYSTEM)
    assert client.get("/").status_code == 302


def test_admin_pages_refuse_other_roles_and_audit_it(client, make_user, session, fake_clock):
    user = make_user("team_manager")
    _set_up(client, session, user, fake_clock)
    for path in ("/admin/users", "/admin/organisations", "/admin/api-keys", "/admin/audit"):
        assert client.get(path).status_code == 403
    assert _actions(session, "access.refused") == ["access.refused"]  # the 1st of the hour


def test_admin_adds_an_organisation_with_a_kind(client, make_user, session, fake_clock):
    from engine.models import Organisation

    admin = make_user("process_owner", "admin")
    _set_up(client, session, admin, fake_clock)
    bad = client.post("/admin/organisations", data={"name": "", "code": "X Y", "kind": "x"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert "Enter the organisation&#39;s name" in html or "Enter the organisation's name" in html
    assert client.post("/admin/organisations", data={
        "name": "Brook House", "code": "brook", "kind": "provider"}).status_code == 302
    session.rollback()
    assert session.scalar(select(Organisation.kind).where(Organisation.code == "brook")) \
        == "provider"
    assert _actions(session, "organisation.created") == ["organisation.created"]


def test_api_keys_listed_revoked_and_expired_get_401(client, make_user, make_org, session,
                                                     fake_clock, database_url):
    police = make_org("cumbria-police", kind="police")
    _, plain = keys.create(session, organisation_id=police.id, roles=["police"],
                           name="Niche RMS",
                           expires_at=fake_clock.now() + dt.timedelta(days=30))
    headers = {"Authorization": f"Bearer {plain}"}
    assert client.get("/api/v1/work-items", headers=headers).status_code == 200
    listed = CliRunner().invoke(main, ["--database-url", database_url, "api-key", "list"])
    assert "Niche RMS" in listed.output and "active" in listed.output
    assert "last used 02 Mar 2026 09:00" in listed.output
    fake_clock.advance(days=31)
    assert client.get("/api/v1/work-items", headers=headers).status_code == 401
    fake_clock.advance(days=-31)
    prefix = plain.split("_")[1]
    revoked = CliRunner().invoke(main, ["--database-url", database_url, "api-key", "revoke",
                                        prefix])
    assert revoked.exit_code == 0, revoked.output
    assert client.get("/api/v1/work-items", headers=headers).status_code == 401
    session.rollback()
    assert session.scalar(select(ApiKey.revoked_at)) is not None


def test_admin_revokes_an_api_key_on_the_web(client, make_user, make_org, session,
                                            fake_clock):
    police = make_org("pol", kind="police")
    admin = make_user("admin")
    _set_up(client, session, admin, fake_clock)
    made = client.post("/admin/api-keys", data={"name": "Storm", "organisation_id": police.id,
                                                "roles": ["police"]})
    plain = re.search(r'<code id="new-key">([^<]+)</code>', made.get_data(as_text=True))
    assert plain, made.get_data(as_text=True)[-3000:]
    headers = {"Authorization": f"Bearer {plain.group(1)}"}
    assert client.get("/api/v1/work-items", headers=headers).status_code == 200
    key_id = session.scalar(select(ApiKey.id))
    session.rollback()
    assert client.post(f"/admin/api-keys/{key_id}/revoke").status_code == 302
    assert client.get("/api/v1/work-items", headers=headers).status_code == 401


# --- the whole path over HTTP: a new administrator invites a social worker ---


@pytest.fixture
def served(database_url, sessions, fake_clock):
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test",
                      "SESSION_COOKIE_SECURE": False, "SECOND_FACTOR": True})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    app.extensions["sqlalchemy_engine"].dispose()


def _form(http, url, data):
    page = http.get(url)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return http.post(url, data={"csrf_token": token, **data})


def _enrol_over_http(http, base, now):
    page = http.get(f"{base}/sign-in/set-up-second-factor").text
    secret = re.search(r'id="setup-key">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    done = _form(http, f"{base}/sign-in/set-up-second-factor",
                 {"code": pyotp.TOTP(secret).at(now)})
    assert "Save your recovery codes" in done.text


def test_new_admin_invites_a_social_worker_who_signs_in_end_to_end_over_http(
        served, sessions, session, make_user, make_org, fake_clock):
    council = make_org("wfc", name="Westmorland and Furness Council")
    admin = make_user("admin", org=council, email="new.admin@example.org")
    mail = MailServer()
    mail.start()
    try:
        admin_http = requests.Session()
        reset = RequestPasswordReset(admin.email)  # the new administrator's own link
        run(session, reset, SYSTEM)
        saved = _form(admin_http, f"{served}/account/password/{reset.token}",
                      {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
        assert saved.url.endswith("/sign-in/set-up-second-factor")
        _enrol_over_http(admin_http, served, fake_clock.now())
        invited = _form(admin_http, f"{served}/admin/users/invite", {
            "name": "Sam Worker", "email": "sam.worker@example.org",
            "organisation_id": str(council.id), "roles": "social_worker"})
        assert "Sam Worker is invited" in invited.text
        settings = MailSettings(host="127.0.0.1", port=mail.port, base_url=served)
        Worker(sessions, mail=settings, sleep=lambda s: None).run_once()
        [message] = [m for m in mail.messages if m["To"] == "sam.worker@example.org"]
        body = message.get_content()
        link = re.search(r"Open it: (\S+)", body).group(1)
        assert link.startswith(f"{served}/account/password/")
        worker_http = requests.Session()
        saved = _form(worker_http, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
        assert "Your password is set" in saved.text
        assert saved.url.endswith("/sign-in/set-up-second-factor")
        _enrol_over_http(worker_http, served, fake_clock.now())
        inbox = worker_http.get(f"{served}/")
        assert inbox.status_code == 200 and "Sam Worker" in inbox.text
    finally:
        mail.stop()
    session.rollback()
    note = session.scalar(select(Notification).where(Notification.kind == "account"))
    assert "/account/password/" not in (note.link or "")  # the sent link is not kept
    assert clock.now() == fake_clock.now()


def test_administrators_commands_invite_set_roles_and_deactivate(database_url, session):
    cli = CliRunner()

    def call(*args):
        result = cli.invoke(main, ["--database-url", database_url, *args])
        return result

    assert call("org", "add", "wfc", "Westmorland and Furness Council",
                "--kind", "local_authority").exit_code == 0
    bad = call("org", "add", "Bad Code", "X", "--kind", "police")
    assert bad.exit_code == 1 and "code" in bad.output
    invited = call("user", "invite", "sam@example.org", "Sam Worker", "--org", "wfc",
                   "--role", "social_worker", "--team", "Kendal")
    assert invited.exit_code == 0, invited.output
    assert call("user", "roles", "sam@example.org", "--role", "team_manager").exit_code == 0
    assert call("user", "deactivate", "sam@example.org").exit_code == 0
    listed = call("user", "list").output
    assert "sam@example.org  wfc  team_manager  deactivated" in listed
    session.rollback()
    assert _actions(session, "organisation.created", "user.invited", "user.changed",
                    "user.deactivated") == ["organisation.created", "user.invited",
                                            "user.changed", "user.deactivated"]


def test_demo_users_sign_in_with_the_published_key(app, session, published, fake_clock):
    from web import demo

    assert demo.load(session)
    client = app.test_client()
    response = client.post("/sign-in", data={"email": "social.worker@example.org",
                                             "password": demo.DEMO_PASSWORD})
    assert response.headers["Location"] == "/sign-in/second-factor"
    code = pyotp.TOTP(demo.DEMO_TOTP_SECRET).at(fake_clock.now())
    assert client.post("/sign-in/second-factor", data={"code": code}).status_code == 302
    assert client.get("/").status_code == 200
