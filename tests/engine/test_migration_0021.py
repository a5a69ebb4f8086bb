"""Migration 0021 (issue 16): the open items' (state, role, due_at) index goes, and the
inbox's keyset index, which serves the same queries, stays."""

import sqlalchemy as sa
from alembic import command

from engine import migrate


def _indexes(url) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return {index["name"] for index in sa.inspect(engine).get_indexes("work_item")}
    finally:
        engine.dispose()


def test_0021_drops_the_open_role_index_and_the_downgrade_puts_it_back(old_database):
    migrate.upgrade(old_database)
    assert "ix_work_item_open_role" not in _indexes(old_database)
    assert "ix_work_item_open_queue" in _indexes(old_database)
    command.downgrade(migrate.alembic_config(old_database), "0020_timers_kept_in_archive")
    assert {"ix_work_item_open_role", "ix_work_item_open_queue"} <= _indexes(old_database)
    migrate.upgrade(old_database)
    assert "ix_work_item_open_role" not in _indexes(old_database)
