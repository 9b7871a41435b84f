"""The threads that the busy read-only routes (competition pages, boards, the signed-in
viewer) hop to: a pool whose threads stay.

Starlette's ``run_in_threadpool`` (anyio's worker threads) stops a thread after 10 s idle, and
the next burst starts them again one at a time on the event loop, each start waiting for the
GIL that the busy threads hold: measured under benchmarks/server.py, every request stalled
50-200 ms at the start of each burst of page views. The rest of the server (uploads, forms,
FastAPI's own sync routes) stays on anyio's threads."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
REQUEST_THREADS = 40  # as many as anyio's default, which the rest of the server shares

_pool = ThreadPoolExecutor(REQUEST_THREADS, thread_name_prefix="tiltyard-request")


async def in_thread(work: Callable[[], T]) -> T:
    """``work()`` in one of the pool's threads, with this request's context variables."""
    return await asyncio.get_running_loop().run_in_executor(_pool, contextvars.copy_context().run, work)


def start_threads() -> None:
    """Start every thread now (a serving process's start), not during the first burst."""
    everyone = threading.Barrier(REQUEST_THREADS + 1)
    for _ in range(REQUEST_THREADS):
        _pool.submit(everyone.wait)
    everyone.wait()
