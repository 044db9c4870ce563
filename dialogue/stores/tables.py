"""The SQL schema of the tracker store, as the newest migration leaves it.

One row per event in the table ``events``:

==================  ===================  ==============================================
column              type                 meaning
==================  ===================  ==============================================
``id``              bigint, primary key  insertion order across all conversations
``conversation_id`` varchar(255)         the conversation (sender) id
``seq``             integer              1, 2, 3, ... within one conversation
``type_name``       varchar(64)          Rasa event name (``user``, ``action``, ...)
``timestamp``       double               event time, seconds since the epoch
``intent_name``     varchar(255), null   the intent of a ``user`` event, for analytics
``action_name``     varchar(255), null   the action of an ``action`` event, for analytics
``data``            text                 JSON of ``event_to_dict(event)``: the event itself
==================  ===================  ==============================================

``(conversation_id, seq)`` is unique (index ``ix_events_conversation_seq``), which
both orders a conversation and indexes lookups by ``conversation_id``;
``ix_events_timestamp`` serves queries by time (active conversations). Only
``data`` is read back; the other columns exist for queries and analytics.

The schema is created and upgraded by the Alembic migrations in
``dialogue/stores/migrations`` (see :mod:`dialogue.stores.schema`); a change here
needs a new migration there.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Double, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class EventRow(Base):
    """One stored event (see the module docstring for the schema)."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_conversation_seq", "conversation_id", "seq", unique=True),
        Index("ix_events_timestamp", "timestamp"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    conversation_id: Mapped[str] = mapped_column(String(255))
    seq: Mapped[int] = mapped_column(Integer())
    type_name: Mapped[str] = mapped_column(String(64))
    timestamp: Mapped[float] = mapped_column(Double())
    intent_name: Mapped[str | None] = mapped_column(String(255))
    action_name: Mapped[str | None] = mapped_column(String(255))
    data: Mapped[str] = mapped_column(Text())
