"""Which statutory deadlines a new version changes (issue 12): timers with a `clock`."""

from pathlib import Path

from engine import statutory_changes as sc

INTERVIEW = (Path(__file__).resolve().parents[2] / "processes" / "interview.bpmn").read_bytes()


def test_r22_the_rhi_clock_moved_from_72_to_48_hours_is_one_change_in_words():
    new = INTERVIEW.replace(b"sg_hours_after(found_at, 72)", b"sg_hours_after(found_at, 48)", 1)
    found = sc.changes(INTERVIEW, new, "interview.bpmn")
    assert [c.sentence for c in found] == [
        "changes the rhi deadline (R22), timer 'rhi_due' from 72 hours after the child was "
        "found to 48 hours after the child was found"]


def test_r22_removing_a_clock_or_its_timer_is_a_change_and_a_rename_is_not():
    renamed = INTERVIEW.replace(b'name="72 hours after found"', b'name="Three days"', 1)
    assert sc.changes(INTERVIEW, renamed, "interview.bpmn") == []
    unclocked = INTERVIEW.replace(b'<spiffworkflow:property name="clock" value="rhi"/>', b"", 1)
    found = sc.changes(INTERVIEW, unclocked, "interview.bpmn")
    assert [c.sentence for c in found] == [
        "removes the rhi deadline (R22), timer 'rhi_due' (was 72 hours after the child was "
        "found)"]
    assert [c.sentence for c in sc.changes(unclocked, INTERVIEW, "interview.bpmn")] == [
        "adds the rhi deadline (R22), timer 'rhi_due': 72 hours after the child was found"]


def test_a_first_version_and_a_decision_table_change_no_statutory_deadline():
    assert sc.changes(None, INTERVIEW, "interview.bpmn") == []
    assert sc.statutory_timers(b"<definitions/>", "triggers.dmn") == {}


def test_the_note_records_each_change_and_the_reason():
    change = sc.changes(INTERVIEW, INTERVIEW.replace(
        b"sg_hours_after(found_at, 72)", b"sg_days_after(found_at, 2)", 1), "interview.bpmn")
    note = sc.recorded_note("Shorter", change, "  The board agreed  ")
    assert note.splitlines() == [
        "Shorter",
        "Statutory deadline: this version changes the rhi deadline (R22), timer 'rhi_due' "
        "from 72 hours after the child was found to 2 days after the child was found.",
        "Reason for the deadline change: The board agreed"]
