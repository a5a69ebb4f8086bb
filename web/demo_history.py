"""A year and a quarter of closed missing episodes for the demo, so the managers'
dashboard and the DfE return page show real figures (issue 13).

Brought in as a previous system's records would be, by one engine command for the whole
history (`engine.history_import.ImportHistory`): more children in care with their dated
legal statuses (some changing from an interim to a full care order, some leaving care at
18) and placements (some moving on, with the DfE's reason), and the closed episodes of
every child in care with their segments (a few away then missing the same day, a few
found not to have been missing), their completed cases and the work items with their
statutory clocks, due and completion times. Nothing here runs the procedure: the
dashboard and the return read only these rows. Deterministic (a fixed seed), relative to
the demo's clock.
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select

from engine import child_record, clock
from engine.executor import SYSTEM, run
from engine.history_import import ImportedChild, ImportedEpisode, ImportHistory
from engine.models import Case, Child, LegalStatusPeriod, Organisation

SEED = 13
MONTHS = 15
NAMES = ("Aaron Abbott", "Bella Booth", "Callum Croft", "Daisy Dawson", "Ellis Earnshaw",
         "Freya Fell", "George Garside", "Holly Hartley", "Isaac Irving", "Jade Jackson",
         "Kian Kirkby", "Lily Lowther", "Mason Metcalfe", "Nia Nicholson", "Owen Oldfield",
         "Poppy Parkin", "Reece Rigg", "Sophie Salkeld", "Tyler Tweddle", "Una Usher",
         "Vinnie Vickers", "Willow Wilson", "Xander Yeats", "Zara Zanetti")
# (establishment, DfE placement type, provider type, postcode, provided by Brook House?)
PLACEMENTS = (("Brook House", "K2", "PR4", "LA9 6NH", True),
              ("Fellside foster home", "U4", "PR1", "LA9 7QT", False),
              ("Kendal supported lodgings", "K3", "PR4", "LA9 4DL", False),
              ("Riverside Children's Home", "K2", "PR5", "CA1 2HG", False),
              ("Lakeland foster carers", "U6", "PR4", "LA22 0AD", False))
HOMES = ("LA9 5BP", "LA14 1AB", "CA2 4JJ", "LA12 7AA")
MOVE_REASONS = ("CARPL", "CREQB", "CHILD", "LAREQ")
ETHNIC = ("WBRI", "WBRI", "WBRI", "MWBC", "WOTH", "AIND", "BAFR")
FOUND_WHERE = ("Kendal bus station, LA9 4DL", "Friend's house, LA9 5BP", "Barrow town centre",
               "Carlisle railway station, CA1 1QS", "Windermere lakeside", "Home address",
               "Preston city centre, PR1 2HE", "Friend's house, LA9 5BP",
               "Kendal bus station, LA9 4DL", "Ulverston market")
# (form key, element id, name, role, clock, hours from the anchor to the deadline)
DEADLINE_WORK = (
    ("low_risk_review", "low_risk_review", "Review the low-risk report", "police",
     "low_risk_review", "reported", 2),
    ("strategy_meeting", "strategy_meeting", "Hold the strategy meeting", "social_worker",
     "strategy_meeting", "reported", 48),
    ("need_to_know_report", "need_to_know_report", "Send the need-to-know report",
     "social_worker", "need_to_know", "seen", 48),
    ("rhi", "rhi", "Carry out the return home interview", "rhi_worker", "rhi", "found", 72),
)


def load(session, template_case: Case) -> int:
    """Adds the history; returns how many episodes. `template_case` is a finished demo
    case whose state the historical cases share, so their pages open."""
    rng = random.Random(SEED)  # noqa: S311 - demo data, not secrets
    now = clock.now()
    with session.begin():
        orgs = {o.code: o for o in session.scalars(select(Organisation))}
        items = _existing(session, rng, now, template_case) + \
            _new_children(rng, orgs, now, template_case)
    counts = run(session, ImportHistory(items, source="demo history"), SYSTEM)
    return counts["episodes"]


def _existing(session, rng, now, template) -> list[ImportedChild]:
    """Two past episodes each for the demo's children in care, inside their care."""
    today = clock.london(now).date()
    items = []
    for child in session.scalars(select(Child).order_by(Child.id)):
        periods = session.scalars(select(LegalStatusPeriod).where(
            LegalStatusPeriod.child_id == child.id)).all()
        if child_record.legal_status_on(session, child, today) == "not_in_care":
            continue
        since = min((p.starts_on for p in periods), default=today - dt.timedelta(days=400))
        item = ImportedChild(child_id=child.id)
        item.episodes = [e for e in (_episode(rng, now, template, since, None)
                                      for _ in range(2)) if e is not None]
        items.append(item)
    return items


