from tests.engine.conftest import people  # noqa: F401 - the engine tests' real users
