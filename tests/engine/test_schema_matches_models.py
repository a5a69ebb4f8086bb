"""The migrations build the schema the models describe: an index, column or constraint
changed in one and not the other would show here (alembic's autogenerate comparison)."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from engine.models import Base


def _real_difference(change) -> bool:
    # SQLite reflects a float column back as FLOAT whatever the model's float type: the
    # same REAL storage, not a difference.
    if isinstance(change, list):
        change = change[0]
    if change[0] == "modify_type":
        return not (isinstance(change[-2], sa.Float) and isinstance(change[-1], sa.Float))
    return True


def test_the_migrated_schema_is_the_one_the_models_describe(db_engine):
    with db_engine.connect() as conn:
        changes = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [c for c in changes if _real_difference(c)] == []
