"""0007 moves the record's old single fields into dated periods and flag history (R2)."""

import datetime as dt

import sqlalchemy as sa

from engine import migrate


def test_r2_migration_moves_existing_rows_into_periods_and_flag_history(old_database):
    migrate.upgrade(old_database, "0006")
    engine = sa.create_engine(old_database)
    now = dt.datetime(2026, 1, 5, 10, 0)
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO organisation (id, code, name, kind) VALUES "
            "(1, 'wfc', 'Ours', 'local_authority'), (2, 'lcc', 'Theirs', 'local_authority')"))
        conn.execute(sa.text(
            "INSERT INTO user_account (id, email, name, password_hash, organisation_id, "
            "active, created_at) VALUES (1, 'sw@x', 'Sam', 'x', 1, true, :now), "
            "(2, 'iro@x', 'Indira', 'x', 1, true, :now)"), {"now": now})
        child = ("INSERT INTO child (id, first_name, last_name, date_of_birth, ethnicity, "
                 "legal_status, responsible_org_id, host_org_id, placement, social_worker_id,"
                 " iro_id, flags, created_at) VALUES (:id, 'A', 'B', '2011-05-04', :eth, "
                 ":legal, 1, :host, :placement, :sw, :iro, :flags, :now)")
        conn.execute(sa.text(child), [
            {"id": 1, "eth": "White British", "legal": "care_order", "host": 2,
             "placement": "Foster home", "sw": 1, "iro": 2, "now": now,
             "flags": '{"ce_risk": true, "looked_after_since": "2025-09-01"}'},
            {"id": 2, "eth": None, "legal": "not_in_care", "host": None, "placement": None,
             "sw": None, "iro": None, "now": now, "flags": "{}"}])
        conn.execute(sa.text(
            "INSERT INTO episode (id, child_id, category, last_seen_at, reported_at, status,"
            " report, created_at) VALUES (1, 1, 'A', :now, :now, 'open', '{}', :now)"),
            {"now": now})
    engine.dispose()
    migrate.upgrade(old_database)
    engine = sa.create_engine(old_database)
    with engine.connect() as conn:
        periods = conn.execute(sa.text(
            "SELECT child_id, legal_status, starts_on, ls_code FROM legal_status_period"
        )).all()
        placements = conn.execute(sa.text(
            "SELECT child_id, address, local_authority_id, starts_on FROM placement")).all()
        allocations = conn.execute(sa.text(
            "SELECT child_id, role, user_id FROM allocation ORDER BY role")).all()
        flags = conn.execute(sa.text(
            "SELECT child_id, flag FROM child_flag_change ORDER BY flag")).all()
        codes = conn.execute(sa.text(
            "SELECT id, ethnic_code, sex, revision FROM child ORDER BY id")).all()
        segments = conn.execute(sa.text(
            "SELECT episode_id, category FROM episode_segment")).all()
    engine.dispose()
    assert [(r[0], r[1], str(r[2]), r[3]) for r in periods] == [
        (1, "care_order", "2025-09-01", "C2")]
    assert [(r[0], r[1], r[2], str(r[3])) for r in placements] == [
        (1, "Foster home", 2, "2025-09-01")]
    assert [tuple(r) for r in allocations] == [(1, "iro", 2), (1, "social_worker", 1)]
    assert [tuple(r) for r in flags] == [(1, "ce_risk"), (1, "looked_after_since")]
    assert [tuple(r) for r in codes] == [(1, "WBRI", "U", 1), (2, "NOBT", "U", 1)]
    assert [tuple(r) for r in segments] == [(1, "A")]
