import datetime as dt
import re

from engine.models import WorkItem

from .conftest import open_items, sign_in


def _task_links(html):
    return re.findall(r'href="/work/(\d+)"', html)


def _add_police_items(session, now, prefix, n, undated_every, spread):
    """`n` more open police items on one case, every `undated_every`th without a deadline,
    the others due within `spread` hours either side of now; returns every open police
    item's id in the inbox's order (overdue first, soonest due, then undated by id)."""
    base = open_items(session, role="police")[0]
    with session.begin():
        for i in range(n):
            due = None if i % undated_every == 0 else now + dt.timedelta(
                hours=(i % spread) - 3)
            session.add(WorkItem(case_id=base.case_id, task_id=f"{prefix}-{i}",
                                 process_id="report", element_id="x", name=f"{prefix} {i}",
                                 role="police", due_at=due))
    return [str(i.id) for i in sorted(open_items(session, role="police"),
                                      key=lambda i: (i.due_at is None, i.due_at or now, i.id))]


def _follow_next(client, url="/?tab=team"):
    """(the items of every page reached by Next links from `url`, the links followed)."""
    seen, followed = [], []
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += _task_links(html)
        found = re.search(r'<a class="govuk-link govuk-pagination__link" href="([^"]+)" '
                          r'rel="next"', html)
        url = found.group(1).replace("&amp;", "&") if found else None
        if url:
            followed.append(url)
    return seen, followed


def test_team_work_lists_unclaimed_items_for_my_role_in_my_force(client, world, session):
    police_items = open_items(session, role="police")
    assert police_items
    sign_in(client, world.police.email)
    html = client.get("/?tab=team").get_data(as_text=True)
    assert sorted(map(int, _task_links(html))) == sorted(i.id for i in police_items)
    assert "Ava Example" in html
    assert "My work" in html and "Team work" in html


def test_other_force_and_other_council_see_nothing(client, world, session):
    for user in (world.other_police, world.outsider):
        client.post("/sign-out")
        sign_in(client, user.email)
        assert _task_links(client.get("/?tab=team").get_data(as_text=True)) == []
        assert _task_links(client.get("/?tab=mine").get_data(as_text=True)) == []


def test_my_work_holds_what_is_assigned_to_me(client, world, session):
    item = open_items(session, role="police")[0]
    sign_in(client, world.police.email)
    client.post(f"/work/{item.id}/claim")
    mine = client.get("/?tab=mine").get_data(as_text=True)
    team = client.get("/?tab=team").get_data(as_text=True)
    assert str(item.id) in _task_links(mine)
    assert str(item.id) not in _task_links(team)


def test_due_tags_relative_times_and_overdue_count(client, world, session, fake_clock):
    items = open_items(session, role="police")
    with session.begin():
        first, second = (session.get(WorkItem, i.id) for i in items[:2])
        first.due_at = fake_clock.now() - dt.timedelta(days=2, hours=1)
        second.due_at = fake_clock.now() + dt.timedelta(hours=3, minutes=5)
    sign_in(client, world.police.email)
    html = client.get("/?tab=team").get_data(as_text=True)
    assert "2 days overdue" in html
    assert "in 3 hours" in html
    assert "Overdue" in html and "Due soon" in html
    assert "1 item is overdue: 0 in My work and 1 in Team work" in html
    # soonest due first: the overdue item leads
    assert _task_links(html)[0] == str(first.id)
    overdue_only = client.get("/?tab=team&due=overdue").get_data(as_text=True)
    assert _task_links(overdue_only) == [str(first.id)]
    soon_only = client.get("/?tab=team&due=soon").get_data(as_text=True)
    assert _task_links(soon_only) == [str(second.id)]


def test_due_times_are_shown_in_london_time(client, world, session, fake_clock):
    item = open_items(session, role="police")[0]
    with session.begin():
        session.get(WorkItem, item.id).due_at = dt.datetime(2026, 7, 1, 11, 0, tzinfo=dt.UTC)
    sign_in(client, world.police.email)
    html = client.get("/?tab=team").get_data(as_text=True)
    assert "1 July 2026 12:00pm" in html  # BST


def test_filters_by_role_and_stage(client, world, session, make_user):
    both = make_user("police", "mach", org=world.police_org)
    sign_in(client, both.email)
    police = {str(i.id) for i in open_items(session, role="police")}
    html = client.get("/?tab=team&role=police").get_data(as_text=True)
    assert set(_task_links(html)) == police
    html = client.get("/?tab=team&stage=no-such-stage").get_data(as_text=True)
    assert _task_links(html) == []
    assert "Try removing the filters" in html


def test_pagination(client, world, session):
    from engine.models import WorkItem as W

    base = open_items(session, role="police")[0]
    with session.begin():
        for n in range(30):
            session.add(W(case_id=base.case_id, task_id=f"extra-{n}", process_id="report",
                          element_id="x", name=f"Extra {n}", role="police"))
    sign_in(client, world.police.email)
    first = client.get("/?tab=team").get_data(as_text=True)
    second = client.get("/?tab=team&page=2").get_data(as_text=True)
    assert len(_task_links(first)) == 25
    assert len(_task_links(second)) == 30 + len(open_items(session, role="police")) - 30 - 25
    assert not set(_task_links(first)) & set(_task_links(second))
    assert 'rel="next"' in first


