"""issue 13's speed point: the per-episode facts the managers' dashboard aggregates
(engine/episode_facts.py), created and filled for the episodes already recorded

Revision ID: 0014_dash13_episode_facts
Revises: 0013_open_cases_index
"""

import sqlalchemy as sa
from alembic import op

from engine.models import UTCDateTime

revision = "0014_dash13_episode_facts"
down_revision = "0013_open_cases_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "episode_fact",
        sa.Column("episode_id", sa.Integer(),
                  sa.ForeignKey("episode.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("responsible_org_id", sa.Integer(), nullable=True),
        sa.Column("category", sa.String(length=1), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(), nullable=False),
        sa.Column("found_at", UTCDateTime(), nullable=True),
        sa.Column("not_missing", sa.Boolean(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("care_status", sa.String(length=32), nullable=False),
        sa.Column("establishment", sa.String(length=500), nullable=True),
        sa.Column("placement_type", sa.String(length=3), nullable=False),
        sa.Column("placed_org_id", sa.Integer(), nullable=True),
        sa.Column("found_where", sa.String(length=500), nullable=True),
        sa.Column("risk_grade", sa.String(length=8), nullable=True),
        sa.Column("ce_risk", sa.Boolean(), nullable=True),
        sa.Column("rhi_seconds", sa.Float(), nullable=True),
        sa.Column("rhi_recorded", sa.Boolean(), nullable=False),
        sa.Column("rhi_offered", sa.Boolean(), nullable=True),
        sa.Column("rhi_outcome", sa.String(length=32), nullable=True),
    )
    op.create_index("ix_episode_fact_last_seen", "episode_fact", ["last_seen_at", "child_id"])
    op.create_index("ix_episode_fact_found", "episode_fact", ["found_at", "child_id"])
    op.create_index("ix_episode_fact_org_last_seen", "episode_fact",
                    ["responsible_org_id", "last_seen_at"])
    op.create_index("ix_episode_fact_child", "episode_fact", ["child_id"])
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # current row counts, or the planner may join every episode to the record by loops
        bind.exec_driver_sql("ANALYZE episode, child, legal_status_period, placement, "
                             "case_record, work_item")
    bind.exec_driver_sql(BACKFILL[bind.dialect.name])


# The statement engine/episode_facts.py wrote the rows with when this migration was made
# (`rebuild`, compiled for each dialect), frozen here so that a later change to the engine
# cannot change what an old database is upgraded with. tests/web/test_dashboard_facts.py
# checks that it still fills the same rows as the engine's rebuild. SQLite's sf_* functions
# are the London-day ones engine.db registers on every connection.
BACKFILL = {
    "postgresql": """
WITH fact_episodes AS
(SELECT episode.id AS id, episode.child_id AS child_id, episode.category AS category, episode.last_seen_at AS last_seen_at, episode.found_at AS found_at, episode.not_missing AS not_missing, episode.found_where AS found_where, episode.risk_grade AS risk_grade, CAST(timezone('Europe/London', episode.last_seen_at) AS DATE) AS day, EXTRACT(EPOCH FROM (episode.found_at - episode.last_seen_at)) AS seconds, child.legal_status AS flat_status, child.placement AS flat_placement, child.host_org_id AS host_org_id, child.responsible_org_id AS responsible_org_id, CAST(child.flags ->> 'ce_risk' AS BOOLEAN) AS ce_risk
FROM episode JOIN child ON child.id = episode.child_id
WHERE true)
 INSERT INTO episode_fact (episode_id, child_id, responsible_org_id, category, last_seen_at, found_at, not_missing, month, seconds, care_status, establishment, placement_type, placed_org_id, found_where, risk_grade, ce_risk, rhi_seconds, rhi_recorded, rhi_offered, rhi_outcome) SELECT fact_episodes.id, fact_episodes.child_id, fact_episodes.responsible_org_id, fact_episodes.category, fact_episodes.last_seen_at, fact_episodes.found_at, fact_episodes.not_missing, to_char(fact_episodes.day, 'YYYY-MM') AS anon_1, fact_episodes.seconds, CASE WHEN (anon_3.child_id IS NOT NULL) THEN coalesce(anon_4.value, 'not_in_care') ELSE fact_episodes.flat_status END AS anon_2, CASE WHEN (anon_6.child_id IS NOT NULL) THEN coalesce(placement_1.address, 'Not recorded') ELSE fact_episodes.flat_placement END AS anon_5, CASE WHEN (anon_6.child_id IS NOT NULL) THEN coalesce(placement_1.placement_type, '') ELSE '' END AS anon_7, CASE WHEN (anon_6.child_id IS NOT NULL) THEN placement_1.local_authority_id ELSE CASE WHEN (fact_episodes.host_org_id IS NULL AND fact_episodes.flat_placement IS NULL) THEN NULL ELSE coalesce(fact_episodes.host_org_id, fact_episodes.responsible_org_id) END END AS anon_8, fact_episodes.found_where, fact_episodes.risk_grade, fact_episodes.ce_risk, EXTRACT(EPOCH FROM (anon_10.completed_at - fact_episodes.found_at)) AS anon_9, anon_10.episode_id IS NOT NULL AS anon_11, anon_10.offered, anon_10.outcome
FROM fact_episodes LEFT OUTER JOIN (SELECT legal_status_period.child_id AS child_id
FROM legal_status_period
WHERE legal_status_period.child_id IN (SELECT fact_episodes.child_id
FROM fact_episodes) GROUP BY legal_status_period.child_id) AS anon_3 ON anon_3.child_id = fact_episodes.child_id LEFT OUTER JOIN (SELECT placement.child_id AS child_id
FROM placement
WHERE placement.child_id IN (SELECT fact_episodes.child_id
FROM fact_episodes) GROUP BY placement.child_id) AS anon_6 ON anon_6.child_id = fact_episodes.child_id LEFT OUTER JOIN (SELECT anon_12.episode_id AS episode_id, anon_12.value AS value
FROM (SELECT fact_episodes.id AS episode_id, legal_status_period.legal_status AS value, row_number() OVER (PARTITION BY fact_episodes.id ORDER BY legal_status_period.starts_on, legal_status_period.id) AS rank
FROM fact_episodes JOIN legal_status_period ON legal_status_period.child_id = fact_episodes.child_id AND legal_status_period.starts_on <= fact_episodes.day AND (legal_status_period.ends_on IS NULL OR fact_episodes.day < legal_status_period.ends_on OR fact_episodes.day = legal_status_period.ends_on AND legal_status_period.ends_on = legal_status_period.starts_on)) AS anon_12
WHERE anon_12.rank = 1) AS anon_4 ON anon_4.episode_id = fact_episodes.id LEFT OUTER JOIN (SELECT anon_14.episode_id AS episode_id, anon_14.value AS value
FROM (SELECT fact_episodes.id AS episode_id, placement.id AS value, row_number() OVER (PARTITION BY fact_episodes.id ORDER BY placement.starts_on, placement.id) AS rank
FROM fact_episodes JOIN placement ON placement.child_id = fact_episodes.child_id AND placement.starts_on <= fact_episodes.day AND (placement.ends_on IS NULL OR fact_episodes.day < placement.ends_on OR fact_episodes.day = placement.ends_on AND placement.ends_on = placement.starts_on)) AS anon_14
WHERE anon_14.rank = 1) AS anon_13 ON anon_13.episode_id = fact_episodes.id LEFT OUTER JOIN placement AS placement_1 ON placement_1.id = anon_13.value LEFT OUTER JOIN (SELECT anon_15.episode_id AS episode_id, anon_15.completed_at AS completed_at, anon_15.offered AS offered, anon_15.outcome AS outcome, anon_15.rank AS rank
FROM (SELECT case_record.episode_id AS episode_id, work_item.completed_at AS completed_at, CAST(work_item.data ->> 'rhi_offered' AS BOOLEAN) AS offered, CAST(work_item.data ->> 'rhi_outcome' AS VARCHAR) AS outcome, row_number() OVER (PARTITION BY case_record.episode_id ORDER BY work_item.completed_at, work_item.id) AS rank
FROM work_item JOIN case_record ON case_record.id = work_item.case_id
WHERE case_record.episode_id IN (SELECT fact_episodes.id
FROM fact_episodes) AND work_item.form_key IN ('rhi', 'rhi_placing_authority') AND work_item.state = 'completed') AS anon_15
WHERE anon_15.rank = 1) AS anon_10 ON anon_10.episode_id = fact_episodes.id
""",
    "sqlite": """
WITH fact_episodes AS
(SELECT episode.id AS id, episode.child_id AS child_id, episode.category AS category, episode.last_seen_at AS last_seen_at, episode.found_at AS found_at, episode.not_missing AS not_missing, episode.found_where AS found_where, episode.risk_grade AS risk_grade, sf_london_date(episode.last_seen_at) AS day, sf_seconds_between(episode.last_seen_at, episode.found_at) AS seconds, child.legal_status AS flat_status, child.placement AS flat_placement, child.host_org_id AS host_org_id, child.responsible_org_id AS responsible_org_id, CAST(JSON_EXTRACT(child.flags, '$."ce_risk"') AS BOOLEAN) AS ce_risk
FROM episode JOIN child ON child.id = episode.child_id
WHERE 1 = 1)
 INSERT INTO episode_fact (episode_id, child_id, responsible_org_id, category, last_seen_at, found_at, not_missing, month, seconds, care_status, establishment, placement_type, placed_org_id, found_where, risk_grade, ce_risk, rhi_seconds, rhi_recorded, rhi_offered, rhi_outcome) SELECT fact_episodes.id, fact_episodes.child_id, fact_episodes.responsible_org_id, fact_episodes.category, fact_episodes.last_seen_at, fact_episodes.found_at, fact_episodes.not_missing, substr(fact_episodes.day, 1, 7) AS anon_1, fact_episodes.seconds, CASE WHEN (anon_3.child_id IS NOT NULL) THEN coalesce(anon_4.value, 'not_in_care') ELSE fact_episodes.flat_status END AS anon_2, CASE WHEN (anon_6.child_id IS NOT NULL) THEN coalesce(placement_1.address, 'Not recorded') ELSE fact_episodes.flat_placement END AS anon_5, CASE WHEN (anon_6.child_id IS NOT NULL) THEN coalesce(placement_1.placement_type, '') ELSE '' END AS anon_7, CASE WHEN (anon_6.child_id IS NOT NULL) THEN placement_1.local_authority_id ELSE CASE WHEN (fact_episodes.host_org_id IS NULL AND fact_episodes.flat_placement IS NULL) THEN NULL ELSE coalesce(fact_episodes.host_org_id, fact_episodes.responsible_org_id) END END AS anon_8, fact_episodes.found_where, fact_episodes.risk_grade, fact_episodes.ce_risk, sf_seconds_between(fact_episodes.found_at, anon_10.completed_at) AS anon_9, anon_10.episode_id IS NOT NULL AS anon_11, anon_10.offered, anon_10.outcome
FROM fact_episodes LEFT OUTER JOIN (SELECT legal_status_period.child_id AS child_id
FROM legal_status_period
WHERE legal_status_period.child_id IN (SELECT fact_episodes.child_id
FROM fact_episodes) GROUP BY legal_status_period.child_id) AS anon_3 ON anon_3.child_id = fact_episodes.child_id LEFT OUTER JOIN (SELECT placement.child_id AS child_id
FROM placement
WHERE placement.child_id IN (SELECT fact_episodes.child_id
FROM fact_episodes) GROUP BY placement.child_id) AS anon_6 ON anon_6.child_id = fact_episodes.child_id LEFT OUTER JOIN (SELECT anon_12.episode_id AS episode_id, anon_12.value AS value
FROM (SELECT fact_episodes.id AS episode_id, legal_status_period.legal_status AS value, row_number() OVER (PARTITION BY fact_episodes.id ORDER BY legal_status_period.starts_on, legal_status_period.id) AS rank
FROM fact_episodes JOIN legal_status_period ON legal_status_period.child_id = fact_episodes.child_id AND legal_status_period.starts_on <= fact_episodes.day AND (legal_status_period.ends_on IS NULL OR fact_episodes.day < legal_status_period.ends_on OR fact_episodes.day = legal_status_period.ends_on AND legal_status_period.ends_on = legal_status_period.starts_on)) AS anon_12
WHERE anon_12.rank = 1) AS anon_4 ON anon_4.episode_id = fact_episodes.id LEFT OUTER JOIN (SELECT anon_14.episode_id AS episode_id, anon_14.value AS value
FROM (SELECT fact_episodes.id AS episode_id, placement.id AS value, row_number() OVER (PARTITION BY fact_episodes.id ORDER BY placement.starts_on, placement.id) AS rank
FROM fact_episodes JOIN placement ON placement.child_id = fact_episodes.child_id AND placement.starts_on <= fact_episodes.day AND (placement.ends_on IS NULL OR fact_episodes.day < placement.ends_on OR fact_episodes.day = placement.ends_on AND placement.ends_on = placement.starts_on)) AS anon_14
WHERE anon_14.rank = 1) AS anon_13 ON anon_13.episode_id = fact_episodes.id LEFT OUTER JOIN placement AS placement_1 ON placement_1.id = anon_13.value LEFT OUTER JOIN (SELECT anon_15.episode_id AS episode_id, anon_15.completed_at AS completed_at, anon_15.offered AS offered, anon_15.outcome AS outcome, anon_15.rank AS rank
FROM (SELECT case_record.episode_id AS episode_id, work_item.completed_at AS completed_at, CAST(JSON_EXTRACT(work_item.data, '$."rhi_offered"') AS BOOLEAN) AS offered, CAST(JSON_EXTRACT(work_item.data, '$."rhi_outcome"') AS VARCHAR) AS outcome, row_number() OVER (PARTITION BY case_record.episode_id ORDER BY work_item.completed_at, work_item.id) AS rank
FROM work_item JOIN case_record ON case_record.id = work_item.case_id
WHERE case_record.episode_id IN (SELECT fact_episodes.id
FROM fact_episodes) AND work_item.form_key IN ('rhi', 'rhi_placing_authority') AND work_item.state = 'completed') AS anon_15
WHERE anon_15.rank = 1) AS anon_10 ON anon_10.episode_id = fact_episodes.id
""",
}


def downgrade() -> None:
    op.drop_table("episode_fact")
