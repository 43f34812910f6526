"""A count shared by a cell's processes (writers that sent their end,
readers that stopped): peers that lose what a reader has not taken yet when
its sender leaves make their writers wait for the readers."""

from __future__ import annotations

import time
from multiprocessing.context import BaseContext


class Counter:
    def __init__(self, ctx: BaseContext) -> None:
        self._value = ctx.Value("i", 0)

    def add(self) -> None:
        with self._value.get_lock():
            self._value.value += 1

    @property
    def value(self) -> int:
        return int(self._value.value)

    def wait_for(self, n: int, limit: float) -> bool:
        """Until the count reaches n (True), or `limit` seconds (False)."""
        deadline = time.monotonic() + limit
        while self.value < n:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True
