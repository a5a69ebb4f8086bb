"""Issue 16: a finished case's timers are kept in its archive, not as timer rows.

Nothing fires or reads a finished case's timers again except its case page and the API,
which now read the archive (`engine.case_timers`): the rows were 2.2 KB of the 14.5 KB a
closed episode kept (bench/storage.py). And the archive, written once, is compressed
(`engine.store.archive`): 2.9 KB of JSON to 1.2 KB. Cases that finished before this
migration are folded and compressed the same way, 500 cases to a statement.

The downgrade puts the rows back from the archives, and the archives back into JSON. What
the archive does not keep is made up: each row's task id is a new one and its process id
is its case's (the code before read neither from a finished case's timers).

Revision ID: 0020_timers_kept_in_archive
Revises: 0019_audit_without_prev_hash
"""

import base64
import datetime as dt
import json
import uuid
import zlib

import sqlalchemy as sa
from alembic import op

from engine.models import UTCDateTime

revision = "0020_timers_kept_in_archive"
down_revision = "0019_audit_without_prev_hash"
branch_labels = None
depends_on = None

CHUNK = 500
case_record = sa.table("case_record", sa.column("id", sa.Integer),
                       sa.column("status", sa.String), sa.column("state", sa.Text),
                       sa.column("process_id", sa.String))
timer = sa.table("timer", sa.column("id", sa.Integer), sa.column("case_id", sa.Integer),
                 sa.column("task_id", sa.String), sa.column("process_id", sa.String),
                 sa.column("element_id", sa.String), sa.column("name", sa.String),
                 sa.column("state", sa.String), sa.column("due_at", UTCDateTime),
                 sa.column("fired_at", UTCDateTime))


def upgrade():
    conn = op.get_bind()
    finished = conn.scalars(
        sa.select(case_record.c.id).where(case_record.c.status == "completed",
                                          case_record.c.state.like('{"format":%'))
        .order_by(case_record.c.id)).all()
    for start in range(0, len(finished), CHUNK):
        ids = finished[start:start + CHUNK]
        kept: dict[int, list] = {case_id: [] for case_id in ids}
        for row in conn.execute(
                sa.select(timer.c.case_id, timer.c.element_id, timer.c.name, timer.c.state,
                          timer.c.due_at).where(timer.c.case_id.in_(ids))
                .order_by(timer.c.case_id, timer.c.due_at, timer.c.id)):
            kept[row.case_id].append([row.element_id, row.name, row.state,
                                      row.due_at.isoformat()])
        archives = {}
        for case_id, payload in conn.execute(sa.select(case_record.c.id, case_record.c.state)
                                             .where(case_record.c.id.in_(ids))):
            stored = json.loads(payload)
            if "archived" not in stored:
                continue  # not an archive (a finished case always has one; never seen)
            if kept[case_id]:
                stored["timers"] = kept[case_id]
            archives[case_id] = _packed(stored)
        if archives:
            conn.execute(case_record.update().where(case_record.c.id == sa.bindparam("case"))
                         .values(state=sa.bindparam("archive")),
                         [{"case": case_id, "archive": archive}
                          for case_id, archive in archives.items()])
            conn.execute(timer.delete().where(timer.c.case_id.in_(list(archives))))


def downgrade():
    conn = op.get_bind()
    for case in conn.execute(
            sa.select(case_record.c.id, case_record.c.state, case_record.c.process_id)
            .where(case_record.c.status == "completed",
                   case_record.c.state.like(f"{ARCHIVED}%")
                   | case_record.c.state.like('{"format":%"timers":%'))).all():
        stored = _unpacked(case.state)
        rows = [{"case_id": case.id, "task_id": str(uuid.uuid4()),
                 "process_id": case.process_id, "element_id": element, "name": name,
                 "state": state, "due_at": dt.datetime.fromisoformat(due), "fired_at": None}
                for element, name, state, due in stored.pop("timers", [])]
        if rows:
            conn.execute(timer.insert(), rows)
        conn.execute(case_record.update().where(case_record.c.id == case.id)
                     .values(state=json.dumps(stored, separators=(",", ":"))))


# As engine.store writes and reads an archive at this revision (kept here, so that a later
# change there does not change what this migration did).
ARCHIVED = "a:"


def _packed(stored: dict) -> str:
    plain = json.dumps(stored, separators=(",", ":"))
    packed = ARCHIVED + base64.b64encode(zlib.compress(plain.encode(), 9)).decode("ascii")
    return packed if len(packed) < len(plain) else plain


def _unpacked(payload: str) -> dict:
    if not payload.startswith(ARCHIVED):
        return json.loads(payload)
    return json.loads(zlib.decompress(base64.b64decode(payload[len(ARCHIVED):])))