def test_pages_follow_keys_and_numbers_alike(client, world, session, fake_clock):
    """Issue 16: the Next link says where its page starts (keyset); a page number alone
    gives the same page; a key of nonsense is ignored, never a 500. Overdue first, then
    soonest due, then the items without a deadline."""
    expected = _add_police_items(session, fake_clock.now(), "keyed", 60, 4, 7)
    sign_in(client, world.police.email)
    seen, followed = _follow_next(client)
    assert seen == expected
    assert followed and all("after=" in url for url in followed)
    by_number = []
    for page in range(1, (len(expected) + 24) // 25 + 1):
        by_number += _task_links(client.get(f"/?tab=team&page={page}").get_data(as_text=True))
    assert by_number == expected
    for junk in ("x", "1.2.3", "n.", "99999999999999999999.1", "-9" * 9 + ".1"):
        answer = client.get(f"/?tab=team&page=2&after={junk}")
        assert answer.status_code == 200
    assert _task_links(client.get("/?tab=team&page=400").get_data(as_text=True)) == []


def test_process_owner_has_no_case_work(client, world):
    sign_in(client, world.process_owner.email)
    html = client.get("/").get_data(as_text=True)
    assert "no work for you here" in html


def test_the_inbox_never_reads_case_state_and_joins_only_open_cases(app, client, world):
    """Issue 16: a running case's state is tens of kilobytes; a list of 25 items must not
    pull 25 of them, and the visibility rule for open work looks at open cases only."""
    from sqlalchemy import event

    statements = []

    def seen(conn, cursor, statement, *args):
        statements.append(" ".join(statement.split()))

    sign_in(client, world.police.email)
    engine = app.extensions["sqlalchemy_engine"]
    event.listen(engine, "before_cursor_execute", seen)
    try:
        html = client.get("/?tab=team").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert _task_links(html)
    reads = [s for s in statements if s.startswith("SELECT")]
    assert not [s for s in reads if "case_record.state" in s]
    visibility = [s for s in reads if "FROM work_item" in s and "case_record.status IN" in s]
    assert visibility  # the team list's visibility is limited to running and error cases


def test_counts_stop_at_the_limit_and_every_page_is_still_reachable(
        client, world, session, fake_clock, monkeypatch):
    """Issue 16: a team's tab is never counted past COUNT_LIMIT (a count of every open item
    on each page made the inbox slower the more work there was); past it the page says
    "more than", the API says `more`, and paging by link or by number still reaches every
    item, dated and undated, in order."""
    from web.inbox import queries, routes

    for module in (queries, routes):
        monkeypatch.setattr(module, "COUNT_LIMIT", 30)
        monkeypatch.setattr(module, "PAGE_SIZE", 10)
    now = fake_clock.now()
    expected = _add_police_items(session, now, "many", 45, 3, 5)
    overdue = sum(1 for i in open_items(session, role="police")
                  if i.due_at is not None and i.due_at < now)
    assert len(expected) > 30 and 0 < overdue <= 30
    sign_in(client, world.police.email)
    html = client.get("/?tab=team").get_data(as_text=True)
    assert "More than 30 items" in html
    assert f"{overdue} items are overdue: 0 in My work and {overdue} in Team work" in html
    by_number, page = [], 1
    while True:
        links = _task_links(client.get(f"/?tab=team&page={page}").get_data(as_text=True))
        if not links:
            break
        by_number += links
        page += 1
    assert by_number == expected
    last = client.get(f"/?tab=team&page={page - 1}").get_data(as_text=True)
    assert re.search(rf'aria-label="Page {page - 1}"[^>]*aria-current="page"', last), \
        "the last page, past the counted ones, still shows itself as the current page"
    assert _follow_next(client)[0] == expected


def test_the_api_says_more_when_the_count_stops(client, world, session, api_key,
                                                 monkeypatch):
    from engine.models import WorkItem as W
    from web.api import routes as api_routes
    from web.inbox import queries

    base = open_items(session, role="police")[0]
    with session.begin():
        for n in range(8):
            session.add(W(case_id=base.case_id, task_id=f"more-{n}", process_id="report",
                          element_id="x", name=f"More {n}", role="police"))
    held = len(open_items(session, role="police"))
    headers = api_key(world.police_org, "police")
    answer = client.get("/api/v1/work-items?scope=team", headers=headers).get_json()
    assert (answer["total"], answer["more"]) == (held, False)
    monkeypatch.setattr(queries, "COUNT_LIMIT", held - 1)
    monkeypatch.setattr(api_routes, "COUNT_LIMIT", held - 1)
    answer = client.get("/api/v1/work-items?scope=team", headers=headers).get_json()
    assert (answer["total"], answer["more"]) == (held - 1, True)
