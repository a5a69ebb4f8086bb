from engine.models import AuditEvent, Case, Child, Episode

from .conftest import sign_in

REPORT = {
    "category": "M", "risk_of_serious_harm": "no", "ce_risk_suspected": "no",
    "reasonable_checks": ["searched_home", "called_child"],
    # dates are typed in GOV.UK date inputs: day, month, year, hour, minute (London time)
    "checks_deadline-day": "2", "checks_deadline-month": "3", "checks_deadline-year": "2026",
    "checks_deadline-hour": "08", "checks_deadline-minute": "50",
    "last_seen_at-day": "2", "last_seen_at-month": "3", "last_seen_at-year": "2026",
    "last_seen_at-hour": "08", "last_seen_at-minute": "30",
    "last_seen_where": "Near the home", "with_whom": "Not known", "clothing": "Grey hoodie",
    "description": "Slim build", "photo_available": "yes", "photo_held_where": "with_reporter",
    "photo_consent": "yes", "photo_consent_child": "not_possible", "medical": "None known",
    "circumstances": "Did not return", "associates": "Friends in Carlisle",
    "risk_assessment": "Medium",
}


def test_r1_r3_r4_carer_finds_child_and_reports(client, world, session):
    sign_in(client, world.carer.email)
    found = client.post("/report", data={"name": "Example", "dob-day": "14",
                                         "dob-month": "5", "dob-year": "2011"})
    assert f'/report/children/{world.child.id}' in found.get_data(as_text=True)
    form = client.get(f"/report/children/{world.child.id}").get_data(as_text=True)
    assert "Is the child missing, or away from placement without authorisation?" in form
    assert "Which reasonable checks have you done?" in form
    assert "Has the person with parental responsibility agreed to a photo" in form
    response = client.post(f"/report/children/{world.child.id}", data=REPORT)
    assert response.status_code == 302
    session.rollback()
    episode = session.query(Episode).order_by(Episode.id.desc()).first()
    assert episode.category == "M" and episode.report["photo_consent"] is True
    # R4: whether a photo is held and the child's consent are required answers
    assert "Has the child agreed to a photo being used?" in form
    for unanswered, message in (("photo_available", "Select yes or no"),
                                ("photo_consent_child", "asking the child was not possible")):
        data = {k: v for k, v in REPORT.items() if k != unanswered}
        refused = client.post(f"/report/children/{world.child.id}", data=data)
        assert refused.status_code == 400
        assert message in refused.get_data(as_text=True)
    assert episode.last_seen_at.isoformat() == "2026-03-02T08:30:00+00:00"  # GMT
    assert episode.police_org_id == world.police_org.id or episode.police_org_id is None
    case = session.query(Case).filter_by(episode_id=episode.id, process_id="episode").one()
    assert response.headers["Location"] == f"/cases/{case.id}"


