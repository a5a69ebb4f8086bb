"""An administrator adds a one-off bank holiday; working-day deadlines skip it (R28)."""


from click.testing import CliRunner

from engine import runtime
from web.cli import main


def test_r28_added_bank_holiday_moves_a_working_day_deadline(session, database_url,
                                                            fake_clock):
    before = runtime.script_engine(session).environment.globals["sg_working_days_after"]
    assert before("2026-03-02T09:00:00+00:00", 1).startswith("2026-03-03")
    session.rollback()

    result = CliRunner().invoke(main, ["--database-url", database_url, "holidays", "add",
                                       "2026-03-03", "A one-off holiday"])
    assert result.exit_code == 0, result.output

    after = runtime.script_engine(session).environment.globals["sg_working_days_after"]
    assert after("2026-03-02T09:00:00+00:00", 1).startswith("2026-03-04")
    again = CliRunner().invoke(main, ["--database-url", database_url, "holidays", "add",
                                      "2026-03-03", "Twice"])
    assert "already" in again.output
