"""Writers and readers: every copying call, buffer types, kinds of reader,
end of stream and the errors of each."""

import array
import ctypes
import time

import pytest

import shmring


@pytest.fixture
def pair(ring):
    """A writer and a broadcast reader of the ring (8 slots of 64 bytes)."""
    return ring.writer(), ring.reader()


@pytest.mark.parametrize("make", [
    bytes, bytearray, memoryview,
    lambda b: array.array("B", b),
    lambda b: memoryview(bytearray(b"??" + b))[2:],
    lambda b: (ctypes.c_char * len(b)).from_buffer_copy(b),
], ids=["bytes", "bytearray", "memoryview", "array", "sliced-memoryview", "ctypes"])
def test_write_takes_any_contiguous_buffer(pair, make):
    writer, reader = pair
    writer.write(make(b"payload"))
    writer.try_write(make(b"again"))
    assert reader.read() == b"payload"
    assert reader.try_read() == b"again"


def test_write_refuses_str_and_non_contiguous_buffers(pair):
    writer, _ = pair
    with pytest.raises(TypeError):
        writer.write("text")
    with pytest.raises(BufferError):
        writer.write(memoryview(b"abcdef")[::2])


def test_numpy_arrays_go_in_and_come_back(pair):
    np = pytest.importorskip("numpy")
    writer, reader = pair
    matrix = np.arange(12, dtype=np.int32).reshape(3, 4)
    writer.write(matrix)
    out = np.empty_like(matrix)
    assert reader.read_into(out) == matrix.nbytes
    assert (out == matrix).all()


def test_read_into_returns_the_length_and_fills_the_buffer(pair):
    writer, reader = pair
    writer.write(b"abc")
    writer.write(b"defg")
    buf = bytearray(64)
    assert reader.read_into(buf, timeout=1) == 3 and buf[:3] == b"abc"
    assert reader.try_read_into(memoryview(buf)[10:]) == 4 and buf[10:14] == b"defg"


def test_read_into_a_too_small_buffer_leaves_the_message(pair):
    writer, reader = pair
    writer.write(b"0123456789")
    with pytest.raises(shmring.TooLarge):
        reader.read_into(bytearray(4))
    with pytest.raises(BufferError):
        reader.read_into(b"read-only bytes" * 4)
    assert reader.read() == b"0123456789"


def test_empty_and_full_size_messages(pair):
    writer, reader = pair
    writer.write(b"")
    writer.write(b"x" * 64)
    assert reader.read() == b""
    assert reader.read() == b"x" * 64
    with pytest.raises(shmring.TooLarge):
        writer.write(b"x" * 65)


def test_try_forms_raise_full_and_empty(pair):
    writer, reader = pair
    with pytest.raises(shmring.Empty):
        reader.try_read()
    with pytest.raises(shmring.Empty):
        reader.try_read_into(bytearray(64))
    for i in range(8):
        writer.try_write(bytes([i]))
    with pytest.raises(shmring.Full):
        writer.try_write(b"ninth")
    assert [reader.read() for _ in range(8)] == [bytes([i]) for i in range(8)]


def test_timeouts_raise_timeout_after_about_the_timeout(pair):
    writer, reader = pair
    start = time.monotonic()
    with pytest.raises(shmring.Timeout):
        reader.read(timeout=0.1)
    assert 0.09 <= time.monotonic() - start  # not before its time
    for i in range(8):
        writer.write(b"fill")
    with pytest.raises(shmring.Timeout):
        writer.write(b"no room", timeout=0.05)
    with pytest.raises(ValueError, match="non-negative"):
        reader.read(timeout=-1)


def test_write_batch_and_read_batch(pair):
    writer, reader = pair
    assert writer.write_batch([b"a", bytearray(b"bb"), memoryview(b"ccc")]) == 3
    assert reader.read_batch(2) == [b"a", b"bb"]
    assert reader.read_batch(10, timeout=1) == [b"ccc"]
    batch = [b"%d" % i for i in range(12)]
    written = writer.write_batch(batch)  # a prefix: as many as fit
    assert 1 <= written <= 8
    assert reader.read_batch(12) == batch[:written]
    with pytest.raises(ValueError):
        reader.read_batch(0)


