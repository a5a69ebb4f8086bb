"""Demo organisations, users, children and episodes at several points in the flow.

Every demo user's password is `DEMO_PASSWORD`, and every one shares the second-factor key
`DEMO_TOTP_SECRET` (add it once to an authenticator app, or run `safeguard demo --code`);
the README lists them. Demo only: real accounts each enrol their own key.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from engine import audit, clock
from engine.commands import CompleteWorkItem, FireTimers, ReportEpisode, ReportFound
from engine.commands.fire_timers import due_case_ids
from engine.executor import SYSTEM, Actor, run
from engine.models import Child, Organisation, User, UserRole, WorkItem

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 (published in the README)
DEMO_TOTP_SECRET = "SAFEGUARDFLOWDEMOKEYSHAREDBYALLA"  # noqa: S105 (published in the README)

ORGANISATIONS = [
    ("wfc", "Westmorland and Furness Council", "local_authority"),
    ("lcc", "Lancashire County Council", "local_authority"),
    ("cumbria-police", "Cumbria Constabulary", "police"),
    ("home-office", "Home Office", "home_office"),
    ("nhs-nc", "North Cumbria Integrated Care NHS Foundation Trust", "health"),
    ("brook-house", "Brook House Children's Home", "provider"),
]

# (email, name, organisation, roles)
USERS = [
    ("carer@example.org", "Chris Carer", "brook-house", ["carer"]),
    ("police@example.org", "Pat Police", "cumbria-police", ["police"]),
    ("inspector@example.org", "Imran Inspector", "cumbria-police", ["police_supervisor"]),
    ("chief.inspector@example.org", "Ivy Chief Inspector", "cumbria-police",
     ["police_inspector"]),
    ("mach@example.org", "Morgan MACH", "cumbria-police", ["mach"]),
    ("social.worker@example.org", "Sam Social Worker", "wfc", ["social_worker"]),
    ("team.manager@example.org", "Taylor Team Manager", "wfc", ["team_manager"]),
    ("iro@example.org", "Indira IRO", "wfc", ["iro"]),
    ("rhi@example.org", "Robin RHI Worker", "wfc", ["rhi_worker"]),
    ("edt@example.org", "Eden EDT", "wfc", ["edt"]),
    ("metco@example.org", "Mel METCO", "wfc", ["metco"]),
    ("service.manager@example.org", "Sasha Service Manager", "wfc", ["service_manager"]),
    ("home.office@example.org", "Harper Home Office", "home-office", ["home_office"]),
    ("health@example.org", "Hana Health", "nhs-nc", ["health"]),
    ("process.owner@example.org", "Priya Process Owner", "wfc", ["process_owner"]),
    ("admin@example.org", "Alex Administrator", "wfc", ["admin"]),
    ("dpo@example.org", "Dana Data Protection Officer", "wfc", ["dpo"]),
]


def load(session) -> bool:
    """Add the demo data unless it is there already. Returns whether it added anything."""
    if session.scalar(select(User).where(User.email == USERS[0][0])) is not None:
        session.rollback()
        return False
    orgs, users, children = run(session, AddDemoPeople(), SYSTEM)
    _records(session, orgs, users, children)
    _episodes(session, children, users)
    _history(session)
    return True


class AddDemoPeople:
    """The demo's organisations, users and children in one engine command (audited like
    any other write): returns them by key for the steps that follow."""

    def __call__(self, ctx):
        orgs = _organisations(ctx.session)
        users = _users(ctx.session, orgs)
        children = _children(ctx.session, orgs, users)
        audit.record(ctx.session, ctx.actor, "demo.loaded", "organisation", orgs["wfc"].id,
                     detail={"organisations": len(orgs), "users": len(users),
                             "children": len(children)})
        return orgs, users, children


def _history(session) -> None:
    """A year of closed episodes for the managers' dashboard and the DfE return (issue 13)."""
    from engine.models import Case

    from . import demo_history

    template = session.scalar(select(Case).where(Case.process_id == "episode",
                                                 Case.status == "completed").limit(1))
    session.rollback()
    if template is None:
        # the history's cases share a finished case's state so that their pages open
        raise RuntimeError("the demo's closed episode did not finish: no history loaded")
    demo_history.load(session, template)


