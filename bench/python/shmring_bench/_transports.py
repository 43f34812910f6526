"""One channel class per transport. A channel is made in the parent for a
Spec (message size, slots, writers, readers, group or broadcast), then
passed to the writer and reader processes: a writer calls
open_writer(index), put(message) per message (put_batch(list) with a batch
API, put_in_place(stamp, sequence) for a transport with slots to fill in
place), end(); a reader calls open_reader(index), then take(fn) per
message, which calls fn(message) while the message is valid and returns
False at an end of stream. drain(fn) takes until every writer has ended and
counts. The parent calls destroy() once all are done.

Peers without a shared end of stream send one end message per writer (one
per group member when the readers share the queue); a reader stops after
one from each writer."""

from __future__ import annotations

import os
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from multiprocessing import shared_memory
from multiprocessing.context import BaseContext
from typing import Any, Callable, List, NoReturn, cast

from shmring import Closed, Ring

from ._workloads import BATCH

#: Set (to anything) to run transports marked unsound anyway, to look into them.
TRY_UNSOUND_ENV = "SHMRING_BENCH_TRY_UNSOUND"

Check = Callable[[Any], None]
Stamp = Callable[[memoryview, int], None]


@dataclass(frozen=True)
class Spec:
    size: int
    slots: int
    writers: int = 1
    readers: int = 1
    group: bool = False  # the readers share one stream (else: broadcast)


class Channel(ABC):
    batch = False       # has a batch API (put_batch, drain_batch)
    in_place = False    # has slots to fill and read in place (put_in_place)
    broadcast = False   # one channel serves several readers that each see all
    #: Why the readers cannot share one channel as a group ("" if they can).
    no_group = ""
    #: Why its cells cannot be trusted, so none runs unless TRY_UNSOUND_ENV
    #: is set ("" if they can).
    unsound = ""
    #: Why the channel cannot go to a spawned process ("" if it can).
    fork_only = ""
    #: Seconds a reader waited after the last message to learn the stream
    #: was over (taken off its time).
    idle_tail = 0.0

    def __init__(self, spec: Spec, ctx: BaseContext) -> None:
        self.spec = spec
        self.size, self.slots = spec.size, spec.slots

    def open_writer(self, index: int) -> None:
        pass

    def open_reader(self, index: int) -> None:
        pass

    def put(self, message: Any) -> None:
        # Transports that bind their writer's own method in open_writer()
        # (no Python frame per message) have none before it.
        raise TypeError(f"{type(self).__name__}: put() before open_writer()")

    @abstractmethod
    def take(self, fn: Check) -> bool:
        """Calls fn(message) for the next message; False at an end of stream."""

    # The capabilities a workload uses only where the flags above say so.

    def put_batch(self, messages: List[Any]) -> None:
        self._lacks("a batch API")

    def put_in_place(self, stamp: Stamp, sequence: int) -> None:
        self._lacks("slots to fill in place")

    def drain_batch(self, fn: Check) -> int:
        self._lacks("a batch API")

    def _lacks(self, capability: str) -> NoReturn:
        raise TypeError(f"{type(self).__name__} has no {capability}")

    def drain(self, fn: Check) -> int:
        n, ends = 0, 0
        while ends < self.spec.writers:
            if self.take(fn):
                n += 1
            else:
                ends += 1
        return n

    def end(self) -> None:
        pass

    def destroy(self) -> None:
        pass

    @property
    def ends_to_send(self) -> int:
        """End messages per writer: one per reader that shares the queue."""
        return self.spec.readers if self.spec.group else 1


def segment_name(what: str) -> str:
    """A name no earlier run left behind: pid and a time nonce."""
    return f"shmring-bench-{what}-{os.getpid()}-{time.time_ns()}"


class ShmringCopy(Channel):
    """write() / read(); batches: write_batch() / read_batch()."""

    batch = True
    broadcast = True

    def __init__(self, spec: Spec, ctx: BaseContext) -> None:
        super().__init__(spec, ctx)
        # Named, so that spawned processes can attach (it pickles by name).
        self.ring = Ring.create("/" + segment_name("ring"), slot_bytes=spec.size,
                                slot_count=spec.slots)

    def open_writer(self, index: int) -> None:
        self._writer = self.ring.writer()
        self.put = self._writer.write  # type: ignore[method-assign,assignment]

    def open_reader(self, index: int) -> None:
        self._reader = self.ring.reader(group="bench" if self.spec.group else None)

    def put_batch(self, messages: List[Any]) -> None:
        written, write_batch = 0, self._writer.write_batch
        while written < len(messages):
            written += write_batch(messages[written:])

    def take(self, fn: Check) -> bool:
        try:
            fn(self._reader.read())
        except Closed:
            return False
        return True

    def drain(self, fn: Check) -> int:
        n, read = 0, self._reader.read
        try:
            while True:
                fn(read())
                n += 1
        except Closed:
            return n

    def drain_batch(self, fn: Check) -> int:
        n, read_batch = 0, self._reader.read_batch
        try:
            while True:
                for message in read_batch(BATCH):
                    fn(message)
                    n += 1
        except Closed:
            return n

    def end(self) -> None:
        self._writer.close()

    def destroy(self) -> None:
        self.ring.close()
        self.ring.unlink()


