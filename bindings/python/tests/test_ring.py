"""shmring.Ring: create, attach, options, lifecycle, pickling, errors."""

import pickle
import subprocess
import sys
import textwrap

import pytest

import shmring


def test_create_named_ring_has_its_geometry_and_name(name):
    with shmring.Ring.create(name, slot_bytes=100, slot_count=16) as ring:
        assert ring.name == name
        assert (ring.slot_bytes, ring.slot_count) == (100, 16)
        assert ring.layout_version == shmring.LAYOUT_VERSION
        assert ring.segment_bytes > 100 * 16
        assert ring.next_sequence == 0
        assert not ring.stream_closed and not ring.closed


@pytest.mark.parametrize("count", [1, 3, 10, 16])
def test_any_slot_count_is_exactly_the_unread_messages_that_fit(name, count):
    with shmring.Ring.create(name, slot_bytes=8, slot_count=count) as ring:
        assert ring.slot_count == count
        with shmring.Ring.open(name) as other:
            assert other.slot_count == count
        reader, writer = ring.reader(), ring.writer()
        for i in range(count):
            writer.try_write(bytes([i]))
        with pytest.raises(shmring.Full):
            writer.try_write(b"one more")
        assert reader.read(timeout=0) == bytes([0])
        writer.try_write(b"fits")
        with pytest.raises(shmring.Full):
            writer.try_write(b"full")


def test_create_applies_every_option(name):
    with shmring.Ring.create(name, slot_bytes=8, slot_count=4, max_writers=3,
                             max_readers=5, max_groups=2, mode=0o640,
                             initial_sequence=1000) as ring:
        assert (ring.max_writers, ring.max_readers, ring.max_groups) == (3, 5, 2)
        assert ring.next_sequence == 1000


def test_close_on_last_writer_false_keeps_the_stream_open(ring, name):
    with shmring.Ring.create(name + "x", slot_bytes=8, slot_count=4,
                             close_on_last_writer=False) as keep_open:
        keep_open.writer().close()
        assert not keep_open.stream_closed
        keep_open.close_stream()
        assert keep_open.stream_closed
        keep_open.unlink()
    ring.writer().close()
    assert ring.stream_closed


def test_anonymous_ring_has_no_name_and_cannot_be_unlinked():
    with shmring.Ring.create(slot_bytes=8, slot_count=2) as ring:
        assert ring.name is None
        assert "anonymous" in repr(ring)
        with pytest.raises(shmring.Invalid):
            ring.unlink()


def test_attach_sees_the_creators_messages(ring):
    with shmring.Ring.open(ring.name) as other:
        assert (other.slot_bytes, other.slot_count) == (64, 8)
        reader = other.reader()
        ring.writer().write(b"across handles")
        assert reader.read(timeout=5) == b"across handles"


def test_close_detaches_but_unlink_removes_the_name(name):
    ring = shmring.Ring.create(name, slot_bytes=8, slot_count=2)
    ring.close()
    assert ring.closed and "closed" in repr(ring)
    ring.close()  # idempotent
    shmring.Ring.open(name).close()  # the name is still there
    ring.unlink()
    with pytest.raises(shmring.NotFound):
        shmring.Ring.open(name, timeout=0)
    with pytest.raises(shmring.NotFound):
        ring.unlink()


def test_close_closes_the_handles_opened_through_the_ring(ring):
    writer, reader = ring.writer(), ring.reader()
    ring.close()
    assert writer.closed and reader.closed
    with pytest.raises(shmring.Invalid):
        writer.write(b"x")
    with pytest.raises(shmring.Invalid):
        ring.writer()


def test_repr_names_the_geometry_and_stream_state(ring):
    assert repr(ring) == (f"<shmring.Ring {ring.name!r} slot_bytes=64 slot_count=8 "
                          "next_sequence=0>")
    ring.close_stream()
    assert repr(ring).endswith("stream ended>")


def test_named_ring_pickles_by_name_and_reattaches(ring):
    clone = pickle.loads(pickle.dumps(ring))
    try:
        assert clone is not ring and clone.name == ring.name
        reader = clone.reader()
        ring.writer().write(b"pickled")
        assert reader.read(timeout=5) == b"pickled"
    finally:
        clone.close()


def test_anonymous_ring_refuses_pickling_and_says_why():
    with shmring.Ring.create(slot_bytes=8, slot_count=2) as ring:
        with pytest.raises(TypeError, match="fork"):
            pickle.dumps(ring)


def test_handles_refuse_pickling(ring):
    with pytest.raises(TypeError, match="belongs to the process"):
        pickle.dumps(ring.reader())


def test_create_errors_map_to_exception_classes(name, ring):
    with pytest.raises(shmring.Exists) as exc:
        shmring.Ring.create(ring.name, slot_bytes=8, slot_count=2)
    assert isinstance(exc.value, FileExistsError)
    assert isinstance(exc.value, shmring.Error)
    assert ring.name in str(exc.value)  # the C core's detail, not just a code name
    for count in (0, 2**31 + 1):
        with pytest.raises(shmring.Invalid) as exc:
            shmring.Ring.create(name, slot_bytes=8, slot_count=count)
        assert isinstance(exc.value, ValueError)
        assert "slot_count must be 1..2147483648" in str(exc.value)
    with pytest.raises(shmring.NotFound) as exc:
        shmring.Ring.open(name + "-missing", timeout=0)
    assert isinstance(exc.value, FileNotFoundError)


def test_a_non_segment_is_corrupt(name):
    with open("/dev/shm" + name, "wb") as f:
        f.write(b"not a ring" * 100)
    with pytest.raises(shmring.Corrupt):
        shmring.Ring.open(name, timeout=0)


def test_exception_classes_keep_their_standard_meanings():
    import queue

    assert issubclass(shmring.Full, queue.Full)
    assert issubclass(shmring.Empty, queue.Empty)
    assert issubclass(shmring.Timeout, TimeoutError)
    assert issubclass(shmring.TooLarge, ValueError)
    assert issubclass(shmring.NoSpace, OSError)
    assert issubclass(shmring.PermissionDenied, PermissionError)
    codes = {cls.code for cls in shmring.Error.__subclasses__()}
    assert len(codes) == len(shmring.Error.__subclasses__())  # one class per code


def test_rings_are_made_by_create_or_attach_only():
    with pytest.raises(TypeError, match="Ring.create"):
        shmring.Ring("/frames")


def test_garbage_collected_rings_and_handles_close_in_a_safe_order():
    # The collector clears weak references before finalizers run, in any
    # order: a ring must not unmap its segment while a handle is still open.
    code = textwrap.dedent("""
        import gc, shmring
        for _ in range(20):
            ring = shmring.Ring.create(slot_bytes=8, slot_count=2)
            cycle = [ring, ring.writer(), ring.reader()]
            cycle.append(cycle)
            del ring, cycle
            gc.collect()
        ring = shmring.Ring.create(slot_bytes=8, slot_count=2)
        writer, reader = ring.writer(), ring.reader()
        def keep():  # module globals <-> function: collected at exit
            return ring, writer, reader
        print("ok")
        """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True,
                            text=True, timeout=60)
    assert (result.returncode, result.stdout) == (0, "ok\n"), result.stderr
