"""R43 on the work item page: where the child was last seen is withheld there too, from
users without a working need, and each view of a withheld child's whereabouts is audited."""

from sqlalchemy import select

from engine.child_record import SetFlags
from engine.executor import SYSTEM, run
from engine.models import AuditEvent, WorkItem

from .conftest import sign_in


def _publicity_item(session, world) -> int:
    session.rollback()
    return session.scalar(select(WorkItem.id).where(
        WorkItem.case_id == world.case.id, WorkItem.element_id == "publicity_decision"))


def test_r43_work_item_page_withholds_where_the_child_was_last_seen(client, world, session,
                                                                    make_user):
    item_id = _publicity_item(session, world)
    health = make_user("health", org=world.council, name="Hana Health")
    sign_in(client, health.email)
    before = client.get(f"/work/{item_id}").get_data(as_text=True)
    assert "Near the placement" in before  # not withheld yet: shown to everyone on the case
    client.get("/sign-out")
    run(session, SetFlags(world.child.id, {"location_withheld": True},
                          "R43: identity not established"), SYSTEM)
    client = client.application.test_client()
    sign_in(client, health.email)
    page = client.get(f"/work/{item_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Near the placement" not in html and "withheld from enquirers" in html
    client = client.application.test_client()
    sign_in(client, world.police.email)  # the force holding the episode: a working need
    assert "Near the placement" in client.get(f"/work/{item_id}").get_data(as_text=True)
    session.rollback()
    actions = [(e.actor_id, e.action) for e in session.scalars(select(AuditEvent).where(
        AuditEvent.action.in_(("child.location_hidden", "child.location_viewed")),
        AuditEvent.child_id == world.child.id).order_by(AuditEvent.id))]
    assert actions == [(health.id, "child.location_hidden"),
                       (world.police.id, "child.location_viewed")]