def _new_children(rng, orgs, now, template) -> list[ImportedChild]:
    """More children in care, a few of them missing often."""
    today = clock.london(now).date()
    items = []
    for n, name in enumerate(NAMES):
        first, last = name.split()
        ours = n % 6 != 5
        dob = dt.date(2008 + n % 9, 1 + n % 12, 1 + (n * 7) % 28)
        since = dt.date(2022 + n % 3, 1 + n % 9, 15)
        adult = dob.replace(year=dob.year + 18)
        ends = adult if adult <= today else None  # care ends at 18 (DfE reason E8)
        place = PLACEMENTS[n % len(PLACEMENTS)]
        child = dict(first_name=first, last_name=last, date_of_birth=dob,
                     ethnicity="White British", ethnic_code=ETHNIC[n % len(ETHNIC)],
                     sex="MF"[n % 2], upn=f"H{n + 1:011d}A", la_child_id=f"WF{n + 1:04d}",
                     home_postcode=HOMES[n % len(HOMES)],
                     responsible_org_id=orgs["wfc" if ours else "lcc"].id,
                     flags={"ce_risk": True} if n % 7 == 0 else {})
        statuses = []
        if n % 4 == 0:  # an interim care order, then the full order
            changed = since + dt.timedelta(days=120)
            statuses.append(dict(legal_status="interim_care_order", ls_code="C1",
                                 cin_code="N1", rne_code="S", starts_on=since,
                                 ends_on=changed))
            statuses.append(dict(legal_status="care_order", ls_code="C2", cin_code="N1",
                                 rne_code="L", starts_on=changed, ends_on=ends,
                                 rec_code="E8" if ends else None))
        else:
            legal = ("care_order", "s20")[n % 2]
            statuses.append(dict(legal_status=legal, ls_code=("C2", "V2")[n % 2],
                                 cin_code=("N1", "N2", "N4")[n % 3], rne_code="S",
                                 starts_on=since, ends_on=ends,
                                 rec_code="E8" if ends else None))
        placements = []
        moved = today - dt.timedelta(days=200 + 10 * n)
        moves = n % 3 == 0 and moved > since and (ends is None or moved < ends)
        for k, (address, kind, provider, postcode, brook) in enumerate(
                (place, PLACEMENTS[(n + 2) % len(PLACEMENTS)]) if moves else (place,)):
            placements.append(dict(
                address=address, placement_type=kind, provider_type=provider,
                postcode=postcode, urn=f"SC{400000 + n * 10 + k}",
                provider_org_id=orgs["brook-house"].id if brook else None,
                local_authority_id=orgs["wfc"].id,
                starts_on=since if k == 0 else moved,
                ends_on=(moved if moves and k == 0 else ends),
                end_reason=MOVE_REASONS[n % len(MOVE_REASONS)] if moves and k == 0 else None))
        # a few children go missing again and again (R28 and the repeat figures)
        weight = 12 if n == 3 else 4 if n % 5 == 0 else rng.choice((1, 1, 2, 3))
        item = ImportedChild(child=child, legal_statuses=statuses, placements=placements)
        item.episodes = [e for e in (_episode(rng, now, template, since, ends)
                                      for _ in range(weight)) if e is not None]
        items.append(item)
    return items


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), clock.LONDON).astimezone(dt.UTC)


def _episode(rng, now, template, since: dt.date, ends: dt.date | None):
    """One closed episode inside the child's care (None when the care lies before the
    history): mostly missing, some away, a few away then missing the same day, a few found
    not to have been missing."""
    earliest = max(now - dt.timedelta(days=MONTHS * 30.4), _midnight(since) + dt.timedelta(days=1))
    latest = now - dt.timedelta(days=3)
    if ends is not None:
        latest = min(latest, _midnight(ends) - dt.timedelta(days=8))
    if latest <= earliest:
        return None
    seen = earliest + (latest - earliest) * rng.random()
    reported = seen + dt.timedelta(minutes=rng.choice((20, 35, 50, 90)))
    hours = rng.choice((2, 3, 5, 8, 14, 20, 30, 44, 70, 100, 160))
    found = seen + dt.timedelta(hours=hours * rng.uniform(0.8, 1.2))
    grade = rng.choice(("low", "low", "medium", "medium", "high"))
    shape = rng.random()
    category = "M" if rng.random() < 0.8 else "A"
    segments = [dict(category=category, starts_at=seen, ends_at=found, reason="")]
    if shape < 0.1:  # away, then whereabouts lost: one episode, two segments
        switch = seen + (found - seen) / 3
        category = "M"
        segments = [dict(category="A", starts_at=seen, ends_at=switch, reason=""),
                    dict(category="M", starts_at=switch, ends_at=found,
                         reason="Whereabouts no longer known")]
    episode = dict(category=category, last_seen_at=seen, reported_at=reported,
                   found_at=found, found_where=rng.choice(FOUND_WHERE), found_by="Police",
                   risk_grade=grade, status="closed", closed_at=found + dt.timedelta(days=5),
                   report={"history": True}, created_at=reported,
                   not_missing=0.1 <= shape < 0.13)
    case = dict(process_id="episode", process_version_id=template.process_version_id,
                spec_versions=template.spec_versions, status="completed", stage="closed",
                state=template.state, created_at=reported, updated_at=episode["closed_at"],
                completed_at=episode["closed_at"])
    anchors = {"reported": reported, "seen": seen, "found": found}
    work = []
    for form, element, name, role, clock_name, anchor, deadline in DEADLINE_WORK:
        if clock_name == "low_risk_review" and grade != "low":
            continue
        if clock_name in ("strategy_meeting", "need_to_know") and hours < 24:
            continue
        due = anchors[anchor] + dt.timedelta(hours=deadline)
        late = rng.random()
        done = due - dt.timedelta(hours=deadline * rng.uniform(0.1, 0.9)) if late < 0.78 \
            else due + dt.timedelta(hours=rng.uniform(1, 30))
        data = None
        if form == "rhi":
            offered = rng.random() < 0.9
            data = {"rhi_offered": offered,
                    "rhi_outcome": rng.choice(("completed", "completed", "completed",
                                               "child_declined", "parents_declined"))
                    if offered else "child_declined"}
        work.append(dict(
            task_id=f"history-{{episode}}-{element}", process_id="episode",
            element_id=element, name=name, role=role, form_key=form, clock=clock_name,
            state="completed", due_at=due, created_at=anchors[anchor],
            completed_at=done, completed_by="Imported", data=data))
    return ImportedEpisode(episode, segments, case, work)