class ShmringZeroCopy(ShmringCopy):
    """The writer fills a reserve()d slot, the reader checks a peek() of it;
    batches: write_batch() / peek_batch(); in place: the stamp fills a
    reserve()d slot."""

    in_place = True

    def open_writer(self, index: int) -> None:
        self._writer = self.ring.writer()

    def put(self, message: Any) -> None:
        with self._writer.reserve(len(message)) as slot:
            slot[:] = message

    def put_in_place(self, stamp: Stamp, sequence: int) -> None:
        with self._writer.reserve(self.size) as slot:
            stamp(slot, sequence)

    def take(self, fn: Check) -> bool:
        try:
            with self._reader.peek() as message:
                fn(message)
        except Closed:
            return False
        return True

    def drain(self, fn: Check) -> int:
        n, peek = 0, self._reader.peek
        try:
            while True:
                with peek() as message:
                    fn(message)
                n += 1
        except Closed:
            return n

    def drain_batch(self, fn: Check) -> int:
        n, peek_batch = 0, self._reader.peek_batch
        try:
            while True:
                with peek_batch(BATCH) as messages:
                    for message in messages:
                        fn(message)
                        n += 1
        except Closed:
            return n


class MpQueue(Channel):
    """multiprocessing.Queue(maxsize=slots): put(bytes), get(); None ends."""

    def __init__(self, spec: Spec, ctx: BaseContext) -> None:
        super().__init__(spec, ctx)
        self.queue = self._make(ctx)

    def _make(self, ctx: BaseContext) -> Any:
        return ctx.Queue(self.slots)

    def put(self, message: Any) -> None:
        self.queue.put(bytes(message))  # pickled later, by a thread

    def take(self, fn: Check) -> bool:
        message = self.queue.get()
        if message is None:
            return False
        fn(message)
        return True

    def end(self) -> None:
        for _ in range(self.ends_to_send):
            self.queue.put(None)
        self.queue.close()
        self.queue.join_thread()


class MpSimpleQueue(MpQueue):
    """multiprocessing.SimpleQueue: put() pickles at once, into a pipe."""

    def _make(self, ctx: BaseContext) -> Any:
        return ctx.SimpleQueue()

    def put(self, message: Any) -> None:
        self.queue.put(message)

    def end(self) -> None:
        for _ in range(self.ends_to_send):
            self.queue.put(None)


class MpPipe(Channel):
    """multiprocessing.Pipe: send_bytes(), recv_bytes(); b"" ends. Several
    writers are safe for small messages (one write() each, below PIPE_BUF)."""

    no_group = "a Pipe end is not safe to share between readers (no lock)"

    def __init__(self, spec: Spec, ctx: BaseContext) -> None:
        super().__init__(spec, ctx)
        self.receiving, self.sending = ctx.Pipe(duplex=False)

    def put(self, message: Any) -> None:
        self.sending.send_bytes(message)

    def take(self, fn: Check) -> bool:
        message = self.receiving.recv_bytes()
        if not message:
            return False
        fn(message)
        return True

    def end(self) -> None:
        self.sending.send_bytes(b"")


class SharedMemoryIndex(Channel):
    """multiprocessing.shared_memory, `slots` slots: the writer takes a free
    slot index from one SimpleQueue, copies the message in (or fills it in
    place) and sends the index on another; the reader checks the slot in
    place and frees it."""

    in_place = True

    def __init__(self, spec: Spec, ctx: BaseContext) -> None:
        super().__init__(spec, ctx)
        self.shm = shared_memory.SharedMemory(create=True, size=spec.size * spec.slots)
        self.free, self.ready = ctx.SimpleQueue(), ctx.SimpleQueue()
        for i in range(spec.slots):
            self.free.put(i)

    def open_writer(self, index: int) -> None:
        self._buf = cast(memoryview, self.shm.buf)  # not pickled: made in each process

    def open_reader(self, index: int) -> None:
        self.open_writer(index)

    def _slot(self, i: int) -> memoryview:
        return self._buf[i * self.size:(i + 1) * self.size]

    def put(self, message: Any) -> None:
        i = self.free.get()
        self._slot(i)[:] = message
        self.ready.put(i)

    def put_in_place(self, stamp: Stamp, sequence: int) -> None:
        i = self.free.get()
        with self._slot(i) as slot:
            stamp(slot, sequence)
        self.ready.put(i)

    def take(self, fn: Check) -> bool:
        i = self.ready.get()
        if i < 0:
            return False
        with self._slot(i) as message:
            fn(message)
        self.free.put(i)
        return True

    def end(self) -> None:
        for _ in range(self.ends_to_send):
            self.ready.put(-1)

    def destroy(self) -> None:
        self.shm.close()
        self.shm.unlink()
