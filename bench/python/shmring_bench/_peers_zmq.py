"""pyzmq over ipc://: PUSH/PULL for 1→1, N→1 and a group (PUSH deals each
message to one PULL), PUB/SUB for broadcast (an XPUB with XPUB_NODROP: a
full subscriber holds the publisher back instead of losing messages, so
every message can be verified). Each writer binds an address of its own and
readers connect to all of them.

A PULL drops the messages it holds but has not handed out when their sender
disconnects, so a writer stays connected until every reader has stopped.
The end of the stream is an empty message. A reader whose end message went
to the other group member (PUSH deals those too) stops once every writer
has sent its end messages and nothing came for QUIET seconds. Every receive
has a timeout and every wait a limit (STALL seconds), so a cell fails
instead of hanging."""

from __future__ import annotations

import importlib
import os
import socket
import tempfile
from multiprocessing.context import BaseContext
from typing import Any, List, Optional

from ._counter import Counter
from ._transports import Channel, Check, Spec, segment_name

# As Any: the package type-checks where pyzmq is not installed; importing it
# here makes the registry's "not installed".
zmq: Any = importlib.import_module("zmq")

POLL = 0.1
QUIET = 0.5
STALL = 30.0
#: Large messages are received without a copy (a zmq.Frame's buffer).
COPY_BELOW = 1 << 16


class Zmq(Channel):
    broadcast = True

    def __init__(self, spec: Spec, ctx: BaseContext) -> None:
        super().__init__(spec, ctx)
        base = os.path.join(tempfile.gettempdir(), segment_name("zmq"))
        self.paths = [f"{base}-{i}.ipc" for i in range(spec.writers)]
        self.ended = Counter(ctx)    # writers that sent their end messages
        self.stopped = Counter(ctx)  # readers that stopped reading
        self._pubsub = spec.readers > 1 and not spec.group

    def address(self, index: int) -> str:
        """Where writer `index` binds."""
        return "ipc://" + self.paths[index]

    def _socket(self, kind: int) -> Any:
        self._context = zmq.Context()
        socket = self._context.socket(kind)
        socket.setsockopt(zmq.SNDHWM, self.slots)
        socket.setsockopt(zmq.RCVHWM, self.slots)
        socket.setsockopt(zmq.SNDTIMEO, int(STALL * 1000))
        socket.setsockopt(zmq.RCVTIMEO, int(POLL * 1000))
        return socket

    def open_writer(self, index: int) -> None:
        self._out = self._socket(zmq.XPUB if self._pubsub else zmq.PUSH)
        self._out.setsockopt(zmq.LINGER, int(STALL * 1000))
        if self._pubsub:  # before bind: no subscription may pass unseen
            self._out.setsockopt(zmq.XPUB_NODROP, 1)
            self._out.setsockopt(zmq.XPUB_VERBOSE, 1)  # pass on every subscription, not one per topic
            self._out.setsockopt(zmq.RCVTIMEO, int(STALL * 1000))
        self._out.bind(self.address(index))
        if self._pubsub:
            for _ in range(self.spec.readers):  # every subscriber in before the first message
                self._out.recv()
        self.put = self._out.send  # type: ignore[method-assign]

    def open_reader(self, index: int) -> None:
        self._in = self._socket(zmq.SUB if self._pubsub else zmq.PULL)
        self._in.setsockopt(zmq.LINGER, 0)
        for index in range(self.spec.writers):
            self._in.connect(self.address(index))
        if self._pubsub:
            self._in.setsockopt(zmq.SUBSCRIBE, b"")
        self._copy = self.size < COPY_BELOW

    def _receive(self) -> Optional[Any]:
        """The next message (empty: an end message), or None once the stream is over."""
        waited = quiet = 0.0
        while True:
            try:
                message = self._in.recv(copy=self._copy)
                return message if self._copy else message.buffer
            except zmq.Again:
                waited += POLL
                if self.ended.value == self.spec.writers:
                    quiet += POLL
                    if quiet >= QUIET:
                        self.idle_tail = quiet
                        return None
                if waited > STALL:
                    raise TimeoutError(f"no message for {STALL:g} s") from None

    def take(self, fn: Check) -> bool:
        """One message (a ping-pong's); the stream goes on, so no _stop()."""
        message = self._receive()
        if not message:
            return False
        fn(message)
        return True

    def drain(self, fn: Check) -> int:
        n, ends = 0, 0
        while ends < self.spec.writers:
            message = self._receive()
            if message is None:
                break
            if len(message):
                fn(message)
                n += 1
            else:
                ends += 1
        self.stopped.add()
        return n

    def end(self) -> None:
        for _ in range(self.ends_to_send):
            self._out.send(b"")
        self.ended.add()
        self.stopped.wait_for(self.spec.readers, STALL)
        self._out.close()
        self._context.term()

    def destroy(self) -> None:
        for path in self.paths:
            if os.path.exists(path):
                os.unlink(path)


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ZmqTcp(Zmq):
    """The same over tcp://127.0.0.1 (a port per writer), next to the bridge
    rows (_peers_bridge); the batch API sends a batch as one multipart
    message (ZeroMQ's own batching)."""

    batch = True

    def __init__(self, spec: Spec, ctx: BaseContext) -> None:
        super().__init__(spec, ctx)
        self.ports = [free_port() for _ in range(spec.writers)]

    def address(self, index: int) -> str:
        return f"tcp://127.0.0.1:{self.ports[index]}"

    def put_batch(self, messages: List[Any]) -> None:
        self._out.send_multipart(messages)

    def drain_batch(self, fn: Check) -> int:
        n, ends = 0, 0
        while ends < self.spec.writers:
            try:
                parts = self._in.recv_multipart(copy=self._copy)
            except zmq.Again:
                message = self._receive()  # its end-of-stream logic
                if message is None:
                    break
                parts = [message]
            for part in parts:
                if len(part):
                    fn(part if self._copy else part.buffer)
                    n += 1
                else:
                    ends += 1
        self.stopped.add()
        return n
