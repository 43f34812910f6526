"""shmring.compat against the seed library, name by name: every public name
of the seed's ringbuffer module, its README's usage (the examples and the
perf scenarios' slot counts), the seed's own SlotArray tests, and the
behaviours a program written for the seed relies on (capacities, positions,
exceptions and their messages). The deliberate differences are listed in
the package README ("How the seed maps onto shmring")."""

import ctypes
import gc
import multiprocessing
import os
import pickle

import pytest

import compat_workers
from shmring import compat as ringbuffer

START_METHODS = [m for m in ("fork", "spawn", "forkserver")
                 if m in multiprocessing.get_all_start_methods()]

# The seed's module, public names (ringbuffer.py of the seed).
SEED_CLASSES = ["RingBuffer", "Pointer", "Position", "SlotArray", "ReadersWriterLock"]
SEED_EXCEPTIONS = ["Error", "DataTooLargeError", "WaitingForReaderError",
                   "WaitingForWriterError", "WriterFinishedError", "AlreadyClosedError",
                   "MustCreatedReadersBeforeWritingError", "InternalLockingError"]


class Record(ctypes.Structure):  # the seed's example_ctypes.py record
    _fields_ = [("write_number", ctypes.c_uint),
                ("timestamp_microseconds", ctypes.c_ulonglong),
                ("length", ctypes.c_uint),
                ("data", ctypes.c_ubyte * 1000)]


# ---- names -------------------------------------------------------------------


def test_every_public_name_of_the_seed_is_here():
    for name in SEED_CLASSES + SEED_EXCEPTIONS:
        assert name in ringbuffer.__all__ and hasattr(ringbuffer, name), name
    for name in SEED_EXCEPTIONS[1:]:
        assert issubclass(getattr(ringbuffer, name), ringbuffer.Error)
    assert issubclass(ringbuffer.DataTooLargeError, ValueError)


def test_a_ring_has_the_seed_attributes():
    ring = ringbuffer.RingBuffer(slot_bytes=16, slot_count=10)
    assert ring.slot_count == 10
    assert ring.readers == []
    assert isinstance(ring.writer, ringbuffer.Pointer)
    assert isinstance(ring.lock, ringbuffer.ReadersWriterLock)
    assert ring.active.value == 0
    # array: the seed's SlotArray geometry; its slots are the ring's.
    assert (ring.array.slot_bytes, ring.array.slot_count, len(ring.array)) == (16, 10, 10)
    with pytest.raises(TypeError, match="pointer"):
        ring.array[0]
    pointers = [ring.new_reader(), ring.new_reader()]
    assert ring.readers == pointers


@pytest.mark.parametrize("method", START_METHODS)
def test_readers_go_with_the_ring_to_children(method):
    ctx = multiprocessing.get_context(method)
    ring = ringbuffer.RingBuffer(slot_bytes=16, slot_count=4)
    pointer = ring.new_reader()
    ring.new_writer()
    ring.try_write(b"x")
    results = ctx.Queue()
    child = ctx.Process(target=compat_workers.read_through_readers, args=(ring, results))
    child.start()
    assert results.get(timeout=60) == (1, b"x")
    child.join(timeout=60)
    assert child.exitcode == 0
    assert pointer.get().counter == 1  # the same pointer, in the ring


def test_position_is_the_seeds():
    position = ringbuffer.Position(10)
    assert (position.counter, position.index, position.generation) == (0, 0, 0)
    position.counter = 23
    assert (position.index, position.generation) == (3, 2)


def test_a_free_pointer_is_the_seeds_counter():
    pointer = ringbuffer.Pointer(10, start=5)
    assert pointer.counter.value == 5 and pointer.get().counter == 5
    pointer.increment()
    pointer.set(pointer.get().counter + 20)
    assert (pointer.get().counter, pointer.get().index, pointer.get().generation) == (26, 6, 2)
    assert pointer.get() is pointer.position  # one Position, updated
    assert ringbuffer.Pointer(3).get().counter == 0
    ring = ringbuffer.RingBuffer(slot_bytes=8, slot_count=2)
    with pytest.raises(TypeError, match="new_reader"):
        ring.try_read(pointer)  # a reader is a group in the ring


