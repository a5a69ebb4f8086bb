"""The access matrix (issue 14): every route of the app and the API, generated from the URL
map, x every role x four organisations (the child's authority A, another authority B, the
police force of the episode, the provider of the placement), people signed in and API keys.

For each request: a 200 showing the child's name or date of birth is allowed only to someone
with a reason (`engine.access.can_see_child`), and must have written an audit row for that
child by that someone. Nobody without a reason is shown the child anywhere; no request is
answered with a 500. A new route is in the matrix the day it is added.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pytest
from sqlalchemy import func, select, text

from engine import access, caches, clock, db, forms, specs
from engine.assignment import ROLES
from engine.commands import PublishProcesses, ReportEpisode
from engine.executor import SYSTEM, Actor, run
from engine.models import (
    AuditEvent,
    Base,
    Case,
    Child,
    Organisation,
    ProcessVersion,
    User,
    UserRole,
    WorkItem,
)
from web import create_app
from web.api import keys

from ..conftest import PROCESSES
from .conftest import _PASSWORD_HASH, PASSWORD

FIRST, LAST, BORN = "Zenobia", "Quillfeather", dt.date(2011, 5, 14)
CHILD_DATA = (f"{FIRST} {LAST}", LAST, BORN.isoformat(), "14 May 2011", "14/05/2011")

# Rules left out of the matrix, each with its reason.
SKIPPED_ENDPOINTS = {
    "static": "the app's own files, no data",
    "assets.vendor": "third-party scripts, no data",
    "assets.favicon": "an icon",
    "assets.govuk_assets": "GOV.UK Frontend's fonts and images, no data",
    "api.openapi": "the API's description, no data",
    "auth.sign_in": "signing in is how the matrix signs in",
    "auth.sign_out": "would end the session under test",
    "auth.second_factor": "signing in (off under TESTING)",
    "auth.set_up_second_factor": "signing in (off under TESTING)",
    "auth.sso_start": "single sign-on hand-over to the identity provider",
    "auth.sso_callback": "single sign-on hand-back from the identity provider",
    "auth.reset_password": "password reset for people who are not signed in",
    "auth.set_password": "password set for people who are not signed in",
}
SKIPPED_PREFIXES = ("/static/", "/vendor/", "/assets/")

ORGS = ("A", "B", "police", "provider")
ORG_KIND = {"A": "local_authority", "B": "local_authority", "police": "police",
            "provider": "provider"}


def _empty(db_engine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with db_engine.begin() as conn:
        if db_engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))
    caches.clear()  # the ids are used again


@pytest.fixture(scope="module")
def matrix(database_url, db_engine):
    """One seeded database for the whole matrix, emptied afterwards."""
    from types import SimpleNamespace

    fake = clock.FakeClock(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
    clock.install()
    clock.set_clock(fake)
    sessions = db.make_session_factory(db_engine)
    session = sessions()
    try:
        run(session, PublishProcesses(specs.read_directory(PROCESSES), "tests"), SYSTEM)
        m = SimpleNamespace(orgs={}, users={}, keys={})
        with session.begin():
            for code in ORGS:
                org = Organisation(code=f"m-{code}", name=f"Matrix {code}", kind=ORG_KIND[code])
                session.add(org)
                m.orgs[code] = org
            session.flush()
            for code in ORGS:
                for role in ROLES:
                    user = User(email=f"{role}@{code}.example.org", name=f"{role} of {code}",
                                password_hash=_PASSWORD_HASH,
                                organisation_id=m.orgs[code].id,
                                roles=[UserRole(role=role)])
                    session.add(user)
                    m.users[code, role] = user
            child = Child(first_name=FIRST, last_name=LAST, date_of_birth=BORN,
                          legal_status="care_order", responsible_org_id=m.orgs["A"].id,
                          placement_provider_id=m.orgs["provider"].id, flags={})
            session.add(child)
        for code in ("A", "B"):
            for role in ROLES:
                _, plain = keys.create(session, organisation_id=m.orgs[code].id,
                                       roles=[role], name=f"{role} system of {code}")
                m.keys[code, role] = {"Authorization": f"Bearer {plain}"}
        report = dict(forms.load("missing_report")["example"])
        seen = clock.now() - dt.timedelta(minutes=30)
        report.update(last_seen_at=seen.isoformat(), reported_at=clock.now().isoformat(),
                      checks_deadline=(seen + dt.timedelta(minutes=20)).isoformat())
        episode = run(session, ReportEpisode(child.id, report,
                                             police_org_id=m.orgs["police"].id),
                      Actor.for_user(m.users["provider", "carer"]))
        m.child_id, m.episode_id = child.id, episode.id
        m.case_id = session.scalar(select(Case.id).where(Case.episode_id == episode.id,
                                                         Case.process_id == "episode"))
        m.item_id = session.scalar(select(WorkItem.id).where(WorkItem.case_id == m.case_id)
                                   .order_by(WorkItem.id))
        m.version = session.scalar(select(ProcessVersion.version).where(
            ProcessVersion.process_id == "episode").order_by(ProcessVersion.version))
        m.reason = {key: access.can_see_child(session, user, child.id)
                    for key, user in m.users.items()}
        m.user_ids = {key: user.id for key, user in m.users.items()}
        m.key_user_ids = {key: session.scalar(select(User.id).where(
            User.name == f"{role} system of {key[0]}")) for key in m.keys
            for role in [key[1]]}
        m.key_reason = {key: access.can_see_child(session, session.get(User, uid),
                                                  child.id)
                        for key, uid in m.key_user_ids.items()}
        session.commit()
        m.app = create_app({"TESTING": True, "DATABASE_URL": database_url,
                            "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False,
                            "SESSION_COOKIE_SECURE": False})
        m.sessions = sessions
        m.routes = _routes(m)
        yield m
        m.app.extensions["sqlalchemy_engine"].dispose()
    finally:
        session.close()
        _empty(db_engine)
        clock.set_clock(clock.SystemClock())


def _routes(m) -> list[tuple[str, str, str]]:
    """(endpoint, method, path) for every rule not skipped, with A's child's ids filled in."""
    values = {"child_id": m.child_id, "case_id": m.case_id, "item_id": m.item_id,
              "episode_id": m.episode_id, "version": m.version, "process_id": "episode",
              "kind": "placement", "year": 2026, "name": "header",
              "clock_name": "strategy", "outcome": "overdue", "filename": "episode.bpmn"}
    routes = []
    for rule in m.app.url_map.iter_rules():
        if rule.endpoint in SKIPPED_ENDPOINTS or rule.rule.startswith(SKIPPED_PREFIXES):
            continue
        args = {arg: values.get(arg, 1) for arg in rule.arguments}
        path = rule.rule
        for arg, value in args.items():
            path = re.sub(rf"<(?:[^:<>]+:)?{arg}>", str(value), path)
        for method in ("GET", "POST"):
            if method in rule.methods:
                routes.append((rule.endpoint, method, path))
    return sorted(routes)


# Searches are reads: they are sent with the child's details, to everyone.
SEARCHES = {"report.find_child": {"name": LAST},
            "children.find": {"q": f"{LAST} 14/05/2011"},
            "api.find_children": {"last_name": LAST, "date_of_birth": BORN.isoformat()},
            "api.search_children": {"q": f"{LAST} 14/05/2011"}}


def _shows_child(response, asked=None) -> bool:
    data = response.get_data()
    if data.startswith(b"PK"):  # a spreadsheet: look inside
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            data = b"".join(archive.read(name) for name in archive.namelist())
    body = data.decode("utf-8", errors="replace")
    echoed = set((asked or {}).values())  # the words searched for are shown back
    for words in echoed:
        body = body.replace(words, "")
    return any(piece in body for piece in CHILD_DATA if piece not in echoed)


def _audited(m, actor_id: int, after: int) -> bool:
    with m.sessions() as session:
        rows = session.execute(select(AuditEvent.child_id, AuditEvent.action,
                                      AuditEvent.detail).where(
            AuditEvent.id > after, AuditEvent.actor_id == actor_id)).all()
    return any(child_id == m.child_id or (action == "child.searched"
                                          and m.child_id in (detail or {}).get("children", []))
               for child_id, action, detail in rows)


def _last_audit(m) -> int:
    with m.sessions() as session:
        return session.scalar(select(func.coalesce(func.max(AuditEvent.id), 0)))


def _check(m, client, who: str, reason: bool, actor_id: int, routes, headers=None):
    problems = []
    for endpoint, method, path in routes:
        search = SEARCHES.get(endpoint)
        if method == "POST" and reason and search is None:
            continue  # people with a reason would change the case: not the matrix's job
        before = _last_audit(m)
        if method == "GET":
            response = client.get(path, headers=headers, query_string=search)
        else:
            response = (client.post(path, headers=headers, json=search)
                        if search and path.startswith("/api/")
                        else client.post(path, headers=headers, data=search or {}))
        where = f"{method} {path} ({endpoint}) as {who}"
        if response.status_code >= 500:
            problems.append(f"{where}: {response.status_code}")
            continue
        if not _shows_child(response, search):
            continue
        if not reason:
            problems.append(f"{where}: {response.status_code} shows the child without a reason")
        elif response.status_code == 200 and not _audited(m, actor_id, before):
            problems.append(f"{where}: shows the child with no audit row")
    return problems


def test_the_matrix_covers_every_route(matrix):
    endpoints = {endpoint for endpoint, _, _ in matrix.routes}
    assert {"children.show", "cases.show", "tasks.show", "api.read_case",
            "api.find_children", "report.find_child"} <= endpoints
    assert not matrix.reason["B", "social_worker"]
    assert matrix.reason["A", "social_worker"]
    assert not any(reason for (code, _), reason in matrix.key_reason.items() if code == "B")


@pytest.mark.parametrize("role", list(ROLES))
def test_signed_in_people_see_the_child_only_with_a_reason_and_audited(matrix, role):
    problems = []
    pages = [r for r in matrix.routes if not r[2].startswith("/api/")]
    for code in ORGS:
        client = matrix.app.test_client()
        signed = client.post("/sign-in", data={"email": f"{role}@{code}.example.org",
                                               "password": PASSWORD})
        assert signed.status_code == 302, f"{role} of {code} could not sign in"
        problems += _check(matrix, client, f"{role} of {code}", matrix.reason[code, role],
                           matrix.user_ids[code, role], pages)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", list(ROLES))
def test_api_keys_see_the_child_only_with_a_reason_and_audited(matrix, role):
    problems = []
    api = [r for r in matrix.routes if r[2].startswith("/api/")]
    for code in ("A", "B"):
        client = matrix.app.test_client()
        problems += _check(matrix, client, f"{role} key of {code}",
                           matrix.key_reason[code, role], matrix.key_user_ids[code, role],
                           api, headers=matrix.keys[code, role])
    assert not problems, "\n".join(problems)
