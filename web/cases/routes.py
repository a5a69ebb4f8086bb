from flask import render_template
from sqlalchemy import select

from engine import case_timers
from engine.models import User, WorkItem

from ..access import case_or_404, record_view, role_required
from ..database import get_session
from . import bp


@bp.route("/cases/<int:case_id>")
@role_required()
def show(case_id: int):
    session = get_session()
    case = case_or_404(session, case_id)
    items = session.scalars(select(WorkItem).where(WorkItem.case_id == case.id)
                            .order_by(WorkItem.created_at, WorkItem.id)).all()
    timers = case_timers.of_case(session, case)
    names = dict(session.execute(select(User.id, User.name).where(
        User.id.in_({i.assignee_id for i in items if i.assignee_id}))).all())
    record_view("case", case.id, case_id=case.id, child_id=case.child_id, page="case")
    return render_template("cases/show.html", case=case, items=items, timers=timers,
                           names=names,
                           open_items=[i for i in items if i.state == "open"],
                           done_items=[i for i in items if i.state != "open"])
