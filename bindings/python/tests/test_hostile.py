"""A peer that scribbles the shared segment (by bug or by malice) gets a clear
error out of the other processes, never a crash or an endless wait; and names
that a C string would cut or that name directories are refused.

The test maps the ring's file a second time, as any peer can, and writes the
fields at the offsets docs/layout.md gives."""

import mmap
import os
import struct
import threading

import pytest

import shmring

SLOT_BYTES = 64
SLOT_COUNT = 8
REGISTRY_LOCK = 128 + 512  # control block 5, the lock word
HANG_GUARD = 120.0  # seconds; the bounds under test are far below it


class Peer:
    """A second mapping of a named ring's segment."""

    def __init__(self, name: str) -> None:
        fd = os.open(f"/dev/shm{name}", os.O_RDWR)
        try:
            self.map = mmap.mmap(fd, 0)
        finally:
            os.close(fd)

    def u64(self, offset: int) -> int:
        return struct.unpack_from("<Q", self.map, offset)[0]

    def put_u32(self, offset: int, value: int) -> None:
        struct.pack_into("<I", self.map, offset, value)

    def slot(self, sequence: int) -> int:
        """The offset of the slot that holds `sequence`."""
        slot_count, stride = self.u64(32), self.u64(40)
        return self.u64(88) + (sequence % slot_count) * stride

    def close(self) -> None:
        self.map.close()


def scribbled_ring(name: str):
    """A ring with a reader and a writer, two messages written, and the
    first one's slot claiming 0xFFFFFFF0 bytes (4 GiB over a 2 KiB ring)."""
    ring = shmring.Ring.create(name, slot_bytes=SLOT_BYTES, slot_count=SLOT_COUNT)
    reader, writer = ring.reader(), ring.writer()
    first = ring.next_sequence
    writer.write(b"m0")
    writer.write(b"m1")
    peer = Peer(name)
    peer.put_u32(peer.slot(first) + 8, 0xFFFFFFF0)
    peer.close()
    return ring, reader, writer


@pytest.mark.parametrize("how", ["read", "read_into", "peek", "peek_batch", "read_batch"])
def test_a_slot_length_over_slot_bytes_is_corrupt_not_a_crash(name, how):
    ring, reader, writer = scribbled_ring(name)
    with ring, reader, writer:
        def take():
            if how == "read":
                return reader.read(timeout=HANG_GUARD)
            if how == "read_into":
                buffer = bytearray(1 << 20)
                return bytes(buffer[:reader.read_into(buffer, timeout=HANG_GUARD)])
            if how == "read_batch":
                return reader.read_batch(1, timeout=HANG_GUARD)[0]
            if how == "peek":
                with reader.peek(timeout=HANG_GUARD) as message:
                    return message.tobytes()
            with reader.peek_batch(1, timeout=HANG_GUARD) as messages:
                return messages[0].tobytes()

        with pytest.raises(shmring.Corrupt, match="slot_bytes"):
            take()
        # The reader passed over it: the next message comes, counted missed.
        assert take() == b"m1"
        assert reader.missed == 1


def test_other_readers_go_on_after_a_corrupt_slot(name):
    ring, reader, writer = scribbled_ring(name)
    with ring, reader, writer:
        with pytest.raises(shmring.Corrupt):
            reader.read(timeout=HANG_GUARD)
        with ring.reader(group="g") as late:  # joins after the bad slot
            writer.write(b"m2")
            assert late.read(timeout=HANG_GUARD) == b"m2"
        assert reader.read(timeout=HANG_GUARD) == b"m1"


def test_a_lock_word_no_process_can_hold_is_taken_over(ring, name):
    peer = Peer(name)
    try:
        for word in (0xFFFFFFFF, 0x80000000, 1 << 22):
            peer.put_u32(REGISTRY_LOCK, word)
            with ring.reader():
                peer.put_u32(REGISTRY_LOCK, word)  # and a close goes on too
        peer.put_u32(REGISTRY_LOCK, 0xFFFFFFFF)
        with ring.writer():
            pass
    finally:
        peer.close()


def test_a_live_pid_in_the_lock_word_fails_the_join_within_the_bound(ring, name):
    peer = Peer(name)
    outcome = {}

    def join():
        try:
            ring.reader().close()
            outcome["result"] = "joined"
        except shmring.Error as error:
            outcome["result"] = error

    try:
        peer.put_u32(REGISTRY_LOCK, os.getpid())  # alive while we look
        joiner = threading.Thread(target=join, daemon=True)
        joiner.start()
        joiner.join(HANG_GUARD)
        assert not joiner.is_alive(), "the join waited past the hang guard"
        assert isinstance(outcome["result"], shmring.Timeout), outcome
        assert "registry lock" in str(outcome["result"])
    finally:
        peer.put_u32(REGISTRY_LOCK, 0)
        peer.close()
    with ring.reader():
        pass


@pytest.mark.parametrize("template", ["{n}-cut\0cd", "{n}-cut\0", "\0", ".", "..", "/.", "/.."])
def test_names_a_c_string_would_cut_or_that_name_directories_are_refused(name, template):
    bad = template.format(n=name)  # a cut name of our own: nobody else makes it
    with shmring.Ring.create(name, slot_bytes=SLOT_BYTES, slot_count=SLOT_COUNT):
        for call in (lambda: shmring.Ring.create(bad, slot_bytes=64, slot_count=8),
                     lambda: shmring.Ring.open(bad, timeout=0),
                     lambda: shmring.unlink(bad),
                     lambda: shmring.RWLock.create(bad)):
            with pytest.raises(shmring.Invalid, match="not a valid ring name") as caught:
                call()
            if "\0" in bad:
                assert "NUL" in str(caught.value)
        cut = bad.split("\0")[0]
        if "\0" in bad and cut:  # nothing was made under the cut name
            assert not os.path.exists(f"/dev/shm{cut}")


def test_a_name_cut_at_nul_cannot_reach_another_ring(name):
    with shmring.Ring.create(name, slot_bytes=SLOT_BYTES, slot_count=SLOT_COUNT):
        with pytest.raises(shmring.Invalid, match="NUL"):
            shmring.unlink(name + "\0other")
        with shmring.Ring.open(name, timeout=0) as again:  # still there
            assert again.slot_bytes == SLOT_BYTES


def test_a_group_name_with_nul_is_refused(ring):
    with pytest.raises(shmring.Invalid, match="NUL"):
        ring.reader(group="g\0h")
