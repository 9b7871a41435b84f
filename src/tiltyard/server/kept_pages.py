"""Pages drawn once per viewer and kept while what they show is unchanged.

A kept page is found by its key, which names the viewer (a page is never served to anyone
else), and is served only if ``shown`` — everything the page shows, as read from the store on
this request — equals what it was drawn from. The store's grades stamp is apart (``lagging``):
while grades pour in (dozens a second), a page may lag it by at most
``leaderboard_refresh_seconds``, as boards do, instead of being drawn again on every request.
Because ``shown`` is read from the store, not remembered by the writer, a page kept by one
server process is dropped when another process (on any machine) changes what it shows.
A page is drawn once however many of its viewer's requests arrive while it is being drawn
(the reloads after a grade, a class's first look at a board): the others wait for that drawing,
or, when the kept page lags only the grades, are served it meanwhile (so a page lags the grades
by at most ``leaderboard_refresh_seconds`` and one drawing).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from tiltyard.server.settings import get_arena_settings

KEPT_PAGES = 1024  # the least recently served are dropped past this (a page is 10-50 kB)


@dataclass
class _Kept:
    shown: tuple
    lagging: object
    body: str
    drawn_at: float  # time.monotonic()


class KeptPages:
    """One per app: a fresh app (a test's, a restarted server's) starts with none."""

    def __init__(self, size: int = KEPT_PAGES):
        self._pages: OrderedDict[tuple, _Kept] = OrderedDict()
        self._lock = threading.Lock()
        self._drawing: dict[tuple, threading.Lock] = {}  # a lock per page being drawn
        self._size = size

    def page(self, key: tuple, shown: tuple, lagging: object, draw: Callable[[], str]) -> str:
        """The kept page for ``key`` if it still shows ``shown``, else ``draw()``, kept."""
        kept = self._kept(key, shown)
        if kept is not None and (kept.lagging == lagging or self._may_lag(kept)):
            return kept.body
        with self._lock:
            drawing = self._drawing.setdefault(key, threading.Lock())
        if kept is None:
            drawing.acquire()  # a request that came while another drew this page takes that drawing
        elif not drawing.acquire(blocking=False):
            return kept.body  # only lagging, and being drawn anew: served as kept meanwhile
        try:
            again = self._kept(key, shown)
            if again is not None and (again.lagging == lagging or again is not kept):
                body = again.body
            else:
                body = draw()
                with self._lock:
                    self._pages[key] = _Kept(shown, lagging, body, time.monotonic())
                    self._pages.move_to_end(key)
                    while len(self._pages) > self._size:
                        self._pages.popitem(last=False)
        finally:
            drawing.release()
        with self._lock:
            if not drawing.locked():
                self._drawing.pop(key, None)
        return body

    def _kept(self, key: tuple, shown: tuple) -> _Kept | None:
        with self._lock:
            kept = self._pages.get(key)
            if kept is None or kept.shown != shown:
                return None
            self._pages.move_to_end(key)
            return kept

    @staticmethod
    def _may_lag(kept: _Kept) -> bool:
        return time.monotonic() - kept.drawn_at < get_arena_settings().leaderboard_refresh_seconds
