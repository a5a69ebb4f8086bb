"""The README's promise: sign in as the demo police officer and social worker and take a
demo episode from report to the return home interview, all through the pages."""

import re

from sqlalchemy import func, select

from engine import forms
from engine.models import Child, Episode, WorkItem
from web import demo, formfields

from .conftest import open_items


def _sign_in(client, email):
    client.post("/sign-out")
    response = client.post("/sign-in", data={"email": email, "password": demo.DEMO_PASSWORD})
    assert response.status_code == 302


def _complete(client, item):
    values = formfields.values_from_data(item.form_key, forms.load(item.form_key)["example"])
    response = client.post(f"/work/{item.id}", data=dict(_as_posted(values), action="complete"))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]


def _as_posted(values: dict) -> dict:
    """A date typed in parts is posted as one field per part (`name-day`, ...), as the
    GOV.UK date input sends it."""
    posted = {}
    for name, value in values.items():
        if isinstance(value, dict):
            posted.update({f"{name}-{part}": typed for part, typed in value.items()})
        else:
            posted[name] = value
    return posted


def test_demo_episode_from_report_to_rhi(client, session, published):
    assert demo.load(session)
    ben = session.query(Child).filter_by(first_name="Ben").one()
    episode = session.query(Episode).filter_by(child_id=ben.id).one()
    case_id = open_items(session, role="police")[0].case_id
    session.rollback()

    _sign_in(client, "police@example.org")
    inbox = client.get("/?tab=team").get_data(as_text=True)
    grade = next(i for i in open_items(session, role="police", case_id=case_id)
                 if i.form_key == "grade_risk")
    assert f'href="/work/{grade.id}"' in inbox
    _complete(client, grade)

    _sign_in(client, "social.worker@example.org")
    for item in open_items(session, role="social_worker", case_id=case_id):
        _complete(client, item)
    child_page = client.get(f"/children/{ben.id}").get_data(as_text=True)
    assert f"/episodes/{episode.id}/found" in child_page

    _sign_in(client, "police@example.org")
    found_page = client.get(f"/episodes/{episode.id}/found").get_data(as_text=True)
    found_at = {f"found_at-{part}": re.search(
        rf'name="found_at-{part}" type="text" value="([^"]*)"', found_page).group(1)
        for part in ("day", "month", "year", "hour", "minute")}  # now, as the page offers
    response = client.post(f"/episodes/{episode.id}/found",
                           data={**found_at, "found_where": "home",
                                 "found_by": "parent_or_carer"})
    assert response.status_code == 302
    told = next(i for i in open_items(session, role="police", case_id=case_id)
                if i.form_key == "record_found")
    _complete(client, told)

    _sign_in(client, "rhi@example.org")
    rhi = next(i for i in open_items(session, case_id=case_id) if i.form_key == "rhi")
    assert rhi.role == "rhi_worker"
    assert f'href="/work/{rhi.id}"' in client.get("/?tab=team").get_data(as_text=True)
    assert rhi.due_at is not None  # the 72-hour clock (R22)
    session.rollback()
    assert session.get(WorkItem, grade.id).completed_by == "Pat Police"


def test_r11_r12_demo_children_show_placed_out_of_area_and_placed_here(client, session,
                                                                       published):
    assert demo.load(session)
    gus = session.query(Child).filter_by(first_name="Gus").one()
    cara = session.query(Child).filter_by(first_name="Cara").one()
    ava = session.query(Child).filter_by(first_name="Ava").one()
    session.rollback()
    _sign_in(client, "social.worker@example.org")
    page = client.get(f"/children/{gus.id}").get_data(as_text=True)
    assert "Placed out of area by us" in page and "Lancashire County Council" in page
    assert "Yes, by a social worker here" in page
    assert "Placed in our area by us" in client.get(f"/children/{ava.id}").get_data(
        as_text=True)
    _sign_in(client, "team.manager@example.org")
    page = client.get(f"/children/{cara.id}/record").get_data(as_text=True)
    assert "Placed here by another authority" in page
    assert "Yes, by a social worker in another authority" in page


def test_r11_readme_gus_reported_by_the_police_notifies_the_host_authority(
        client, session, published):
    """The README walk-through: Gus (ours, placed out of area in Lancashire) reported
    missing by the demo police officer and graded: the social worker is to notify the host
    authority (R11); no Philomena form and no record flag, which are for another
    authority's child placed here (R12, R13)."""
    from web import formfields as fields

    assert demo.load(session)
    gus = session.query(Child).filter_by(first_name="Gus").one()
    session.rollback()
    _sign_in(client, "police@example.org")
    found = client.post("/report", data={"name": "Outofarea", "dob-day": "12",
                                         "dob-month": "9", "dob-year": "2010"})
    assert f"/report/children/{gus.id}" in found.get_data(as_text=True)
    report = dict(forms.load("missing_report")["example"])
    report.pop("reported_at", None)
    values = fields.values_from_data("missing_report", report)
    response = client.post(f"/report/children/{gus.id}", data=_as_posted(values))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    case_id = int(response.headers["Location"].rsplit("/", 1)[1])
    grade = next(i for i in open_items(session, case_id=case_id) if i.form_key == "grade_risk")
    _complete(client, grade)
    names = {(i.role, i.name) for i in open_items(session, case_id=case_id)}
    assert any(role == "social_worker" and "host authority" in name for role, name in names)
    assert not any("Philomena" in name or "Flag the child" in name for _, name in names)


def test_r45_r46_demo_has_a_year_of_closed_episodes_for_the_dashboard_and_the_return(
        client, session, published):
    """`make run`'s demo: the closed episode finishes and the history loads, so the
    dashboard's monthly trend and the DfE return show figures across the year."""
    from engine.models import Case, EpisodeFact

    assert demo.load(session)
    closed = session.scalar(select(func.count()).select_from(Case).where(
        Case.process_id == "episode", Case.status == "completed"))
    months = set(session.scalars(select(EpisodeFact.month)))
    episodes = session.scalar(select(func.count()).select_from(Episode))
    session.rollback()
    assert closed > 1 and episodes >= 50
    assert len(months) >= 12
