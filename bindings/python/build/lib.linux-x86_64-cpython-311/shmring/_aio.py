"""asyncio: awaitable reads and writes that never block the event loop.

The C core waits on futexes, which an event loop cannot poll. So each async
handle gets one thread of its own (a handle is used by one thread at a time):

- a read or write that can complete now runs in the loop's thread, with no
  thread hop (try_read / try_write);
- otherwise it waits in the handle's thread, in slices of `slice_seconds`
  (default 50 ms), and the awaiting task gets the result through a future;
- cancelling the task returns at once; the thread notices before its next
  slice, so the wait ends within one slice. A message that a cancelled read
  received during its last slice is kept and is what the next read returns:
  nothing is lost. A cancelled write whose last slice succeeded has been
  written (cancellation cannot undo it);
- operations run one at a time, in the order they were awaited.
"""

from __future__ import annotations

import asyncio
import collections
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Callable, Deque, Generic, Optional, TypeVar

from ._errors import Closed, Empty, Full, Timeout
from ._reader import Reader
from ._writer import Writer

if TYPE_CHECKING:
    from typing_extensions import Buffer

_H = TypeVar("_H", Reader, Writer)
_T = TypeVar("_T")
_Self = TypeVar("_Self", bound="_AsyncHandle")  # type: ignore[type-arg]

#: How long the handle's thread waits before it looks for a cancellation.
SLICE_SECONDS = 0.05


class _Cancelled(Exception):
    """The awaiting task was cancelled: the thread stops waiting."""


class _AsyncHandle(Generic[_H]):
    def __init__(self, handle: _H, *, slice_seconds: float = SLICE_SECONDS) -> None:
        if not slice_seconds > 0:
            raise ValueError("slice_seconds must be positive")
        self._handle: _H = handle
        self._slice = slice_seconds
        self._executor = ThreadPoolExecutor(1, thread_name_prefix=f"shmring-{type(handle).__name__}")
        self._last: Optional["Future[object]"] = None  # the latest job given to the thread
        self._closing = threading.Event()

    @property
    def handle(self) -> _H:
        """The Reader or Writer underneath."""
        return self._handle

    def _idle(self) -> bool:
        """No job of this handle is queued or running in its thread (jobs run
        in order, so the latest being done means all are)."""
        return self._last is None or self._last.done()

    async def _in_thread(self, job: Callable[[threading.Event], _T],
                         keep: Optional[Callable[[_T], None]] = None) -> _T:
        """Run job in the handle's thread. If the awaiting task is cancelled
        after the job's last look at `cancel` and the job still succeeds,
        keep(result) gets what the task no longer returns."""
        cancel = threading.Event()
        future = self._executor.submit(job, cancel)
        self._last = future  # type: ignore[assignment]
        try:
            return await asyncio.wrap_future(future)
        except asyncio.CancelledError:
            cancel.set()  # a queued job never starts; a running one stops within a slice
            if keep is not None:
                # Runs in the handle's thread as the job ends (before its next
                # job), or here if it has ended already.
                future.add_done_callback(
                    lambda done: done.cancelled() or done.exception() is not None
                    or keep(done.result()))
            raise

    def _slices(self, timeout: Optional[float], cancel: threading.Event,
                attempt: Callable[[float], _T]) -> _T:
        """Run attempt(seconds) in slices until it succeeds (not Timeout),
        the deadline passes (Timeout), or cancel or close (_Cancelled)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if cancel.is_set() or self._closing.is_set():
                raise _Cancelled()
            wait = self._slice
            if deadline is not None:
                wait = min(wait, max(0.0, deadline - time.monotonic()))
            try:
                return attempt(wait)
            except Timeout:
                if deadline is not None and time.monotonic() >= deadline:
                    raise

    def close(self) -> None:
        """Stop the thread (a wait in progress ends within a slice), then
        close the handle."""
        self._closing.set()
        self._executor.shutdown(wait=True)  # queued jobs see _closing and end
        self._handle.close()

    async def aclose(self) -> None:
        """close() without blocking the event loop."""
        await asyncio.get_running_loop().run_in_executor(None, self.close)

    async def __aenter__(self: _Self) -> _Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


class AsyncReader(_AsyncHandle[Reader]):
    """`await reader.read()` and `async for message in reader` for a Reader:
    `AsyncReader(ring.reader(...))`. See the module's doc for how it waits."""

    def __init__(self, reader: Reader, *, slice_seconds: float = SLICE_SECONDS) -> None:
        super().__init__(reader, slice_seconds=slice_seconds)
        # Messages that cancelled reads received: the next reads return them.
        self._kept: Deque[bytes] = collections.deque()

    async def read(self, timeout: Optional[float] = None) -> bytes:
        """The next message as bytes. Raises Timeout, Closed (end of stream),
        Empty for timeout=0 when nothing is ready."""
        if self._kept:
            return self._kept.popleft()
        if self._idle():
            try:
                return self._handle.try_read()
            except Empty:
                if timeout == 0:
                    raise
        return await self._in_thread(lambda cancel: self._read_waiting(timeout, cancel),
                                     keep=self._kept.append)

    def _read_waiting(self, timeout: Optional[float], cancel: threading.Event) -> bytes:
        if self._kept:  # kept by a cancelled read that ran just before this one
            return self._kept.popleft()
        message = self._slices(timeout, cancel, self._handle.read)
        if cancel.is_set():
            self._kept.append(message)
            raise _Cancelled()
        return message

    def __aiter__(self) -> "AsyncReader":
        return self

    async def __anext__(self) -> bytes:
        try:
            return await self.read()
        except Closed:
            raise StopAsyncIteration from None


class AsyncWriter(_AsyncHandle[Writer]):
    """`await writer.write(data)` for a Writer: `AsyncWriter(ring.writer())`.
    See the module's doc for how it waits. `data` must not change until the
    write returns."""

    async def write(self, data: "Buffer", timeout: Optional[float] = None) -> None:
        """Write one message, waiting (without blocking the loop) while the
        ring is full. Raises Timeout, TooLarge, Closed; Full for timeout=0."""
        if self._idle():
            try:
                self._handle.try_write(data)
                return
            except Full:
                if timeout == 0:
                    raise
        await self._in_thread(
            lambda cancel: self._slices(timeout, cancel,
                                        lambda wait: self._handle.write(data, wait)))