def test_read_batch_into_packs_messages_back_to_back(pair):
    writer, reader = pair
    writer.write_batch([b"one", b"two!", b""])
    buf = bytearray(64)
    assert reader.read_batch_into(buf, 8) == [3, 4, 0]
    assert buf[:7] == b"onetwo!"


def test_iteration_drains_and_stops_at_end_of_stream(pair, ring):
    writer, reader = pair
    for i in range(5):
        writer.write(b"%d" % i)
    writer.close()  # the last writer: the stream ends
    assert list(reader) == [b"0", b"1", b"2", b"3", b"4"]
    with pytest.raises(shmring.Closed):
        reader.read()


def test_end_stream_closes_writers_too(pair, ring):
    writer, reader = pair
    writer.write(b"last")
    ring.close_stream()
    with pytest.raises(shmring.Closed):
        writer.write(b"late")
    assert reader.read() == b"last"
    with pytest.raises(shmring.Closed):
        reader.try_read()


def test_group_members_split_the_stream(ring):
    writer = ring.writer()
    a, b = ring.reader(group="workers"), ring.reader(group="workers")
    everyone = ring.reader()
    for i in range(6):
        writer.write(b"%d" % i)
    assert a.read_batch(3) == [b"0", b"1", b"2"]
    assert b.read_batch(8) == [b"3", b"4", b"5"]  # each message to one member
    with pytest.raises(shmring.Empty):
        a.try_read()
    assert [everyone.read() for _ in range(6)] == [b"%d" % i for i in range(6)]
    assert a.group == "workers" and "group='workers'" in repr(a)
    with pytest.raises(shmring.Invalid):
        a.skip_to_latest()


def test_lossy_reader_never_holds_writers_back_and_counts_what_it_missed(ring):
    writer = ring.writer()
    lossy = ring.reader(lossy=True)
    for i in range(20):
        writer.try_write(b"%d" % i)  # never Full: nobody gates the writer
    got = [lossy.read() for _ in range(8)]
    assert got == [b"%d" % i for i in range(12, 20)]
    assert lossy.missed == 12
    assert lossy.lossy and "lossy" in repr(lossy)


def test_skip_to_latest_and_position(pair, ring):
    writer, reader = pair
    for i in range(5):
        writer.write(b"%d" % i)
    assert reader.position == 0
    assert reader.skip_to_latest() == 5
    assert reader.position == 5 and reader.missed == 5
    writer.write(b"new")
    assert reader.read() == b"new"


def test_skip_all_to_latest_frees_writers(pair, ring):
    writer, reader = pair
    for i in range(8):
        writer.write(b"old")
    ring.skip_all_to_latest()
    writer.write(b"fresh", timeout=1)
    assert reader.read() == b"fresh"


def test_closed_handles_raise_and_close_is_idempotent(pair):
    writer, reader = pair
    writer.close()
    writer.close()
    reader.close()
    assert writer.closed and "closed" in repr(writer)
    for call in (lambda: writer.try_write(b"x"), lambda: reader.read(),
                 lambda: reader.read_into(bytearray(8)), lambda: reader.position):
        with pytest.raises(shmring.Invalid, match="closed"):
            call()


def test_handles_are_context_managers(ring):
    with ring.writer() as writer, ring.reader() as reader:
        writer.write(b"ctx")
        assert reader.read() == b"ctx"
    assert writer.closed and reader.closed


def test_reader_table_limit(name):
    with shmring.Ring.create(name, slot_bytes=8, slot_count=2, max_readers=1) as ring:
        first = ring.reader()  # kept: a dropped reader leaves the table
        with pytest.raises(shmring.LimitReached):
            ring.reader()
        first.close()
        ring.reader()


def test_ctypes_structures_go_in_and_come_back(pair):
    class Record(ctypes.Structure):
        _fields_ = [("id", ctypes.c_uint32), ("value", ctypes.c_double)]

    writer, reader = pair
    writer.write(Record(7, 2.5))
    out = Record()
    assert reader.read_into(out) == ctypes.sizeof(Record)
    assert (out.id, out.value) == (7, 2.5)
