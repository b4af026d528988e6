"""One background thread for the board's slower reads (search, the live poll).

A Textual thread worker runs in a new thread each time, and each new thread opens its own
database connection with a cold page cache; typing a search or polling twice a second would open
connection after connection. One long-lived reader thread keeps one warm connection instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

T = TypeVar("T")


class Reader:
    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="leadboard-reader")

    async def run(self, read: Callable[..., T], *args: Any) -> T:
        """``read(*args)`` on the reader thread, awaited from the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, partial(read, *args))

    def close(self, last: Callable[[], Any] | None = None) -> None:
        """Stop after the reads already asked for, running ``last`` (say, closing the thread's
        database connection) on the reader thread at the end."""
        if last is not None:
            self._executor.submit(last)
        self._executor.shutdown(wait=False)
