"""A year and a quarter of closed missing episodes for the demo, so the managers'
dashboard and the DfE return page show real figures (issue 13).

Written as a previous system's records would be imported: the closed episodes, their
(completed) cases and the work items with their statutory clocks, due and completion
times, in one transaction. Nothing here runs the procedure: the dashboard reads only
these projections and the child's record. Deterministic (a fixed seed), relative to the
demo's clock.
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select

from engine import clock
from engine.models import Case, Child, Episode, Organisation, WorkItem

SEED = 13
MONTHS = 15
NAMES = ("Aaron Abbott", "Bella Booth", "Callum Croft", "Daisy Dawson", "Ellis Earnshaw",
         "Freya Fell", "George Garside", "Holly Hartley", "Isaac Irving", "Jade Jackson",
         "Kian Kirkby", "Lily Lowther", "Mason Metcalfe", "Nia Nicholson", "Owen Oldfield",
         "Poppy Parkin", "Reece Rigg", "Sophie Salkeld", "Tyler Tweddle", "Una Usher",
         "Vinnie Vickers", "Willow Wilson", "Xander Yeats", "Zara Zanetti")
PLACEMENTS = ("Brook House", "Fellside foster home", "Kendal supported lodgings",
              "Riverside Children's Home", "Lakeland foster carers")
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
        children = _children(session, rng, orgs)
        count = 0
        for child, weight in children:
            for _ in range(weight):
                _episode(session, rng, child, now, template_case)
                count += 1
    return count


def _children(session, rng, orgs):
    """The demo's children in care get the date they became looked after; and more
    children in care are added, a few of them missing often."""
    result = []
    for child in session.scalars(select(Child).where(Child.legal_status != "not_in_care")):
        child.flags = {**(child.flags or {}), "looked_after_since": "2023-09-04"}
        result.append((child, 2))
    for n, name in enumerate(NAMES):
        first, last = name.split()
        ours = n % 6 != 5
        child = Child(
            first_name=first, last_name=last,
            date_of_birth=dt.date(2008 + n % 9, 1 + n % 12, 1 + (n * 7) % 28),
            ethnicity="White British", legal_status=("care_order", "s20")[n % 2],
            responsible_org_id=orgs["wfc" if ours else "lcc"].id,
            host_org_id=None if ours else orgs["wfc"].id,
            placement=PLACEMENTS[n % len(PLACEMENTS)],
            flags={"looked_after_since": f"20{22 + n % 3}-0{1 + n % 9}-15",
                   **({"ce_risk": True} if n % 7 == 0 else {})})
        session.add(child)
        # a few children go missing again and again (R28 and the repeat figures)
        result.append((child, 12 if n == 3 else 4 if n % 5 == 0 else rng.choice((1, 1, 2, 3))))
    session.flush()
    return result


def _episode(session, rng, child, now, template):
    seen = now - dt.timedelta(days=rng.uniform(3, MONTHS * 30.4), hours=rng.uniform(0, 23))
    reported = seen + dt.timedelta(minutes=rng.choice((20, 35, 50, 90)))
    hours = rng.choice((2, 3, 5, 8, 14, 20, 30, 44, 70, 100, 160))
    found = seen + dt.timedelta(hours=hours * rng.uniform(0.8, 1.2))
    grade = rng.choice(("low", "low", "medium", "medium", "high"))
    episode = Episode(child_id=child.id, category="M" if rng.random() < 0.8 else "A",
                      last_seen_at=seen, reported_at=reported, found_at=found,
                      found_where=rng.choice(FOUND_WHERE), found_by="Police",
                      risk_grade=grade, status="closed", closed_at=found + dt.timedelta(days=5),
                      report={"history": True}, created_at=reported)
    session.add(episode)
    session.flush()
    case = Case(process_id="episode", process_version_id=template.process_version_id,
                spec_versions=template.spec_versions, child_id=child.id,
                episode_id=episode.id, status="completed", stage="closed",
                state=template.state, created_at=reported, updated_at=episode.closed_at,
                completed_at=episode.closed_at)
    session.add(case)
    session.flush()
    anchors = {"reported": reported, "seen": seen, "found": found}
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
        session.add(WorkItem(
            case_id=case.id, task_id=f"history-{episode.id}-{element}", process_id="episode",
            element_id=element, name=name, role=role, form_key=form, clock=clock_name,
            state="completed", due_at=due, created_at=anchors[anchor],
            completed_at=done, completed_by="Imported", data=data))
