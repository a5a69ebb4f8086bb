"""Issue 16: a case's workflow saved by this process is used again by its next command
instead of parsing the state just written, and only while the stored state is still
exactly what this process saved: never after a rollback, a savepoint, another process's
change or on another database."""

from sqlalchemy import select, update

from engine import runtime, store, workflow_cache
from engine.commands import CompleteWorkItem, StartCase
from engine.executor import SYSTEM, run
from engine.models import Case, WorkItem


def start(session, fake_clock):
    return run(session, StartCase("simple", {"reported_at": fake_clock.now().isoformat()}),
               SYSTEM)


def first_item(session, case_id):
    return session.scalar(select(WorkItem).where(WorkItem.case_id == case_id,
                                                 WorkItem.element_id == "first"))


def loaded(session, case_id):
    """The workflow the next command on the case would run on (taken out of the cache)."""
    session.rollback()  # the reads before it
    with session.begin():
        return runtime.load_case(session, case_id)[1]


def saved(session, case_id, change):
    """A command's load, change and save of the case; returns its workflow."""
    session.rollback()
    with session.begin():
        case, workflow = runtime.load_case(session, case_id)
        change(workflow)
        runtime.save_case(session, case, workflow, SYSTEM, "test.changed")
    return workflow


def test_the_workflow_a_committed_command_saved_is_the_one_the_next_command_runs_on(
        session, simple, fake_clock):
    case = start(session, fake_clock)
    workflow = saved(session, case.id, lambda wf: wf.data.update(marked=1))
    again = loaded(session, case.id)
    assert again is workflow
    # Taken, not shared: a second command finds nothing kept and parses the state.
    third = loaded(session, case.id)
    assert third is not workflow and third.data["marked"] == 1


def test_a_completion_on_the_kept_workflow_does_what_one_on_the_parsed_state_does(
        session, simple, fake_clock, people):
    """The suite runs mostly on kept workflows; this pins one step both ways."""
    outcomes = []
    for cold in (False, True):
        case = start(session, fake_clock)
        if cold:
            workflow_cache.clear()
        item = first_item(session, case.id)
        run(session, CompleteWorkItem(item.id, {"note": "x", "outcome": "done"}),
            people["police"])
        session.expire_all()
        after = session.get(Case, case.id)
        workflow = loaded(session, case.id)
        outcomes.append((after.stage, sorted(
            (t.task_spec.bpmn_id, t.state) for t in workflow.get_tasks()
            if t.task_spec.bpmn_id), {k: v for k, v in workflow.data.items()
                                     if k != "case_id"}))
    assert outcomes[0] == outcomes[1]


def test_a_rolled_back_command_leaves_nothing_kept(session, simple, fake_clock):
    case = start(session, fake_clock)
    session.rollback()
    session.begin()
    loaded_case, workflow = runtime.load_case(session, case.id)
    workflow.data["half_done"] = True
    runtime.save_case(session, loaded_case, workflow, SYSTEM, "test.changed")
    session.rollback()
    for _ in range(2):  # nor after the next commit
        again = loaded(session, case.id)
        assert again is not workflow and "half_done" not in again.data


def test_a_save_inside_a_savepoint_is_not_kept(session, simple, fake_clock):
    case = start(session, fake_clock)
    session.rollback()
    with session.begin():
        with session.begin_nested():
            loaded_case, workflow = runtime.load_case(session, case.id)
            workflow.data["in_savepoint"] = True
            runtime.save_case(session, loaded_case, workflow, SYSTEM, "test.changed")
    again = loaded(session, case.id)
    assert again is not workflow and again.data["in_savepoint"] is True


def test_a_change_another_process_saved_is_read_not_overtaken(
        session, simple, fake_clock, db_engine):
    case = start(session, fake_clock)
    workflow = saved(session, case.id, lambda wf: wf.data.update(by="this process"))
    # Another process loads the same state, changes it and saves it: a different text.
    theirs = store.loads(session.get(Case, case.id).state,
                         *runtime.specs_for_case(session, session.get(Case, case.id)))
    theirs.data["by"] = "another process"
    session.rollback()
    with db_engine.begin() as conn:
        conn.execute(update(Case).where(Case.id == case.id).values(
            state=store.pack(store.dumps(theirs)), revision=Case.revision + 1))
    session.expire_all()
    again = loaded(session, case.id)
    assert again is not workflow and again.data["by"] == "another process"