def _organisations(session) -> dict[str, Organisation]:
    orgs = {}
    for code, name, kind in ORGANISATIONS:
        orgs[code] = Organisation(code=code, name=name, kind=kind)
        session.add(orgs[code])
    session.flush()
    return orgs


def _users(session, orgs) -> dict[str, User]:
    password_hash = generate_password_hash(DEMO_PASSWORD)
    users = {}
    for email, name, org, roles in USERS:
        user = User(email=email, name=name, password_hash=password_hash,
                    organisation_id=orgs[org].id, roles=[UserRole(role=r) for r in roles],
                    password_set_at=clock.now(), totp_secret=DEMO_TOTP_SECRET,
                    totp_enrolled_at=clock.now())
        session.add(user)
        users[email.split("@")[0]] = user
    session.flush()
    return users


def _children(session, orgs, users) -> dict[str, Child]:
    sw, iro = users["social.worker"].id, users["iro"].id
    children = {
        "ava": Child(first_name="Ava", last_name="Example", date_of_birth=dt.date(2011, 5, 14),
                     ethnicity="White British", legal_status="care_order",
                     responsible_org_id=orgs["wfc"].id, placement="Brook House",
                     social_worker_id=sw, iro_id=iro, flags={"ce_risk": True}),
        "ben": Child(first_name="Ben", last_name="Sample", date_of_birth=dt.date(2009, 11, 2),
                     ethnicity="Mixed White and Black Caribbean", legal_status="not_in_care",
                     responsible_org_id=orgs["wfc"].id, flags={}),
        "cara": Child(first_name="Cara", last_name="Placeholder",
                      date_of_birth=dt.date(2010, 2, 20), ethnicity="White Irish",
                      legal_status="s20", responsible_org_id=orgs["lcc"].id,
                      host_org_id=orgs["wfc"].id, placement="Brook House",
                      flags={"mental_health": True}),
        "dev": Child(first_name="Dev", last_name="Testcase", date_of_birth=dt.date(2012, 8, 9),
                     ethnicity="Asian British", legal_status="care_order",
                     responsible_org_id=orgs["wfc"].id, social_worker_id=sw, iro_id=iro,
                     flags={}),
        # R37-R42: the Home Office route runs beside her episode.
        "eli": Child(first_name="Eli", last_name="Specimen", date_of_birth=dt.date(2009, 3, 30),
                     ethnicity="Other ethnic group", legal_status="s20",
                     responsible_org_id=orgs["wfc"].id, placement="Supported lodgings",
                     social_worker_id=sw, iro_id=iro,
                     flags={"subject_to_restriction": True, "uasc": True}),
        # R11: ours, placed out of area in Lancashire; the host authority is told.
        "gus": Child(first_name="Gus", last_name="Outofarea", date_of_birth=dt.date(2010, 9, 12),
                     ethnicity="White British", legal_status="not_in_care",
                     responsible_org_id=orgs["wfc"].id, flags={}),
        # R28: a third episode within 90 days opens a Stage One meeting case.
        "fay": Child(first_name="Fay", last_name="Instance", date_of_birth=dt.date(2010, 7, 1),
                     ethnicity="White British", legal_status="care_order",
                     responsible_org_id=orgs["wfc"].id, placement="Brook House",
                     social_worker_id=sw, iro_id=iro, flags={}),
    }
    session.add_all(children.values())
    session.flush()
    return children


# The record's dated parts (engine/child_record): (child, legal status, from, placement,
# the authority it lies in, provider, social worker?, IRO?). Cara is Lancashire's child
# placed here (R12, R13, R23); Gus is ours placed out of area in Lancashire (R11).
RECORDS = [
    ("ava", "care_order", dt.date(2024, 4, 2), "Brook House", "wfc", "brook-house", True, True),
    ("cara", "s20", dt.date(2025, 10, 1), "Brook House", "wfc", "brook-house", False, False),
    ("dev", "care_order", dt.date(2023, 1, 9), "Foster home, Kendal", "wfc", None, True, True),
    ("eli", "s20", dt.date(2026, 1, 5), "Supported lodgings, Barrow", "wfc", None, True, True),
    ("fay", "care_order", dt.date(2022, 6, 20), "Brook House", "wfc", "brook-house", True,
     True),
    ("gus", "care_order", dt.date(2024, 11, 4), "Hillside Children's Home, Preston", "lcc",
     None, True, True),
]


