"""R45: the pattern figures aggregated in SQL (one statement, care status and placement
from the dated periods at each episode's start) give exactly what counting each episode
in Python from the child's record gives, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

from engine import child_record, clock, dashboard
from engine.child_record import SavePeriod
from engine.dashboard import DURATION_BANDS, POSTCODE_DISTRICT, Filters
from engine.executor import SYSTEM, run
from engine.models import Child, Episode
from tests.returns.conftest import records  # noqa: F401

PLACES = ("Kendal bus station, LA9 4DL", "Kendal LA9 4DL", "Carlisle", "carlisle ",
          "Barrow town centre", None)


def _reference(session, filters, now):
    """Each figure counted episode by episode with child_record's own readers."""
    start, end = filters.window(now)
    episodes = [e for e in session.query(Episode).all()
                if start <= e.last_seen_at < end and not e.not_missing]
    out = {name: Counter() for name in ("episodes", "durations", "trend", "placements",
                                        "placement-types", "area", "found", "risk")}
    children = {}
    for e in episodes:
        child = session.get(Child, e.child_id)
        day = clock.london(e.last_seen_at).date()
        care = child_record.legal_status_on(session, child, day) != "not_in_care"
        label = ("Missing" if e.category == "M" else "Away from placement") + (
            ", in care" if care else ", not in care")
        out["episodes"][label] += 1
        children.setdefault(label, set()).add(child.id)
        if e.found_at is None:
            out["durations"]["Not yet found"] += 1
        else:
            out["durations"][next(b for b, limit in DURATION_BANDS
                                   if limit is None or e.found_at - e.last_seen_at < limit)] += 1
        out["trend"][(clock.london(e.last_seen_at).strftime("%B %Y"), e.category)] += 1
        rows = child_record._periods(session, child_record.Placement, child.id)
        placed = child_record.placement_on(session, child, day)
        out["placements"][(placed.address if placed else "Not recorded") if rows
                          else (child.placement or "Not recorded")] += 1
        code = placed.placement_type if rows and placed else None
        out["placement-types"][child_record.PLACEMENT_TYPES.get(code, code) if code
                               else "Not recorded"] += 1
        where = child_record.placement_authority_on(session, child, day)
        out["area"]["Placed outside the responsible authority's area"
                    if where is not None and where != child.responsible_org_id
                    else "Placed in the responsible authority's area"] += 1
        if e.found_where is not None:
            match = POSTCODE_DISTRICT.search(e.found_where)
            out["found"][match.group(1).upper() if match
                         else " ".join(e.found_where.split()).title()] += 1
        out["risk"][e.risk_grade or "none"] += 1
    ce = {e.child_id for e in episodes if (session.get(Child, e.child_id).flags or {})
          .get("ce_risk")}
    return out, children, len(ce)


