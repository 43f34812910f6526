"""Broadcast for peers that have none: one channel per reader, the writer
puts every message into each (the emulation issue #6 names; rows say
"emulated")."""

from __future__ import annotations

from dataclasses import replace
from multiprocessing.context import BaseContext
from typing import Any, List, Type

from ._transports import Channel, Check, Spec, Stamp


class FanOut(Channel):
    def __init__(self, inner: Type[Channel], spec: Spec, ctx: BaseContext) -> None:
        super().__init__(spec, ctx)
        self.batch, self.in_place = inner.batch, inner.in_place
        one = replace(spec, readers=1, group=False)
        self.channels = [inner(one, ctx) for _ in range(spec.readers)]

    def open_writer(self, index: int) -> None:
        for channel in self.channels:
            channel.open_writer(index)

    def open_reader(self, index: int) -> None:
        self.mine = self.channels[index]
        self.mine.open_reader(0)

    def put(self, message: Any) -> None:
        for channel in self.channels:
            channel.put(message)

    def put_batch(self, messages: List[Any]) -> None:
        for channel in self.channels:
            channel.put_batch(messages)

    def put_in_place(self, stamp: Stamp, sequence: int) -> None:
        for channel in self.channels:
            channel.put_in_place(stamp, sequence)

    def take(self, fn: Check) -> bool:
        return self.mine.take(fn)

    def drain(self, fn: Check) -> int:
        return self.mine.drain(fn)

    def drain_batch(self, fn: Check) -> int:
        return self.mine.drain_batch(fn)

    def end(self) -> None:
        for channel in self.channels:
            channel.end()

    def destroy(self) -> None:
        for channel in self.channels:
            channel.destroy()
