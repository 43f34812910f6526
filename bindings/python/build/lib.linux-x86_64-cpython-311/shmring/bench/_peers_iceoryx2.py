"""iceoryx2 (PyPI): publish-subscribe over a Slice of bytes. The writer
loans a sample and fills it (copies the message in, or stamps it in place),
then sends it; readers read each sample in place and release it. Asked to
retry until delivered, with safe overflow off, subscribers buffering
`slots` samples; but see `unsound` below: every cell is skipped unless
SHMRING_BENCH_TRY_UNSOUND=1.

Its Python API has no blocking receive without a WaitSet, so readers poll
(receive(), then yield); the end of the stream is an empty sample. Its
publish-subscribe has no work sharing (every subscriber sees every sample),
so the group workload is skipped. Writers wait for the readers to stop
before they leave (the service goes with the last port)."""

from __future__ import annotations

import ctypes
import importlib
import time
from multiprocessing.context import BaseContext
from typing import Any, Optional

from ._counter import Counter
from ._transports import Channel, Check, Spec, Stamp, segment_name

# Its stubs lack much of the API used here; importing it here makes the
# registry's "not installed".
iox: Any = importlib.import_module("iceoryx2")

STALL = 30.0
_PyBUF_READ, _PyBUF_WRITE = 0x100, 0x200
_view = ctypes.pythonapi.PyMemoryView_FromMemory  # a plain "B" memoryview of a sample
_view.restype = ctypes.py_object
_view.argtypes = (ctypes.c_void_p, ctypes.c_ssize_t, ctypes.c_int)


class Iceoryx2(Channel):
    broadcast = True
    in_place = True
    no_group = "iceoryx2 publish-subscribe has no work sharing (every subscriber sees all)"
    # A trial (iceoryx2 0.10.0): safe overflow off, RetryUntilDelivered (also
    # the default), subscriber buffer 16; the subscriber waited 1 s before
    # reading; the publisher's 3,000 sends returned at once, 2,984 of them
    # reporting 0 subscribers reached, and the subscriber got 16; the same
    # with a plain c_uint64 payload and send_copy(). The bench's 64B and
    # 1080p-untouched cells lost samples the same way.
    # Without blocking on a full subscriber, a verified cell passes only
    # while the reader keeps up: no cell runs until that is understood.
    unsound = ("loses samples when a subscriber falls behind (iceoryx2 0.10.0 Python: "
               "publisher does not block despite RetryUntilDelivered); see _peers_iceoryx2")

    def __init__(self, spec: Spec, ctx: BaseContext) -> None:
        super().__init__(spec, ctx)
        self.service = "shmring-bench/" + segment_name("iox")
        self.stopped = Counter(ctx)

    def _open(self) -> Any:
        iox.set_log_level(iox.LogLevel.Error)
        self._node = iox.NodeBuilder.new().create(iox.ServiceType.Ipc)
        return (self._node.service_builder(iox.ServiceName.new(self.service))
                .publish_subscribe(iox.Slice[ctypes.c_uint8])
                .max_publishers(max(2, self.spec.writers))
                .max_subscribers(max(4, self.spec.readers))
                .subscriber_max_buffer_size(self.slots)
                .enable_safe_overflow(False)
                .open_or_create())

    def open_writer(self, index: int) -> None:
        self._publisher = (self._open().publisher_builder()
                           .initial_max_slice_len(self.size)
                           .backpressure_strategy(iox.BackpressureStrategy.RetryUntilDelivered)
                           .create())

    def open_reader(self, index: int) -> None:
        self._subscriber = self._open().subscriber_builder().create()

    def _send(self, length: int, fill: Any) -> None:
        sample = self._publisher.loan_slice_uninit(length)
        if length:
            with _view(sample.payload_ptr, length, _PyBUF_WRITE) as slot:
                fill(slot)
        sample.assume_init().send()

    def put(self, message: Any) -> None:
        self._send(len(message), lambda slot: slot.__setitem__(slice(None), message))

    def put_in_place(self, stamp: Stamp, sequence: int) -> None:
        self._send(self.size, lambda slot: stamp(slot, sequence))

    def _receive(self) -> Any:
        deadline: Optional[float] = None
        while True:
            sample = self._subscriber.receive()
            if sample is not None:
                return sample
            deadline = deadline or time.monotonic() + STALL
            if time.monotonic() > deadline:
                raise TimeoutError(f"no sample for {STALL:g} s")
            time.sleep(0)

    def take(self, fn: Check) -> bool:
        sample = self._receive()
        try:
            length = sample.header.number_of_elements
            if length:
                with _view(sample.payload_ptr, length, _PyBUF_READ) as message:
                    fn(message)
            return bool(length)
        finally:
            sample.delete()

    def drain(self, fn: Check) -> int:
        n = super().drain(fn)
        self.stopped.add()
        return n

    def end(self) -> None:
        self._send(0, None)
        self.stopped.wait_for(self.spec.readers, STALL)
        self._publisher.delete()
