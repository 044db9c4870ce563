"""Index events by time, for counting recently active conversations.

Revision ID: 0002_event_time_index
Revises: 0001_baseline
"""

from __future__ import annotations

from alembic import op

revision = "0002_event_time_index"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_events_timestamp", "events", ["timestamp"])


def downgrade() -> None:
    op.drop_index("ix_events_timestamp", table_name="events")
