"""One channel class per transport. A channel is made in the parent, then
forked into a writer and a reader process: the writer calls open_writer(),
put(message) per message (put_batch(list) if the transport has a batch API),
end(); the reader calls open_reader(), then take(fn) per message, which
calls fn(message) while the message is valid and returns False at the end
of the stream. drain(fn) takes until the end and counts. The parent calls
destroy() once both are done."""

from __future__ import annotations

import importlib
import importlib.util
import multiprocessing
from multiprocessing import shared_memory
from typing import Any, Callable, Dict, List, Optional, Type, cast

from .._errors import Closed
from .._ring import Ring

Check = Callable[[Any], None]
ctx = multiprocessing.get_context("fork")

#: How many messages a batch call moves.
BATCH = 64


class Channel:
    batch = False

    def __init__(self, size: int, slots: int) -> None:
        self.size, self.slots = size, slots

    def open_writer(self) -> None:
        pass

    def open_reader(self) -> None:
        pass

    def put(self, message: Any) -> None:
        raise NotImplementedError

    def put_batch(self, messages: List[Any]) -> None:
        raise NotImplementedError

    def take(self, fn: Check) -> bool:
        raise NotImplementedError

    def drain(self, fn: Check) -> int:
        n = 0
        while self.take(fn):
            n += 1
        return n

    def end(self) -> None:
        pass

    def destroy(self) -> None:
        pass


class ShmringCopy(Channel):
    """write() / read(); batches: write_batch() / read_batch()."""

    batch = True

    def __init__(self, size: int, slots: int) -> None:
        super().__init__(size, slots)
        self.ring = Ring.create(None, slot_bytes=size, slot_count=slots)

    def open_writer(self) -> None:
        self._writer = self.ring.writer()
        self.put = self._writer.write  # type: ignore[method-assign,assignment]

    def open_reader(self) -> None:
        self._reader = self.ring.reader()

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


class ShmringZeroCopy(ShmringCopy):
    """The writer fills a reserve()d slot, the reader checks a view() of it;
    batches: write_batch() / view_batch()."""

    def open_writer(self) -> None:
        self._writer = self.ring.writer()

    def put(self, message: Any) -> None:
        with self._writer.reserve(len(message)) as slot:
            slot[:] = message

    def take(self, fn: Check) -> bool:
        try:
            with self._reader.view() as message:
                fn(message)
        except Closed:
            return False
        return True

    def drain(self, fn: Check) -> int:
        n, view = 0, self._reader.view
        try:
            while True:
                with view() as message:
                    fn(message)
                n += 1
        except Closed:
            return n

    def drain_batch(self, fn: Check) -> int:
        n, view_batch = 0, self._reader.view_batch
        try:
            while True:
                with view_batch(BATCH) as messages:
                    for message in messages:
                        fn(message)
                        n += 1
        except Closed:
            return n


class MpQueue(Channel):
    """multiprocessing.Queue(maxsize=slots): put(bytes), get(); None ends."""

    def __init__(self, size: int, slots: int) -> None:
        super().__init__(size, slots)
        self.queue = self._make()

    def _make(self) -> Any:
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
        self.queue.put(None)
        self.queue.close()
        self.queue.join_thread()


class MpSimpleQueue(MpQueue):
    """multiprocessing.SimpleQueue: put() pickles at once, into a pipe."""

    def _make(self) -> Any:
        return ctx.SimpleQueue()

    def put(self, message: Any) -> None:
        self.queue.put(message)

    def end(self) -> None:
        self.queue.put(None)


class MpPipe(Channel):
    """multiprocessing.Pipe: send_bytes(), recv_bytes(); b"" ends."""

    def __init__(self, size: int, slots: int) -> None:
        super().__init__(size, slots)
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
    slot index from one SimpleQueue, copies the message in and sends the
    index on another; the reader checks the slot in place and frees it."""

    def __init__(self, size: int, slots: int) -> None:
        super().__init__(size, slots)
        self.shm = shared_memory.SharedMemory(create=True, size=size * slots)
        self.buf = cast(memoryview, self.shm.buf)
        self.free, self.ready = ctx.SimpleQueue(), ctx.SimpleQueue()
        for i in range(slots):
            self.free.put(i)

    def put(self, message: Any) -> None:
        i = self.free.get()
        self.buf[i * self.size:(i + 1) * self.size] = message
        self.ready.put(i)

    def take(self, fn: Check) -> bool:
        i = self.ready.get()
        if i < 0:
            return False
        with self.buf[i * self.size:(i + 1) * self.size] as message:
            fn(message)
        self.free.put(i)
        return True

    def end(self) -> None:
        self.ready.put(-1)

    def destroy(self) -> None:
        self.shm.close()
        self.shm.unlink()


class FasterFifo(MpQueue):
    """faster-fifo's Queue (PyPI), put() / get(); batches: put_many() / get_many()."""

    batch = True

    def _make(self) -> Any:
        return importlib.import_module("faster_fifo").Queue(max_size_bytes=max(1 << 20, 2 * self.slots * self.size))

    def put(self, message: Any) -> None:
        self.queue.put(bytes(message))

    def put_batch(self, messages: List[Any]) -> None:
        self.queue.put_many([bytes(m) for m in messages])

    def drain_batch(self, fn: Check) -> int:
        n = 0
        while True:
            for message in self.queue.get_many(max_messages_to_get=BATCH):
                if message is None:
                    return n
                fn(message)
                n += 1

    def end(self) -> None:
        self.queue.put(None)


#: Built-in transports (always run) and optional peers (name → module needed).
BUILTIN: Dict[str, Type[Channel]] = {
    "shmring": ShmringCopy,
    "shmring-zc": ShmringZeroCopy,
    "queue": MpQueue,
    "simplequeue": MpSimpleQueue,
    "pipe": MpPipe,
    "shm-index": SharedMemoryIndex,
}
OPTIONAL: Dict[str, Any] = {
    "faster-fifo": (FasterFifo, "faster_fifo"),
}
NAMES = list(BUILTIN) + list(OPTIONAL)


def lookup(name: str) -> Optional[Type[Channel]]:
    """The channel class, or None for an optional peer not installed."""
    if name in BUILTIN:
        return BUILTIN[name]
    cls, module = OPTIONAL[name]
    return cls if importlib.util.find_spec(module) else None
