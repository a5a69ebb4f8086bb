"""A completion over real HTTP, and what it costs the database.

A werkzeug server on loopback runs the app on SQLite (or BENCH_DATABASE_URL); `requests`
completes the first step of real episodes ("Grade the risk") two ways:
- the JSON API: `POST /api/v1/work-items/<id>/complete` with an API key;
- the form: `POST /work/<id>` as a signed-in police officer's browser sends it (CSRF
  token read from the page first, outside the timing).
For each: median and p95 of the request, and the SQL statements and commits the server
ran per completion (counted on the app's engine). Then the JSON API again through the
server production runs, gunicorn (one worker), with the client in another process, as a
client is: the werkzeug server shares this process's interpreter with the client.
Targets (issue 16): median at most 8 ms; at most 8 statements and 1 commit per
completion. SpiffArena's task submit on the same machine was 96 ms (the issue's anchor).
Not a test: nothing fails on a time.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
from sqlalchemy import event, select
from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import served  # noqa: E402

from engine import clock, db, forms, migrate, specs, workflow_cache  # noqa: E402
from engine.commands import PublishProcesses, ReportEpisode  # noqa: E402
from engine.executor import SYSTEM, run  # noqa: E402
from engine.models import Case, Child, Organisation, User, UserRole, WorkItem  # noqa: E402
from web import create_app  # noqa: E402
from web.api import keys  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "100"))
PASSWORD = "bench-password-2026"  # noqa: S105
STEP = "grade_risk"
FORM = {"risk_grade": "medium", "risk_reason": "First episode; no known exploitation.",
        "ce_linked": "no"}


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main():
    clock.install()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/http.sqlite3"
        migrate.upgrade(url)
        sessions = db.make_session_factory(db.make_engine(url))
        with sessions() as session:
            key, email, items = seed(session, RUNS * 3)
        # Each case's state is parsed from the database, as when another process saved its
        # last step: the seeding's workflows are not kept (bench/complete_step.py measures
        # both).
        workflow_cache.clear()
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-" + "x" * 40,
                          "SESSION_COOKIE_SECURE": False, "SECOND_FACTOR": False,
                          "SAFEGUARD_ENV": "development"})
        counter = Counter(app.extensions["sqlalchemy_engine"])
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        try:
            print(f"completion over HTTP, real episode step ({STEP}), "
                  f"{url.split(':', 1)[0]}, {RUNS} each")
            report("JSON API", *api(base, key, items[:RUNS], counter))
            report("form POST", *browser(base, email, items[RUNS:2 * RUNS], counter))
        finally:
            server.shutdown()
        with served.gunicorn(url, 1) as base:
            times, _, _ = api(base, key, items[2 * RUNS:], None)
        ms = [t * 1000 for t in times]
        print(f"  JSON API through gunicorn (1 worker): median {statistics.median(ms):.1f} ms, "
              f"p95 {percentile(ms, 95):.1f} ms; the same statements as above")
    print("anchor: SpiffArena task submit 96 ms on this machine (issue 16); target median "
          "at most 8 ms, at most 8 statements + 1 commit")


class Counter:
    def __init__(self, engine):
        self.statements = self.commits = 0
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", self._commit)

    def _statement(self, *args):
        self.statements += 1

    def _commit(self, *args):
        self.commits += 1

    def reset(self):
        self.statements = self.commits = 0


def seed(session, n):
    run(session, PublishProcesses(specs.read_directory(ROOT / "processes")), SYSTEM)
    with session.begin():
        org = Organisation(code="bench", name="Bench Council", kind="local_authority")
        police = Organisation(code="bench-police", name="Bench Police", kind="police")
        session.add_all([org, police])
        session.flush()
        officer = User(email="officer@bench.example", name="Bench Officer",
                       password_hash=generate_password_hash(PASSWORD),
                       organisation_id=police.id, roles=[UserRole(role="police")],
                       password_set_at=clock.now())
        children = [Child(first_name="Bench", last_name=f"Child {i}",
                          date_of_birth=dt.date(2012, 1, 1), responsible_org_id=org.id,
                          legal_status="not_in_care", flags={}) for i in range(n)]
        session.add(officer)
        session.add_all(children)
    _, plain = keys.create(session, organisation_id=police.id, roles=["police"],
                           name="Bench system")
    report = dict(forms.load("missing_report")["example"])
    now = clock.now()
    report.update(last_seen_at=(now - dt.timedelta(minutes=40)).isoformat(),
                  reported_at=(now - dt.timedelta(minutes=10)).isoformat(),
                  checks_deadline=(now - dt.timedelta(minutes=15)).isoformat(),
                  police_org_id=police.id)
    items = []
    for child in children:
        episode = run(session, ReportEpisode(child.id, report), SYSTEM)
        items.append(session.scalar(select(WorkItem.id).join(Case).where(
            Case.episode_id == episode.id, WorkItem.element_id == STEP)))
        session.rollback()
    return plain, officer.email, items


def api(base, key, items, counter):
    http = requests.Session()
    headers = {"Authorization": f"Bearer {key}"}
    data = forms.load(STEP)["example"]
    times, statements, commits = [], [], []
    for item in items:
        if counter is not None:
            counter.reset()
        start = time.perf_counter()
        answer = http.post(f"{base}/api/v1/work-items/{item}/complete", headers=headers,
                           json={"data": data})
        times.append(time.perf_counter() - start)
        assert answer.status_code == 200, (answer.status_code, answer.text[:500])
        if counter is not None:
            statements.append(counter.statements)
            commits.append(counter.commits)
    return times, statements, commits


def browser(base, email, items, counter):
    http = requests.Session()
    page = http.get(f"{base}/sign-in")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    signed = http.post(f"{base}/sign-in", data={"csrf_token": token, "email": email,
                                                "password": PASSWORD})
    assert signed.status_code == 200 and "Sign out" in signed.text, signed.text[:500]
    times, statements, commits = [], [], []
    for item in items:
        page = http.get(f"{base}/work/{item}")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        revision = re.search(r'name="revision" value="(\d+)"', page.text)
        body = {"csrf_token": token, "action": "complete", **FORM}
        if revision:
            body["revision"] = revision.group(1)
        counter.reset()
        start = time.perf_counter()
        answer = http.post(f"{base}/work/{item}", data=body, allow_redirects=False)
        times.append(time.perf_counter() - start)
        assert answer.status_code in (302, 303), (answer.status_code, answer.text[:800])
        statements.append(counter.statements)
        commits.append(counter.commits)
    return times, statements, commits


def report(label, times, statements, commits):
    ms = [t * 1000 for t in times]
    print(f"  {label}: median {statistics.median(ms):.1f} ms, p95 {percentile(ms, 95):.1f} ms;"
          f" {statistics.median(statements):.0f} SQL statements and "
          f"{statistics.median(commits):.0f} commits per completion (median)")


if __name__ == "__main__":
    main()
