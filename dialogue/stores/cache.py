"""The latest tracker of recently active conversations, so a turn reads only what is new.

Without it every turn reads a conversation's events from the store and derives its
state from all of them, so a turn at the 500th event costs several times one at the
5th. :class:`TrackerCache` keeps, per conversation, the tracker it last built and the
sequence number of the last stored event it holds; the next read asks the store only
for the events after that number (what another worker or the API appended meanwhile)
and adds them to the kept tracker, which folds them into its derived state
(:meth:`dialogue.tracker.Tracker.appended`). After a turn stores its events,
:meth:`TrackerCache.stored` keeps the turn's own final tracker, whose derived state the
policies have already brought up to date: a turn holds its conversation's lock, so the
events it stores are the ones right after those it read. The store stays the single
source of truth: what is read is always what is stored, in order. (Stored rows are
never changed in place; rows edited by hand in the database are seen by a process that
has not read the conversation yet, such as one started afterwards.)

A store without ``retrieve_from`` (a plug-in store) is read whole every time, as before.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from dialogue.interfaces import TrackerStore
from dialogue.tracker import ConversationId, Tracker

DEFAULT_SIZE = 256


class TrackerCache:
    """At most ``size`` conversations' trackers, least recently read dropped first."""

    def __init__(self, store: TrackerStore, size: int = DEFAULT_SIZE) -> None:
        self.store = store
        self.size = size
        self._kept: OrderedDict[ConversationId, tuple[Tracker, int]] = OrderedDict()

    async def tracker(
        self, conversation_id: ConversationId, initial_slots: Mapping[str, Any]
    ) -> Tracker:
        """The conversation as stored now."""
        read_from = getattr(self.store, "retrieve_from", None)
        if read_from is None or self.size < 1:
            events = await self.store.retrieve(conversation_id)
            return Tracker(conversation_id, tuple(events), initial_slots)
        kept, seq = self._kept.pop(conversation_id, (None, 0))
        if kept is None or kept.initial_slots != initial_slots:
            kept, seq = Tracker(conversation_id, (), initial_slots), 0
        events, last = await read_from(conversation_id, seq)
        tracker = kept.extended(events)
        self._kept[conversation_id] = (tracker, last)
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)
        return tracker

    def stored(
        self, conversation_id: ConversationId, read: Tracker, now: Tracker, count: int
    ) -> None:
        """``now`` (``read`` and ``count`` more events) was stored after ``read`` was read."""
        kept = self._kept.get(conversation_id)
        if kept is None or kept[0] is not read:
            self._kept.pop(conversation_id, None)  # read again in full next time
            return
        self._kept[conversation_id] = (now, kept[1] + count)
