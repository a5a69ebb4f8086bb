"""Migration 0020 (issue 16): a finished case's timer rows fold into its archive, which is
compressed, and the downgrade puts both back as the code before wrote them."""

import base64
import datetime as dt
import json
import zlib

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import select

from engine import case_timers, db, migrate, store
from engine.commands import (
    CompleteWorkItem,
    DeliverMessage,
    FireTimers,
    PublishProcesses,
    StartCase,
)
from engine.executor import SYSTEM, run
from engine.models import Case, Timer, WorkItem

from .conftest import HERE


@pytest.mark.parametrize("timers", [1, 20], ids=["small plain archive", "compressed archive"])
def test_0020_folds_a_finished_cases_timer_rows_and_the_downgrade_restores_them(
        old_database, fake_clock, engine_forms, timers):
    migrate.upgrade(old_database)
    engine = db.make_engine(old_database)
    sessions = db.make_session_factory(engine)
    with sessions() as session:
        run(session, PublishProcesses({"simple.bpmn": (HERE / "diagrams" / "simple.bpmn")
                                       .read_bytes()}), SYSTEM)
        reported = fake_clock.now()
        case_id = run(session, StartCase("simple", {"reported_at": reported.isoformat()}),
                      SYSTEM).id
        fake_clock.advance(hours=3)
        run(session, FireTimers(case_id), SYSTEM)
        for item in session.scalars(select(WorkItem).where(WorkItem.case_id == case_id)).all():
            run(session, CompleteWorkItem(item.id, {"note": "x", "outcome": "done"}), SYSTEM)
        run(session, DeliverMessage(case_id, "ping", {}), SYSTEM)
        case = session.get(Case, case_id)
        shown = [(t.element_id, t.name, t.state, t.due_at)
                 for t in case_timers.of_case(session, case)]
        assert shown == [("first_deadline", "2 hours after the report", "fired",
                          reported + dt.timedelta(hours=2))]
        if timers > 1:  # as a case with many timers is archived: compressed
            shown = [(e, n, st, due + dt.timedelta(days=d)) for d in range(timers)
                     for e, n, st, due in shown]
            kept = [[e, n, st, due.isoformat()] for e, n, st, due in shown]
            plain = json.dumps({"format": 1, "archived": store.archived(case.state),
                                "timers": kept})
            case.state = store.ARCHIVED + base64.b64encode(zlib.compress(
                plain.encode())).decode()
            session.commit()
    engine.dispose()

    command.downgrade(migrate.alembic_config(old_database), "0019_audit_without_prev_hash")
    engine = db.make_engine(old_database)
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT element_id, name, state, process_id FROM timer WHERE case_id = :c"),
            {"c": case_id}).all()
        state = conn.scalar(sa.text("SELECT state FROM case_record WHERE id = :c"),
                            {"c": case_id})
    engine.dispose()
    assert [tuple(r) for r in rows] == [("first_deadline", "2 hours after the report",
                                         "fired", "simple")] * timers
    assert state.startswith('{"format":1,"archived":') and '"timers"' not in state

    migrate.upgrade(old_database)
    engine = db.make_engine(old_database)
    sessions = db.make_session_factory(engine)
    with sessions() as session:
        assert session.scalars(select(Timer).where(Timer.case_id == case_id)).all() == []
        assert store.archived_timers(session.get(Case, case_id).state)
        again = [(t.element_id, t.name, t.state, t.due_at)
                 for t in case_timers.of_case(session, session.get(Case, case_id))]
    engine.dispose()
    assert again == shown
