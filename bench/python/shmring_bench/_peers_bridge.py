"""The bridge rows (docs/bridge.md): shmring-bridge over loopback TCP, run
next to "zmq-tcp" (_peers_zmq: raw pyzmq PUSH/PULL over loopback TCP)
moving the same messages.

"bridge": writers write into ring A, readers read ring B, and between them
  `shmring-bridge send` (a broadcast reader of A) and `shmring-bridge recv`
  (the writer of B) over tcp://127.0.0.1; end of stream crosses over. The
  program is $SHMRING_BRIDGE_BIN, or shmring-bridge in PATH (bazel build
  //tools/bridge:shmring-bridge); without it the rows say skipped."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from multiprocessing.context import BaseContext

from shmring import Ring
from ._peers_zmq import free_port
from ._transports import ShmringCopy, Spec, segment_name

BRIDGE_BIN = os.environ.get("SHMRING_BRIDGE_BIN") or shutil.which("shmring-bridge")
if not BRIDGE_BIN or not os.access(BRIDGE_BIN, os.X_OK):
    raise ImportError("shmring-bridge not found (set SHMRING_BRIDGE_BIN)",
                      name="shmring-bridge (SHMRING_BRIDGE_BIN)")

#: Seconds to wait for the bridge to join or leave before the cell fails.
JOIN = 30.0


class Bridge(ShmringCopy):
    broadcast = False
    no_group = "one sender reads ring A as one broadcast reader"
    fork_only = "the channel holds the bridge processes"

    def __init__(self, spec: Spec, ctx: BaseContext) -> None:
        super().__init__(spec, ctx)  # ring A: the writers'
        self.ring_b = Ring.create("/" + segment_name("bridge-b"), slot_bytes=spec.size,
                                  slot_count=spec.slots)
        endpoint = f"tcp://127.0.0.1:{free_port()}"
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        self.recv = subprocess.Popen(
            [BRIDGE_BIN, "recv", "--bind", endpoint, "--ring", self.ring_b.name,
             "--wait-readers", str(spec.readers)], **quiet)  # type: ignore[call-overload]
        self.send = subprocess.Popen(
            [BRIDGE_BIN, "send", "--ring", self.ring.name, "--to", endpoint],
            **quiet)  # type: ignore[call-overload]
        deadline = time.monotonic() + JOIN
        while self.ring.stats().readers < 1:  # the sender joined: nothing is written before
            if time.monotonic() > deadline or self.send.poll() is not None:
                self.destroy()
                raise RuntimeError("shmring-bridge send did not join ring A")
            time.sleep(0.001)

    def open_reader(self, index: int) -> None:
        self._reader = self.ring_b.reader()

    def destroy(self) -> None:
        for process in (self.send, self.recv):
            try:
                process.wait(timeout=JOIN)  # both end with the stream
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        super().destroy()
        self.ring_b.close()
        self.ring_b.unlink()
