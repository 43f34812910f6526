"""Child processes for test_stale.py and test_segments_cli.py: each joins a
segment as told, prints "ready" and holds on until it is killed."""

import os
import signal
import subprocess
import sys

CHILD = r"""
import signal, sys
import shmring
role, name = sys.argv[1], sys.argv[2]
if role == "creator":      # creates the ring, joins as writer and reader
    ring = shmring.Ring.create(name, slot_bytes=64, slot_count=8)
    kept = (ring.writer(), ring.reader(group="g"))
elif role == "made":       # creates the ring and exits, leaving it behind
    shmring.Ring.create(name, slot_bytes=64, slot_count=8)
    print("ready", flush=True)
    sys.exit(0)
elif role == "reader":     # attaches to a ring made by someone else
    ring = shmring.Ring.open(name, timeout=10)
    kept = ring.reader()
elif role == "lock":       # creates a lock and holds it exclusively
    lock = shmring.RWLock.create(name, max_holders=4)
    lock.acquire_write()
print("ready", flush=True)
signal.pause()             # hold on until killed (no timing involved)
"""


def start(role: str, name: str) -> subprocess.Popen:
    """Start a child in `role` on `name` and wait until it says it is ready."""
    child = subprocess.Popen([sys.executable, "-c", CHILD, role, name],
                             stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert child.stdout is not None
    assert child.stdout.readline() == "ready\n", f"{role} child did not get ready"
    return child


def kill(child: subprocess.Popen) -> None:
    """SIGKILL the child and reap it."""
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=60)
