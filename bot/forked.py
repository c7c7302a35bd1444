"""Work split over two processes, where a second core is free and forking is safe.

Reading 10,000 entries' texts is pure Python (the GIL keeps threads from helping), and each
text is read on its own. So the second half of a long list goes to a forked child: it inherits
the reader as it is, and only the results cross back, in `marshal` format. A fork copies only
the calling thread, and a lock another thread held would stay locked in the child; so this is
done only with no other thread running (start-up and the command line; a reload inside the
running bot reads on one core), on a POSIX system with at least two usable cores. Anything
that goes wrong in the child costs only the time: its half is read here instead.
"""

from __future__ import annotations

import marshal
import os
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

# Below this many items a fork (about 10 ms with a large heap) is not worth it.
MIN_ITEMS = 8_000


def in_two_halves(work: Callable[[Sequence[Item]], Result], items: Sequence[Item]) -> list[Result]:
    """[work(first half), work(second half)], the second in a child process when it pays
    (else both here; with fewer than MIN_ITEMS, [work(items)] alone). `work` must not change
    anything the caller needs, and return plain data that `marshal` can carry."""
    if not _can_fork(len(items)):
        return [work(items)]
    half = len(items) // 2
    readable, writable = os.pipe()
    try:
        child = os.fork()
    except OSError:
        os.close(readable)
        os.close(writable)
        return [work(items)]
    if child == 0:  # the child: its half, to the pipe, then out without any cleanup
        status = 1
        try:
            os.close(readable)
            with os.fdopen(writable, "wb") as out:
                marshal.dump(work(items[half:]), out)
            status = 0
        finally:
            os._exit(status)
    os.close(writable)
    source = os.fdopen(readable, "rb")
    second: Result | None = None
    try:
        first = work(items[:half])
        second = marshal.load(source)
    except (EOFError, ValueError, TypeError):
        second = None
    finally:
        source.close()  # a child still writing (this side failed) gets a broken pipe and ends
        _, status = os.waitpid(child, 0)
    if status != 0 or second is None:
        second = work(items[half:])
    return [first, second]


def _can_fork(count: int) -> bool:
    return (
        count >= MIN_ITEMS
        and hasattr(os, "fork")
        and len(os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else ()) >= 2
        and threading.active_count() == 1
    )