def test_r3_checks_required_unless_risk_and_input_kept(client, world):
    sign_in(client, world.carer.email)
    data = {k: v for k, v in REPORT.items() if k not in ("reasonable_checks",
                                                         "checks_deadline")}
    data["clothing"] = "Kept clothing text"
    response = client.post(f"/report/children/{world.child.id}", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Select the reasonable checks you have done" in html
    assert "Kept clothing text" in html
    risky = dict(data, risk_of_serious_harm="yes")
    assert client.post(f"/report/children/{world.child.id}", data=risky).status_code == 302


def test_r2_r4_a_child_can_be_added_with_ethnicity_then_reported(client, world, session):
    sign_in(client, world.carer.email)
    bad = client.post("/report/new-child", data={"first_name": "Zed",
                                                 "date_of_birth-day": "31",
                                                 "date_of_birth-month": "2",
                                                 "date_of_birth-year": "2012"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert "Enter the child&#39;s last name" in html or "Enter the child's last name" in html
    assert "Date of birth must be a real date" in html
    assert 'value="Zed"' in html
    # R2, R4: ethnicity is required, with the DfE codes (declined and not yet obtained
    # are answers a practitioner can always give truthfully)
    assert "Select the child&#39;s ethnicity" in html or "Select the child's ethnicity" in html
    assert '<option value="REFU"' in html and '<option value="NOBT"' in html
    good = client.post("/report/new-child", data={
        "first_name": "Zed", "last_name": "New", "date_of_birth-day": "1",
        "date_of_birth-month": "2", "date_of_birth-year": "2012", "ethnic_code": "REFU",
        "legal_status": "care_order", "responsible_org_id": world.council.id,
        "flags": ["ce_risk"]})
    assert good.status_code == 302
    session.rollback()
    child = session.query(Child).filter_by(first_name="Zed").one()
    assert child.flags == {"ce_risk": True}
    assert child.ethnic_code == "REFU"
    assert good.headers["Location"] == f"/report/children/{child.id}"
    assert client.get(good.headers["Location"]).status_code == 200


def test_report_refusals(client, world):
    assert client.get("/report").status_code == 302
    sign_in(client, world.process_owner.email)
    assert "Report a missing child" not in client.get("/").get_data(as_text=True)
    assert client.get("/report").status_code == 403
    assert client.post(f"/report/children/{world.child.id}", data=REPORT).status_code == 403
    client.post("/sign-out")
    sign_in(client, world.other_police.email)  # may report, but has not found this child
    assert client.get(f"/report/children/{world.child.id}").status_code == 404
    assert "Report Ava" not in client.post("/report", data={"name": "Ava"}).get_data(
        as_text=True)
    # with the exact last name and date of birth, any reporter finds the child
    exact = client.post("/report", data={"name": "Example", "dob-day": "14",
                                         "dob-month": "5", "dob-year": "2011"})
    assert "Report Ava Example missing" in exact.get_data(as_text=True)


def test_r20_report_found_from_the_child_page(client, world, session, fake_clock):
    import datetime as dt

    sign_in(client, world.police.email)
    page = client.get(f"/children/{world.child.id}").get_data(as_text=True)
    assert f"/episodes/{world.episode.id}/found" in page
    fake_clock.advance(minutes=15)
    response = client.post(f"/episodes/{world.episode.id}/found",
                           data={**FOUND_AT_0910, "found_where": "public_place",
                                 "found_where_detail": "Park", "not_missing": "no"})
    # R20: who found the child is a required choice
    assert response.status_code == 400
    assert "Select who found the child" in response.get_data(as_text=True)
    response = client.post(f"/episodes/{world.episode.id}/found",
                           data={**FOUND_AT_0910, "found_where": "public_place",
                                 "found_where_detail": "Park", "found_by": "police",
                                 "not_missing": "no"})
    assert response.status_code == 302
    session.rollback()
    found_at = session.query(Episode.found_at).filter_by(id=world.episode.id).scalar()
    assert found_at == dt.datetime(2026, 3, 2, 9, 10, tzinfo=dt.UTC)
    future = client.post(f"/episodes/{world.episode.id}/found",
                         data={**FOUND_AT_0910, "found_at-year": "2030",
                               "found_where": "home", "found_by": "police"})
    assert future.status_code == 400
    assert "Time found must be in the past" in future.get_data(as_text=True)


# The time found as the GOV.UK date input posts it: 9:10am on 2 March 2026 (GMT).
FOUND_AT_0910 = {"found_at-day": "2", "found_at-month": "3", "found_at-year": "2026",
                 "found_at-hour": "9", "found_at-minute": "10"}


def test_r20_the_found_page_asks_the_time_in_govuk_date_inputs(client, world, session):
    """Issue 12: day, month, year and time, not the browser's date picker; a date that is
    not real is named, and what was typed is kept."""
    sign_in(client, world.police.email)
    page = client.get(f"/episodes/{world.episode.id}/found").get_data(as_text=True)
    assert "datetime-local" not in page
    for part in ("day", "month", "year", "hour", "minute"):
        assert f'name="found_at-{part}"' in page
    assert 'name="found_at-day" type="text" value="2"' in page  # today, London time
    response = client.post(f"/episodes/{world.episode.id}/found",
                           data={**FOUND_AT_0910, "found_at-day": "31", "found_at-month": "2",
                                 "found_where": "home", "found_by": "police"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter a real date and time" in html and 'href="#found_at-day"' in html
    assert 'name="found_at-day" type="text" value="31"' in html


def test_child_page_shows_details_episodes_work_and_timeline(client, world, session):
    sign_in(client, world.sw.email)
    response = client.get(f"/children/{world.child.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Sam Social Worker" in html  # allocated
    assert "At risk of child exploitation" in html
    assert "Still missing" in html
    assert "Grade the risk" in html  # open work
    assert "Reported" in html and "Chris Carer" in html  # timeline from the audit trail
    session.rollback()
    assert session.query(AuditEvent).filter_by(action="child.viewed").count() == 1


def test_child_and_case_pages_refuse_outsiders(client, world):
    sign_in(client, world.outsider.email)
    assert client.get(f"/children/{world.child.id}").status_code == 404
    assert client.get(f"/cases/{world.case.id}").status_code == 404
    client.post("/sign-out")
    sign_in(client, world.process_owner.email)
    assert client.get(f"/children/{world.child.id}").status_code == 404


def test_case_page_shows_stage_work_and_timers(client, world, session):
    sign_in(client, world.police.email)
    response = client.get(f"/cases/{world.case.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Current stage" in html and "Report" in html
    assert "Grade the risk" in html
    assert "Nobody yet" in html  # unclaimed police work
    assert "Sam Social Worker" in html  # the allocated social worker's own items
    assert "Timers" in html
    session.rollback()
    assert session.query(AuditEvent).filter_by(action="case.viewed").count() == 1


def test_home_office_sees_only_restricted_children(client, world, make_org, make_user,
                                                   make_child, session):
    ho = make_org("ho", kind="home_office")
    officer = make_user("home_office", org=ho)
    sign_in(client, officer.email)
    assert client.get(f"/children/{world.child.id}").status_code == 404
    restricted = make_child(world.council, flags={"subject_to_restriction": True})
    assert client.get(f"/children/{restricted.id}").status_code == 200


def test_every_legal_status_on_the_new_child_form_has_its_words(client, world):
    """Found by axe (issue 12): two statuses had no label."""
    from engine.child_record import LEGAL_STATUSES

    sign_in(client, world.carer.email)
    html = client.get("/report/new-child").get_data(as_text=True)
    for value, words in LEGAL_STATUSES.items():
        assert f'value="{value}"' in html and words in html
