"""await_waiters.py NAME N: returns once N waits are blocked on the readers-
writer lock NAME at the same time (its state: shmring_rwlock_waiting), so
that the cross test lets go of the lock only when every locker waits for
it. Exit 1 after a 30 s hang guard."""

import os
import sys
import time

import shmring

HANG_GUARD_S = 30.0


def main() -> int:
    name, wanted = sys.argv[1], int(sys.argv[2])
    lock = shmring.RWLock.open(name, timeout=HANG_GUARD_S)
    give_up = time.monotonic() + HANG_GUARD_S
    try:
        while lock.waiters < wanted:
            if time.monotonic() > give_up:
                print(f"await_waiters: {lock.waiters} of {wanted} waits blocked on {name} "
                      f"after {HANG_GUARD_S:g} s", file=sys.stderr)
                return 1
            os.sched_yield()
    finally:
        lock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
