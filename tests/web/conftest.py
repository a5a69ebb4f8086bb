"""Fixtures for the web app: an app on the test database, a client, users in roles and
organisations, and a helper that signs a client in."""

from __future__ import annotations

import itertools
import re

import pytest
from werkzeug.security import generate_password_hash

from engine.models import Child, Organisation, User, UserRole
from web import create_app

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
        with session.begin():
            child = Child(**values)
            session.add(child)
        return child

    return make


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
