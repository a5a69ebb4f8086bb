"""The garbage collector as the web app and the timer worker run it (issue 16)."""

import gc

import pytest

from engine import collector
from web import create_app


@pytest.fixture
def default_threshold():
    saved = gc.get_threshold()
    gc.set_threshold(700, 10, 10)  # CPython's default
    yield
    gc.set_threshold(*saved)


def test_the_web_app_collects_young_objects_a_step_at_a_time_not_forty_times_a_step(
        default_threshold, tmp_path):
    create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/app.sqlite3",
                "SECRET_KEY": "test-" + "x" * 40})
    assert gc.get_threshold() == (collector.YOUNG, 10, 10)


def test_tuning_never_makes_collections_more_frequent(default_threshold):
    gc.set_threshold(50_000, 10, 10)
    collector.tune()
    assert gc.get_threshold() == (50_000, 10, 10)