def test_reader_pointers_move_like_the_seeds():
    ring = ringbuffer.RingBuffer(slot_bytes=16, slot_count=10)
    pointer = ring.new_reader()
    ring.new_writer()
    for i in range(6):
        ring.try_write(b"%d" % i)
    pointer.increment()  # skips message 0
    assert pointer.get().counter == 1
    pointer.set(4)  # skips 1..3
    assert pointer.counter.value == 4
    assert ring.try_read(pointer) == b"4"
    pointer.counter.value = 6
    with pytest.raises(ringbuffer.WaitingForWriterError):
        ring.try_read(pointer)
    with pytest.raises(ringbuffer.InvalidArgumentError):
        pointer.set(2)  # backwards: the ring is not random access
    with pytest.raises(ringbuffer.InvalidArgumentError):
        pointer.set(7)  # ahead of the writers
    with pytest.raises(TypeError):
        ring.writer.set(0)  # the writers' position is the ring's
    with pytest.raises(TypeError):
        ring.writer.increment()
    assert ring.writer.get().counter == ring.writer.counter.value == 6


# ---- capacities: the README's perf scenarios use 50, 10 and 3 slots ----------


@pytest.mark.parametrize("slot_count", [1, 3, 10, 50])
def test_the_ring_is_full_at_exactly_slot_count_unread_messages(slot_count):
    ring = ringbuffer.RingBuffer(slot_bytes=8, slot_count=slot_count)
    pointer = ring.new_reader()
    ring.new_writer()
    for i in range(slot_count):
        ring.try_write(b"%d" % i)
    with pytest.raises(ringbuffer.WaitingForReaderError):
        ring.try_write(b"one more")
    assert ring.try_read(pointer) == b"0"
    ring.try_write(b"fits")
    with pytest.raises(ringbuffer.WaitingForReaderError):
        ring.try_write(b"full")
    w = ring.writer.get()
    assert (w.counter, w.index, w.generation) == (
        slot_count + 1, (slot_count + 1) % slot_count, (slot_count + 1) // slot_count)


def test_a_ring_of_10_slots_refuses_the_11th_unread_write():
    ring = ringbuffer.RingBuffer(slot_bytes=50000, slot_count=10)
    slow, fast = ring.new_reader(), ring.new_reader()
    ring.new_writer()
    for i in range(10):
        ring.try_write(b"message %d" % i)
        assert ring.try_read(fast) == b"message %d" % i
    with pytest.raises(ringbuffer.WaitingForReaderError):
        ring.try_write(b"message 10")  # slow has 10 unread: the seed's bound
    assert ring.try_read(slow) == b"message 0"
    ring.try_write(b"message 10")


def test_force_reader_sync_moves_every_pointer_at_once():
    ring = ringbuffer.RingBuffer(slot_bytes=8, slot_count=10)
    pointers = [ring.new_reader() for _ in range(3)]
    ring.new_writer()
    for i in range(7):
        ring.try_write(b"%d" % i)
    ring.try_read(pointers[1])
    ring.force_reader_sync()
    for pointer in pointers:  # before any of them reads again
        assert pointer.get().counter == pointer.counter.value == 7
        assert (pointer.get().index, pointer.get().generation) == (7, 0)
    ring.try_write(b"7")
    assert [ring.try_read(p) for p in pointers] == [b"7"] * 3


# ---- exceptions and their wording ---------------------------------------------


def test_too_large_data_says_so_in_the_seeds_words():
    ring = ringbuffer.RingBuffer(slot_bytes=8, slot_count=2)
    ring.new_writer()
    with pytest.raises(ringbuffer.DataTooLargeError, match="^9 bytes too big for slot$"):
        ring.try_write(b"x" * 9)
    with pytest.raises(ringbuffer.DataTooLargeError, match="^16 bytes too big for slot$"):
        ring.try_write((ctypes.c_uint16 * 8)())


def test_a_ring_of_0_byte_slots_takes_empty_messages_only():
    ring = ringbuffer.RingBuffer(slot_bytes=0, slot_count=2)
    pointer = ring.new_reader()
    ring.new_writer()
    ring.try_write(b"")
    with pytest.raises(ringbuffer.DataTooLargeError, match="^1 bytes too big for slot$"):
        ring.try_write(b"x")
    assert ring.try_read(pointer) == bytearray()


def test_a_non_contiguous_buffer_is_a_type_error_as_in_the_seed():
    ring = ringbuffer.RingBuffer(slot_bytes=64, slot_count=2)
    ring.new_writer()
    with pytest.raises(TypeError):
        ring.try_write(memoryview(b"abcdefgh")[::2])
    with pytest.raises(TypeError):
        ring.try_write("str")


def test_shmring_failures_are_compat_exceptions():
    for slot_count in (0, 2**31 + 1):
        with pytest.raises(ringbuffer.InvalidArgumentError, match=r"1\.\.2147483648") as e:
            ringbuffer.RingBuffer(slot_bytes=8, slot_count=slot_count)
        assert isinstance(e.value, ringbuffer.Error) and isinstance(e.value, ValueError)
    with pytest.raises(ringbuffer.InvalidArgumentError):
        ringbuffer.RingBuffer(slot_bytes=2**32, slot_count=2)
    ring = ringbuffer.RingBuffer(slot_bytes=8, slot_count=2)
    with pytest.raises(ringbuffer.TooManyParticipantsError) as e:
        for _ in range(1000):
            ring.new_reader()
    assert isinstance(e.value, ringbuffer.Error)


# ---- the README's examples: example_ctypes.py and example_numpy.py ------------


def ctypes_writer(ring, start, count, results):
    written = 0
    for i in range(start, start + count):
        data = os.urandom(1 + i % 1000)
        record = Record(write_number=i, timestamp_microseconds=i * 10, length=len(data))
        record.data[:len(data)] = data
        try:
            ring.try_write(record)
            written += 1
        except ringbuffer.WaitingForReaderError:
            continue  # "Reader is too slow, dropping"
    ring.writer_done()
    results.put(("writer", written))


def ctypes_reader(ring, pointer, results):
    numbers = []
    while True:
        try:
            data = ring.blocking_read(pointer)
        except ringbuffer.WriterFinishedError:
            break
        record = Record.from_buffer(data)  # a writable copy, as in the seed
        assert record.length == 1 + record.write_number % 1000
        numbers.append(record.write_number)
    results.put(("reader", numbers))


def test_example_ctypes_runs_as_in_the_seed():
    # Forked children, as the seed's examples start them.
    ctx = multiprocessing.get_context("fork")
    ring = ringbuffer.RingBuffer(slot_bytes=50000, slot_count=10)
    ring.new_writer()
    results = ctx.Queue()
    processes = [ctx.Process(target=ctypes_reader, args=(ring, ring.new_reader(), results)),
                 ctx.Process(target=ctypes_reader, args=(ring, ring.new_reader(), results)),
                 ctx.Process(target=ctypes_writer, args=(ring, 1, 1000, results))]
    for p in processes:
        p.daemon = True
        p.start()
    reports = [results.get(timeout=120) for _ in processes]
    for p in processes:
        p.join(timeout=60)
        assert p.exitcode == 0
    written = [n for kind, n in reports if kind == "writer"][0]
    readers = [numbers for kind, numbers in reports if kind == "reader"]
    for numbers in readers:  # the messages written, in order, none lost
        assert len(numbers) == written and numbers == sorted(numbers)
    assert readers[0] == readers[1]


def numpy_reader(ring, pointer, results):
    numpy = pytest.importorskip("numpy")
    count = 0
    while True:
        try:
            data = ring.blocking_read(pointer)
        except ringbuffer.WriterFinishedError:
            break
        x = numpy.frombuffer(data)
        x.shape = (25, 100)
        x[1, 1] = 1.1  # Verify it's mutable
        count += 1
    results.put(count)


def test_example_numpy_runs_as_in_the_seed():
    numpy = pytest.importorskip("numpy")
    ctx = multiprocessing.get_context("fork")
    ring = ringbuffer.RingBuffer(slot_bytes=50000, slot_count=100)
    ring.new_writer()
    results = ctx.Queue()
    readers = [ctx.Process(target=numpy_reader, args=(ring, ring.new_reader(), results))
               for _ in range(3)]
    for p in readers:
        p.start()
    written = 0
    for i in range(300):
        m = numpy.random.randn(25, 100)
        try:
            ring.try_write(numpy.ctypeslib.as_ctypes(m))
            written += 1
        except ringbuffer.WaitingForReaderError:
            continue
    ring.writer_done()
    assert sorted(results.get(timeout=120) for _ in readers) == [written] * 3
    for p in readers:
        p.join(timeout=60)
        assert p.exitcode == 0


# ---- SlotArray: the seed's own tests, and more -----------------------------------


@pytest.fixture
def array():
    return ringbuffer.SlotArray(slot_bytes=20, slot_count=10)


def test_slot_array_reads_empty(array):  # the seed's test_read_empty
    for data in array:
        assert data == b""
    assert len(list(array)) == len(array) == 10


def test_slot_array_reads_what_was_written(array):  # the seed's test_read_write
    array[0] = b"hello"
    array[1] = b""
    array[5] = b"how are"
    array[9] = b"you doing today?"
    assert array[0] == b"hello"
    assert array[1] == b""
    assert array[5] == b"how are"
    assert array[9] == b"you doing today?"


def test_slot_array_refuses_too_much(array):  # the seed's test_write_too_big
    with pytest.raises(ringbuffer.DataTooLargeError, match="^35 bytes too big for slot$"):
        array[3] = b"asdfkljasdlfkajsflkjasdfasdfkljasdf"
    assert array[3] == b""


def test_slot_array_items_are_copies_and_take_any_buffer(array):
    array[2] = bytearray(b"abc")
    first = array[2]
    assert type(first) is bytearray
    first[0] = ord("z")
    assert array[2] == b"abc"  # a copy
    array[4] = (ctypes.c_uint8 * 3)(1, 2, 3)
    array[6] = memoryview(b"view")
    assert (array[4], array[6]) == (b"\x01\x02\x03", b"view")
    assert array[-1] == array[9] == b""  # ctypes indexing, as the seed's
    with pytest.raises(IndexError):
        array[10]
    with pytest.raises(TypeError):
        array[0] = "str"
    assert (array.slot_bytes, array.slot_count, array.length_bytes) == (20, 10, 4)
    assert len(array.array) == 10  # the ctypes array of slots


@pytest.mark.parametrize("method", START_METHODS)
def test_slot_array_is_shared_with_children_under_every_start_method(method, array):
    ctx = multiprocessing.get_context(method)
    array[0] = b"from the parent"
    results = ctx.Queue()
    child = ctx.Process(target=compat_workers.fill_slot_array, args=(array, results))
    child.start()
    assert results.get(timeout=60) == (b"from the parent", 20, 10)
    child.join(timeout=60)
    assert child.exitcode == 0
    assert [array[i] for i in range(1, 10, 2)] == [b"child %d" % i for i in range(1, 10, 2)]
    assert array[2] == b""


def test_slot_array_pickles_by_name(array):
    array[7] = b"seven"
    copy = pickle.loads(pickle.dumps(array))
    assert copy[7] == b"seven"
    copy[8] = b"eight"
    assert array[8] == b"eight"


def test_slot_array_of_nothing_and_bad_geometry():
    empty = ringbuffer.SlotArray(slot_bytes=4, slot_count=0)
    assert len(empty) == 0 and list(empty) == []
    with pytest.raises(ringbuffer.InvalidArgumentError):
        ringbuffer.SlotArray(slot_bytes=-1, slot_count=2)


def test_slot_array_memory_goes_with_the_object():
    array = ringbuffer.SlotArray(slot_bytes=8, slot_count=4)
    path = "/dev/shm" + array._name
    assert os.path.getsize(path) == 4 * (4 + 8)
    del array
    gc.collect()
    assert not os.path.exists(path)
