"""The board's two background threads: one reader (pages, counts, search, the change feed, a card's
detail) and one writer (every move and edit the board makes).

A Textual thread worker runs in a new thread each time, and each new thread opens its own
database connection with a cold page cache; typing a search or polling twice a second would open
connection after connection. One long-lived thread keeps one warm connection instead. There is one
writer so the board's writes are made in the order they were asked for, each a short transaction.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

T = TypeVar("T")


class Reader:
    def __init__(self, name: str = "leadboard-reader") -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)

    async def run(self, read: Callable[..., T], *args: Any) -> T:
        """``read(*args)`` on this thread, awaited from the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, partial(read, *args))

    def start(self, read: Callable[..., T], *args: Any) -> Future[T]:
        """``read(*args)`` on this thread from now on, before anything awaits it."""
        return self._executor.submit(read, *args)

    def close(self, last: Callable[[], Any] | None = None) -> None:
        """Stop after the work already asked for, running ``last`` (say, closing the thread's
        database connection) on this thread at the end."""
        if last is not None:
            self._executor.submit(last)
        self._executor.shutdown(wait=False)


def writer() -> Reader:
    """The board's one writing thread (the same shape as the reader: calls run in order)."""
    return Reader("leadboard-writer")