def _records(session, orgs, users, children) -> None:
    from engine.child_record import SavePeriod, SetPartnership

    run(session, SetPartnership([orgs["wfc"].id, orgs["cumbria-police"].id]), SYSTEM)
    for key, legal, since, address, where, provider, sw, iro in RECORDS:
        child_id = children[key].id
        run(session, SavePeriod(child_id, "legal_status", {
            "legal_status": legal, "starts_on": since, "cin_code": "N1", "rne_code": "S"},
            "Demo record"), SYSTEM)
        run(session, SavePeriod(child_id, "placement", {
            "address": address, "starts_on": since, "local_authority_id": orgs[where].id,
            "placement_type": "K2" if provider or "Home" in address else "U6",
            "provider_org_id": orgs[provider].id if provider else None},
            "Demo record"), SYSTEM)
        for role, wanted, user in (("social_worker", sw, "social.worker"),
                                   ("iro", iro, "iro")):
            if wanted:
                run(session, SavePeriod(child_id, "allocation", {
                    "role": role, "user_id": users[user].id, "starts_on": since},
                    "Demo record"), SYSTEM)


def _episodes(session, children, users) -> None:
    """Episodes at several points: just reported, missing past 24 hours, found with the
    RHI due, one taken all the way to closed, a child subject to immigration restriction
    still missing, and a child whose third episode in 90 days opened Stage One."""
    now = clock.now()
    carer = Actor.for_user(users["carer"])

    def report(child, hours_ago, category="M"):
        when = now - dt.timedelta(hours=hours_ago)
        # the carer found each child by exact name and date of birth, as the report page does
        return run(session, ReportEpisode(child.id, _report(child, when, category),
                                          identified=True), carer)

    report(children["ben"], 1)
    report(children["ava"], 30)
    found = report(children["cara"], 20, category="A")
    _fire_due(session)
    run(session, ReportFound(found.id, now - dt.timedelta(hours=2), "public_place",
                             "police", found_where_detail="Carlisle bus station"), SYSTEM)
    closed = report(children["dev"], 100)
    run(session, ReportFound(closed.id, now - dt.timedelta(hours=90), "home",
                             "parent_or_carer"), SYSTEM)
    _fire_due(session)
    _finish(session, closed.id)
    report(children["eli"], 50)
    for days_ago in (40, 20, 3):
        repeat = report(children["fay"], days_ago * 24)
        run(session, ReportFound(repeat.id, now - dt.timedelta(days=days_ago, hours=-6),
                                 "friend_or_relative", "police"), SYSTEM)
    _fire_due(session)


def _fire_due(session) -> None:
    for case_id in due_case_ids(session, clock.now()):
        session.rollback()
        run(session, FireTimers(case_id), SYSTEM)


def closing_answers(form_key: str | None) -> dict:
    """A form's example answers, as the demo (and the storage bench) give them to take an
    episode to closed: the escalation example chases the late work, which is checked again
    a day later for as long as it is chased (R36), so here the work was done late."""
    from engine import forms

    example = forms.load(form_key).get("example", {}) if form_key else {}
    if form_key == "escalation":
        example = {**example, "escalation_action": "done_late"}
    return example


def _finish(session, episode_id) -> None:
    """Complete every open item of an episode's case with its form's example data."""

    for _ in range(60):
        item = session.scalar(select(WorkItem).join(WorkItem.case)
                              .where(WorkItem.state == "open",
                                     WorkItem.case.has(episode_id=episode_id))
                              .order_by(WorkItem.id).limit(1))
        session.rollback()
        if item is None:
            return
        run(session, CompleteWorkItem(item.id, closing_answers(item.form_key)), SYSTEM)


def _report(child, when, category) -> dict:
    from engine import forms

    example = dict(forms.load("missing_report")["example"])
    example.update({
        "category": category,
        "last_seen_at": when.isoformat(),
        "reported_at": (when + dt.timedelta(minutes=30)).isoformat(),
        "checks_deadline": (when + dt.timedelta(minutes=25)).isoformat(),
    })
    return example
