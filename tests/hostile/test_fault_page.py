"""A person who completes a step whose diagram loops for ever sees, within seconds, a
clear page (what failed, that nothing was lost, that an administrator is told); the case
is set aside in error and what they typed is kept as their draft."""

import time

from sqlalchemy import select

from engine import forms
from engine.commands import PublishProcesses, StartCase
from engine.executor import SYSTEM, run
from engine.models import Case, Draft, WorkItem
from tests.engine.conftest import HERE as ENGINE_TESTS
from tests.web.conftest import app, client, make_child, make_org, make_user, sign_in  # noqa: F401

from .corpus import script_diagram


def test_a_looping_script_gives_a_clear_page_and_keeps_the_typing(
        monkeypatch, session, client, make_org, make_user, make_child):  # noqa: F811
    monkeypatch.setattr(forms, "FORMS_DIR", ENGINE_TESTS / "forms")
    files = {"hostile.bpmn": script_diagram("while case_id:\n    pass")}
    run(session, PublishProcesses(files), SYSTEM)
    org = make_org()
    police = make_user("police", org=org)
    child = make_child(org)
    case = run(session, StartCase("hostile", {}, child_id=child.id), SYSTEM)
    item = session.scalar(select(WorkItem).where(WorkItem.case_id == case.id))
    sign_in(client, police.email)
    started = time.monotonic()
    response = client.post(f"/work/{item.id}", data={"note": "Seen at the station",
                                                      "outcome": "done"})
    assert time.monotonic() - started < 5
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "This step could not be completed" in page
    assert "Nothing you entered has been lost" in page and "administrator" in page
    assert "hostile_script" not in page  # people see words, not element ids
    session.rollback()
    stored = session.get(Case, case.id)
    assert (stored.status, stored.error_element) == ("error", "hostile_script")
    assert session.get(WorkItem, item.id).state == "open"
    draft = session.scalar(select(Draft).where(Draft.work_item_id == item.id))
    assert draft is not None and draft.data["note"] == "Seen at the station"
