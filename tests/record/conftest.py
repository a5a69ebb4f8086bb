"""The child's record tests drive the procedure's diagrams like tests/procedure does."""

import pytest

from tests.procedure.conftest import Procedure


@pytest.fixture
def proc(session, fake_clock, published):
    yield Procedure(session, fake_clock)
    session.rollback()
