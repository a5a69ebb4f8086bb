"""A plain page of open cases and work items, until the inbox arrives."""

from flask import render_template
from sqlalchemy import select

from engine.models import Case, WorkItem

from ..database import get_session
from . import bp


@bp.route("/")
def index():
    session = get_session()
    cases = session.scalars(select(Case).where(Case.status == "running")
                            .order_by(Case.id.desc()).limit(100)).all()
    items = session.scalars(select(WorkItem).where(WorkItem.state == "open")
                            .order_by(WorkItem.due_at.is_(None), WorkItem.due_at)
                            .limit(200)).all()
    return render_template("overview/index.html", cases=cases, items=items)
