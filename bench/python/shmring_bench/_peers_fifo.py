"""faster-fifo (PyPI): a multiprocessing.Queue look-alike over a circular
buffer in shared memory, with put_many() / get_many()."""

from __future__ import annotations

import importlib
from multiprocessing.context import BaseContext
from typing import Any, List

from ._transports import Check, MpQueue
from ._workloads import BATCH

# As Any: it has no stubs. Importing it here makes the registry's "not installed".
faster_fifo: Any = importlib.import_module("faster_fifo")


class FasterFifo(MpQueue):
    """faster-fifo's Queue (PyPI), put() / get(); batches: put_many() / get_many()."""

    batch = True
    fork_only = "faster-fifo's Queue does not pickle (an mmap), so spawn cannot pass it"

    def _make(self, ctx: BaseContext) -> Any:
        return faster_fifo.Queue(max_size_bytes=max(1 << 20, 2 * self.slots * self.size))

    def put(self, message: Any) -> None:
        self.queue.put(bytes(message))

    def put_batch(self, messages: List[Any]) -> None:
        self.queue.put_many([bytes(m) for m in messages])

    def drain_batch(self, fn: Check) -> int:
        n, ends = 0, 0
        while True:
            for message in self.queue.get_many(max_messages_to_get=BATCH):
                if message is None:
                    ends += 1
                    if ends == self.spec.writers:
                        return n
                    continue
                fn(message)
                n += 1

    def end(self) -> None:
        for _ in range(self.ends_to_send):
            self.queue.put(None)
