"""Fixtures for the web app: an app on the test database, a client, users in roles and
organisations, and a helper that signs a client in."""

from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest
from werkzeug.security import generate_password_hash

from engine import forms
from engine.models import Child, Organisation, User, UserRole
from web import create_app
from web.api import keys

PASSWORD = "correct horse battery staple"  # noqa: S105
# Hashing is slow on purpose; tests hash once and share it.
_PASSWORD_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
_numbers = itertools.count(1)


@pytest.fixture
def app(database_url, sessions, fake_clock):
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test",
                      "WTF_CSRF_ENABLED": False, "SESSION_COOKIE_SECURE": False})
    yield app
    app.extensions["sqlalchemy_engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_org(session):
    def make(code: str | None = None, kind: str = "local_authority", name: str | None = None):
        code = code or f"org{next(_numbers)}"
        _end_reads(session)
        with session.begin():
            org = Organisation(code=code, name=name or code.title(), kind=kind)
            session.add(org)
        return org

    return make


@pytest.fixture
def make_user(session, make_org):
    """make_user("social_worker", org=org) -> a User with that role (an org is made if none
    is given). Every test user's password is PASSWORD."""

    def make(*roles: str, org: Organisation | None = None, email: str | None = None,
             name: str | None = None, kind: str = "local_authority") -> User:
        org = org or make_org(kind=kind)
        n = next(_numbers)
        _end_reads(session)
        with session.begin():
            user = User(email=email or f"user{n}@example.org", name=name or f"User {n}",
                        password_hash=_PASSWORD_HASH, organisation_id=org.id,
                        roles=[UserRole(role=r) for r in roles])
            session.add(user)
        return user

    return make


@pytest.fixture
def make_child(session):
    def make(org: Organisation, **fields) -> Child:
        import datetime as dt

        values = {"first_name": "Ava", "last_name": f"Test{next(_numbers)}",
                  "date_of_birth": dt.date(2011, 5, 14), "legal_status": "care_order",
                  "responsible_org_id": org.id, "flags": {}}
        values.update(fields)
        _end_reads(session)
        with session.begin():
            child = Child(**values)
            session.add(child)
        return child

    return make


def _end_reads(session) -> None:
    if session.in_transaction():
        session.commit()


def sign_in(client, email: str, password: str = PASSWORD):
    """Sign the test client in; fails the test if the app refuses."""
    response = client.post("/sign-in", data={"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response


@pytest.fixture
def signed_in(client):
    """signed_in(user) signs the client in as that user and returns the client."""

    def do(user: User):
        sign_in(client, user.email)
        return client

    return do


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


@pytest.fixture
def world(session, published, make_org, make_user, make_child):
    """A partnership with one reported episode: a council, its police force, a care home,
    and people in each, plus outsiders from another council and another force."""
    import datetime as dt
    from types import SimpleNamespace

    from engine import clock, forms
    from engine.commands import ReportEpisode
    from engine.executor import Actor, run

    council = make_org("wfc", name="Westmorland and Furness Council")
    other_council = make_org("lcc", name="Lancashire County Council")
    police = make_org("cumbria", kind="police", name="Cumbria Constabulary")
    other_police = make_org("met", kind="police", name="Metropolitan Police")
    home = make_org("brook", kind="provider", name="Brook House")
    w = SimpleNamespace(council=council, other_council=other_council, police_org=police,
                        other_police_org=other_police, home=home)
    w.sw = make_user("social_worker", org=council, name="Sam Social Worker")
    w.sw2 = make_user("social_worker", org=council, name="Sol Second Worker")
    w.tm = make_user("team_manager", org=council, name="Taylor Team Manager")
    w.police = make_user("police", org=police, name="Pat Police")
    w.police2 = make_user("police", org=police, name="Poppy Police")
    w.carer = make_user("carer", org=home, name="Chris Carer")
    w.outsider = make_user("social_worker", org=other_council, name="Olly Outsider")
    w.other_police = make_user("police", org=other_police, name="Max Met")
    w.process_owner = make_user("process_owner", org=council, name="Priya Owner")
    w.child = make_child(council, first_name="Ava", last_name="Example",
                         social_worker_id=w.sw.id, flags={"ce_risk": True},
                         placement_provider_id=home.id)
    report = dict(forms.load("missing_report")["example"])
    seen = clock.now() - dt.timedelta(minutes=30)
    report.update(last_seen_at=seen.isoformat(), reported_at=clock.now().isoformat(),
                  checks_deadline=(seen + dt.timedelta(minutes=20)).isoformat())
    w.episode = run(session, ReportEpisode(w.child.id, report, police_org_id=police.id),
                    Actor.for_user(w.carer))
    from engine.models import Case

    w.case = session.query(Case).filter_by(episode_id=w.episode.id,
                                           process_id="episode").one()
    session.rollback()
    return w


def open_items(session, **where):
    from engine.models import WorkItem

    session.rollback()
    items = session.query(WorkItem).filter_by(state="open", **where).order_by(
        WorkItem.id).all()
    session.commit()  # end the read, keep the objects loaded
    return items


@pytest.fixture
def api_key(session):
    """Headers carrying a new API key for `org` with `roles`."""

    def make(org, *roles):
        _, plain = keys.create(session, organisation_id=org.id, roles=list(roles),
                               name="Test system")
        return {"Authorization": f"Bearer {plain}"}

    return make


def missing_report_40_minutes_ago(fake_clock) -> dict:
    """The report form's example, last seen 40 minutes before now, reported now."""
    report = dict(forms.load("missing_report")["example"])
    seen = fake_clock.now() - dt.timedelta(minutes=40)
    report.update(last_seen_at=seen.isoformat(),
                  checks_deadline=(seen + dt.timedelta(minutes=20)).isoformat())
    report.pop("reported_at", None)
    return report
