"""What the server draws once and keeps while what it shows is unchanged: the competition
pages (per viewer) and the boards (per challenge or competition).

A kept drawing is found by its key (a page's names its viewer: it is never served to anyone
else), and is served only if ``shown`` — everything it shows, as read from the store on this
request — equals what it was drawn from. The store's grades stamp is apart (``lagging``):
while grades pour in (dozens a second), a drawing may lag it by at most
``leaderboard_refresh_seconds`` instead of being drawn again on every request. Because
``shown`` is read from the store, not remembered by the writer, what one server process kept
is dropped when another process (on any machine) changes what it shows.
A drawing is made once however many requests for it arrive while it is being made (the
reloads after a grade, a class's first look at a board): the others wait for that drawing,
or, when the kept one lags only the grades, are served it meanwhile (so it lags the grades
by at most ``leaderboard_refresh_seconds`` and one drawing).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from tiltyard.server.settings import get_arena_settings

KEPT = 1024  # the least recently served are dropped past this (a page is 10-50 kB)
T = TypeVar("T")


@dataclass
class _Kept(Generic[T]):
    shown: tuple
    lagging: object
    body: T
    drawn_at: float  # time.monotonic()


class Kept(Generic[T]):
    """Drawings of one sort (pages, boards), each under its key."""

    def __init__(self, size: int = KEPT):
        self._drawings: OrderedDict[tuple, _Kept[T]] = OrderedDict()
        self._lock = threading.Lock()
        self._being_drawn: dict[tuple, threading.Lock] = {}  # a lock per drawing being made
        self._size = size

    def get(self, key: tuple, shown: tuple, lagging: object, draw: Callable[[], T]) -> T:
        """The drawing kept for ``key`` if it still shows ``shown``, else ``draw()``, kept."""
        kept = self._kept(key, shown)
        if kept is not None and self._serves(kept, lagging):
            return kept.body
        with self._lock:
            drawing = self._being_drawn.setdefault(key, threading.Lock())
        if kept is None:
            drawing.acquire()  # a request that came while another drew it takes that drawing
        elif not drawing.acquire(blocking=False):
            return kept.body  # only lagging, and being drawn anew: served as kept meanwhile
        try:
            again = self._kept(key, shown)
            if again is not None and (again.lagging == lagging or again is not kept):
                body = again.body
            else:
                body = draw()
                with self._lock:
                    self._drawings[key] = _Kept(shown, lagging, body, time.monotonic())
                    self._drawings.move_to_end(key)
                    while len(self._drawings) > self._size:
                        self._drawings.popitem(last=False)
        finally:
            drawing.release()
        with self._lock:
            if not drawing.locked():
                self._being_drawn.pop(key, None)
        return body

    def peek(self, key: tuple, shown: tuple, lagging: object) -> T | None:
        """What ``get`` would serve at once, without drawing or waiting; None if it would not."""
        kept = self._kept(key, shown)
        return kept.body if kept is not None and self._serves(kept, lagging) else None

    def _kept(self, key: tuple, shown: tuple) -> _Kept[T] | None:
        with self._lock:
            kept = self._drawings.get(key)
            if kept is None or kept.shown != shown:
                return None
            self._drawings.move_to_end(key)
            return kept

    @staticmethod
    def _serves(kept: _Kept[T], lagging: object) -> bool:
        return kept.lagging == lagging or \
            time.monotonic() - kept.drawn_at < get_arena_settings().leaderboard_refresh_seconds
