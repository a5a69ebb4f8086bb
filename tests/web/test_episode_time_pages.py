"""The pages that change an episode's times (issue 12): the time is typed in a GOV.UK date
input (day, month, year, hour, minute), never the browser's date picker; a time that is
not real is named and what was typed is kept."""

import datetime as dt

from engine.models import Episode

from .conftest import sign_in

PARTS = ("day", "month", "year", "hour", "minute")


def _typed(name, day, month, year, hour, minute):
    return dict(zip((f"{name}-{p}" for p in PARTS),
                    map(str, (day, month, year, hour, minute)), strict=True))


def test_correcting_the_time_last_seen_in_date_inputs(client, session, world):
    sign_in(client, world.tm.email)
    page = client.get(f"/episodes/{world.episode.id}/times").get_data(as_text=True)
    assert "datetime-local" not in page
    assert 'name="last_seen_at-hour" type="text" value="08"' in page  # 8:30am, stored
    bad = client.post(f"/episodes/{world.episode.id}/times", data={
        **_typed("last_seen_at", 30, 2, 2026, 8, 0), "reason": "The carer rang back"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "Enter a real date and time" in html
    assert 'href="#last_seen_at-day"' in html and 'value="30"' in html
    ok = client.post(f"/episodes/{world.episode.id}/times", data={
        **_typed("last_seen_at", 2, 3, 2026, 8, 0),
        **_typed("reported_at", 2, 3, 2026, 9, 0), "reason": "The carer rang back"})
    assert ok.status_code == 302, ok.get_data(as_text=True)[:2000]
    session.rollback()
    assert session.get(Episode, world.episode.id).last_seen_at == dt.datetime(
        2026, 3, 2, 8, 0, tzinfo=dt.UTC)


def test_changing_missing_to_away_from_a_time_in_date_inputs(client, session, world):
    sign_in(client, world.tm.email)
    page = client.get(f"/episodes/{world.episode.id}/category").get_data(as_text=True)
    assert "datetime-local" not in page and 'name="at-day"' in page
    response = client.post(f"/episodes/{world.episode.id}/category", data={
        **_typed("at", 2, 3, 2026, 9, 0), "reason": "She rang from a friend's house"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    session.rollback()
    assert session.get(Episode, world.episode.id).category == "A"