def test_r45_sql_figures_equal_counting_each_episode_from_the_record(
        session, records, fake_clock, make_user):  # noqa: F811
    rng = random.Random(45)
    now = fake_clock.now()
    ours, other = records.org("wfc"), records.org("lcc")
    make_user("team_manager", org=ours)
    today = clock.london(now).date()
    kids = []
    for n in range(12):
        child = records.child(ours, placement=f"Flat home {n % 3}" if n % 4 else None,
                              host_org_id=other.id if n % 5 == 0 else None,
                              legal_status=("care_order", "not_in_care")[n % 6 == 5],
                              flags={"ce_risk": True} if n % 3 == 0 else {})
        if n % 2 == 0:  # a dated record: care that changes, ends, and placements moving
            begun = today - dt.timedelta(days=300)
            left = today - dt.timedelta(days=40) if n % 4 == 0 else None
            run(session, SavePeriod(child.id, "legal_status", {
                "legal_status": "s20", "starts_on": begun, "ends_on": left,
                "rec_code": "E8" if left else None}), SYSTEM)
            run(session, SavePeriod(child.id, "placement", {
                "address": "Brook House", "starts_on": begun, "placement_type": "K2",
                "local_authority_id": ours.id}), SYSTEM)
            run(session, SavePeriod(child.id, "placement", {
                "address": "Hillside", "starts_on": today - dt.timedelta(days=120),
                "placement_type": "U4" if n % 3 else None,
                "local_authority_id": (other if n % 6 == 0 else ours).id}), SYSTEM)
            session.commit()
        kids.append(child)
    for n in range(160):
        child = kids[rng.randrange(len(kids))]
        seen = now - dt.timedelta(days=rng.uniform(0, 420), minutes=rng.randrange(600))
        hours = rng.choice((1, 5.999, 6, 23, 24, 50, 72, 200, None))
        found = seen + dt.timedelta(hours=hours) if hours is not None else None
        episode = records.episode(child, "MA"[n % 3 == 0], seen, found,
                                  found_where=PLACES[n % len(PLACES)] if found else None,
                                  risk_grade=(None, "low", "medium", "high")[n % 4],
                                  not_missing=n % 17 == 0)
        if found is not None and n % 5:  # return home interviews, some twice, some late
            for k in range(1 + (n % 7 == 0)):
                records.work(episode, "rhi", completed=found + dt.timedelta(
                    hours=rng.choice((10, 71.99, 72, 72.01, 100)) + k),
                    data={"rhi_offered": n % 9 != 0 if n % 11 else None,
                          "rhi_outcome": rng.choice(("completed", "child_declined",
                                                     "parents_declined", "other"))})
    session.commit()
    for period in ("12m", "3m", "last-year"):
        filters = Filters(period)
        got = {f.name: f for f in dashboard.patterns(
            session, filters, dashboard.Visible([k.id for k in kids],
                                                session.get_bind().dialect.name), now)["figures"]}
        want, children, ce = _reference(session, filters, now)
        assert {r.label: r.counts for r in got["episodes"].rows} == {
            label: [n, len(children[label])] for label, n in want["episodes"].items()}
        for name in ("durations", "placements", "placement-types", "area", "found"):
            assert {r.label: r.counts[0] for r in got[name].rows if r.counts[0]} == dict(
                want[name]), (period, name)
        assert {(r.label, c): n for r in got["trend"].rows
                for c, n in zip("MA", r.counts, strict=True) if n} == dict(want["trend"])
        risk = {r.label: r.counts[0] for r in got["risk"].rows}
        assert risk["High risk episodes"] == want["risk"]["high"]
        assert risk["Episodes not graded"] == want["risk"]["none"]
        assert risk["Children flagged at risk of exploitation"] == ce
        assert {r.label: r.counts[0] for r in got["interviews"].rows} == _interviews(
            session, filters, now), period
    assert sum(want["episodes"].values()) > 20  # the fixture has episodes in the period


def _interviews(session, filters, now):
    """Each found episode by its first completed interview, counted in Python."""
    from engine.models import Case, WorkItem

    start, end = filters.window(now)
    found = [e for e in session.query(Episode).all() if e.found_at is not None
             and start <= e.found_at < end and not e.not_missing]
    counts = Counter()
    for episode in found:
        items = sorted((w for w in session.query(WorkItem).join(Case).filter(
            Case.episode_id == episode.id, WorkItem.form_key == "rhi",
            WorkItem.state == "completed")), key=lambda w: (w.completed_at, w.id))
        if not items:
            counts["Not recorded yet"] += 1
            continue
        data = items[0].data or {}
        if data.get("rhi_offered") is False:
            counts["Not offered"] += 1
            continue
        late = items[0].completed_at - episode.found_at > dashboard.RHI_WINDOW
        counts["Offered after 72 hours" if late else "Offered within 72 hours"] += 1
        if data.get("rhi_outcome") == "completed":
            counts["Accepted"] += 1
        elif data.get("rhi_outcome") in ("child_declined", "parents_declined"):
            counts["Declined"] += 1
    return {label: counts[label] for label in (
        "Offered within 72 hours", "Offered after 72 hours", "Accepted", "Declined",
        "Not offered", "Not recorded yet")}
