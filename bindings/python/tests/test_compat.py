"""shmring.compat: the seed library's calls, exceptions and behaviours
(seed README and docstrings), across threads and across processes that get
the ring and its pointers as Process arguments."""

import ctypes
import gc
import multiprocessing
import os
import pickle
import threading

import pytest

import compat_workers
import shmring
from observe import HANG_GUARD, await_true, interrupt_when_blocked, new_wait, reader_waits
from shmring import compat as ringbuffer

START_METHODS = [m for m in ("fork", "spawn", "forkserver")
                 if m in multiprocessing.get_all_start_methods()]


class Record(ctypes.Structure):
    _fields_ = [("number", ctypes.c_uint), ("stamp", ctypes.c_ulonglong),
                ("data", ctypes.c_ubyte * 16)]


@pytest.fixture
def ring():
    return ringbuffer.RingBuffer(slot_bytes=64, slot_count=4)


def test_the_exceptions_have_the_seed_names_and_bases():
    for cls in (ringbuffer.DataTooLargeError, ringbuffer.WaitingForReaderError,
                ringbuffer.WaitingForWriterError, ringbuffer.WriterFinishedError,
                ringbuffer.AlreadyClosedError,
                ringbuffer.MustCreatedReadersBeforeWritingError,
                ringbuffer.InternalLockingError):
        assert issubclass(cls, ringbuffer.Error)
    assert issubclass(ringbuffer.DataTooLargeError, ValueError)


def test_a_reader_with_no_active_writer_gets_writer_finished(ring):
    pointer = ring.new_reader()
    with pytest.raises(ringbuffer.WriterFinishedError):
        ring.try_read(pointer)
    with pytest.raises(ringbuffer.WriterFinishedError):
        ring.blocking_read(pointer)


def test_try_write_needs_an_active_writer(ring):
    with pytest.raises(ringbuffer.AlreadyClosedError):
        ring.try_write(b"before new_writer")
    ring.new_writer()
    ring.new_writer()
    ring.try_write(b"x")
    ring.writer_done()
    ring.try_write(b"one writer is still active")
    ring.writer_done()
    with pytest.raises(ringbuffer.AlreadyClosedError):
        ring.try_write(b"after every writer_done")


def test_readers_drain_what_was_written_then_get_writer_finished(ring):
    pointer = ring.new_reader()
    ring.new_writer()
    with pytest.raises(ringbuffer.WaitingForWriterError):
        ring.try_read(pointer)
    ring.try_write(b"a")
    ring.try_write(b"b")
    ring.writer_done()
    assert ring.try_read(pointer) == b"a"
    assert ring.blocking_read(pointer) == b"b"
    with pytest.raises(ringbuffer.WriterFinishedError):
        ring.try_read(pointer)
    with pytest.raises(ringbuffer.WriterFinishedError):
        ring.blocking_read(pointer)


def test_new_reader_after_the_first_write_is_refused(ring):
    ring.new_writer()
    ring.new_reader()  # no write yet: fine
    ring.try_write(b"first")
    with pytest.raises(ringbuffer.MustCreatedReadersBeforeWritingError):
        ring.new_reader()


def test_reads_return_a_fresh_mutable_bytearray(ring):
    pointer = ring.new_reader()
    ring.new_writer()
    record = Record(number=7, stamp=123456789)
    record.data[:3] = (1, 2, 3)
    ring.try_write(record)
    ring.try_write(record)
    first, second = ring.try_read(pointer), ring.blocking_read(pointer)
    assert type(first) is bytearray and first == bytes(record)
    first[0] = 99  # mutable, and a copy of its own
    assert second == bytes(record)
    view = Record.from_buffer(second)  # from_buffer needs a writable buffer
    assert (view.number, view.stamp, list(view.data[:3])) == (7, 123456789, [1, 2, 3])


def test_data_is_any_buffer_and_str_is_a_type_error(ring):
    numpy = pytest.importorskip("numpy")
    pointer = ring.new_reader()
    ring.new_writer()
    matrix = numpy.arange(6, dtype=numpy.float64).reshape(2, 3)
    messages = [b"bytes", bytearray(b"bytearray"), memoryview(b"memoryview"),
                (ctypes.c_ubyte * 4)(1, 2, 3, 4), Record(number=1), matrix]
    for message in messages:
        ring.try_write(message)
        data = ring.blocking_read(pointer)
        assert data == memoryview(message).cast("B").tobytes()
    back = numpy.frombuffer(data).reshape(2, 3)  # the matrix, read last
    assert (back == matrix).all()
    back[0, 0] = 1.5  # the array over the bytearray is writable
    with pytest.raises(TypeError):
        ring.try_write("a str is not a buffer")


def test_data_too_large_is_a_value_error(ring):
    ring.new_writer()
    ring.try_write(b"x" * 64)
    with pytest.raises(ringbuffer.DataTooLargeError):
        ring.try_write(b"x" * 65)
    with pytest.raises(ValueError):
        ring.try_write(bytearray(1000))


def test_a_full_ring_waits_for_readers_and_force_reader_sync_frees_it():
    # 3 slots: the 4th message the slow reader has not read does not fit.
    ring = ringbuffer.RingBuffer(slot_bytes=8, slot_count=3)
    slow, fast = ring.new_reader(), ring.new_reader()
    ring.new_writer()
    for i in range(3):
        ring.try_write(b"%d" % i)
        assert ring.try_read(fast) == b"%d" % i
    with pytest.raises(ringbuffer.WaitingForReaderError):
        ring.try_write(b"3")
    ring.force_reader_sync()
    assert slow.get().counter == fast.get().counter == 3  # at once, as the seed's
    ring.try_write(b"3")
    assert ring.try_read(slow) == b"3"  # what it had not read was skipped
    assert ring.try_read(fast) == b"3"


def test_pointers_give_counter_index_and_generation():
    ring = ringbuffer.RingBuffer(slot_bytes=8, slot_count=3)
    pointer = ring.new_reader()
    ring.new_writer()
    for i in range(6):
        ring.try_write(b"%d" % i)
        if i < 3:
            ring.try_read(pointer)
    w, r = ring.writer.get(), pointer.get()
    assert (w.counter, w.index, w.generation) == (6, 0, 2)
    assert (r.counter, r.index, r.generation) == (3, 0, 1)
    assert ring.slot_count == 3


def test_a_pointer_pickles_and_reads_on_from_the_same_position(ring):
    pointer = ring.new_reader()
    ring.new_writer()
    for message in (b"a", b"b", b"c"):
        ring.try_write(message)
    assert ring.try_read(pointer) == b"a"
    copy = pickle.loads(pickle.dumps(pointer))
    assert copy.get().counter == 1
    assert ring.try_read(copy) == b"b"
    assert pointer.get().counter == 2  # one position, in the ring
    with pytest.raises(TypeError, match="new_reader"):
        ring.try_read(ring.writer)


def test_threads_each_read_every_message():
    ring = ringbuffer.RingBuffer(slot_bytes=256, slot_count=8)
    pointers = [ring.new_reader() for _ in range(3)]
    ring.new_writer()
    seen = {i: [] for i in range(3)}

    def read(i):
        while True:
            try:
                data = ring.blocking_read(pointers[i])
            except ringbuffer.WriterFinishedError:
                return
            seen[i].append(compat_workers.NUMBER.unpack_from(data)[0])

    threads = [threading.Thread(target=read, args=(i,), daemon=True) for i in range(3)]
    for t in threads:
        t.start()
    compat_workers.write_numbered(ring, 500)
    for t in threads:
        t.join(timeout=60)
    assert all(seen[i] == list(range(500)) for i in range(3))


def test_threads_reading_through_one_pointer_split_its_messages():
    ring = ringbuffer.RingBuffer(slot_bytes=256, slot_count=8)
    pointer = ring.new_reader()
    ring.new_writer()
    seen = [[], []]

    def read(mine):
        while True:
            try:
                mine.append(ring.blocking_read(pointer))
            except ringbuffer.WriterFinishedError:
                return

    threads = [threading.Thread(target=read, args=(s,), daemon=True) for s in seen]
    for t in threads:
        t.start()
    compat_workers.write_numbered(ring, 300)
    for t in threads:
        t.join(timeout=60)
    numbers = [compat_workers.NUMBER.unpack_from(d)[0] for d in seen[0] + seen[1]]
    assert sorted(numbers) == list(range(300))  # each message to one of them
    assert pointer.get().counter == 300


def test_the_generated_names_go_with_the_objects_that_made_them():
    ring = ringbuffer.RingBuffer(slot_bytes=8, slot_count=2)
    lock = ringbuffer.ReadersWriterLock()
    names = [ring._ring.name, lock._lock.name]
    pid = os.fork()
    if pid == 0:  # a forked child that drops its copies leaves the names
        try:
            del ring, lock
            gc.collect()
        finally:
            os._exit(0)
    assert os.waitpid(pid, 0)[1] == 0
    shmring.Ring.open(names[0], timeout=0).close()
    shmring.RWLock.open(names[1], timeout=0).close()
    del ring, lock
    gc.collect()
    with pytest.raises(shmring.NotFound):
        shmring.Ring.open(names[0], timeout=0)
    with pytest.raises(shmring.NotFound):
        shmring.RWLock.open(names[1], timeout=0)


@pytest.mark.parametrize("method", START_METHODS)
def test_processes_get_the_ring_and_pointers_as_process_arguments(method):
    ctx = multiprocessing.get_context(method)
    ring = ringbuffer.RingBuffer(slot_bytes=256, slot_count=10)
    ring.new_writer()
    results = ctx.Queue()
    processes = [ctx.Process(target=compat_workers.read_all,
                             args=(ring, ring.new_reader(), results))
                 for _ in range(3)]
    processes.append(ctx.Process(target=compat_workers.write_numbered, args=(ring, 2000)))
    for p in processes:
        p.start()
    reports = [results.get(timeout=120) for _ in range(3)]
    for p in processes:
        p.join(timeout=60)
        assert p.exitcode == 0
    for _, seen, counter in reports:
        assert seen == list(range(2000))  # every message, intact, in order
        assert counter == 2000
    assert ring.writer.get().counter == 2000
    with pytest.raises(ringbuffer.AlreadyClosedError):
        ring.try_write(b"the child's writer_done counts here too")


def test_ctrl_c_interrupts_a_blocking_read(ring):
    pointer = ring.new_reader()
    ring.new_writer()
    # Interrupted once the read is blocked (observed: a new wait for data).
    with pytest.raises(KeyboardInterrupt):
        with interrupt_when_blocked(new_wait(lambda: reader_waits(ring._ring))):
            ring.blocking_read(pointer)
    ring.try_write(b"still works")
    assert ring.try_read(pointer) == b"still works"


def test_writer_done_wakes_a_blocked_reader(ring):
    pointer = ring.new_reader()
    ring.new_writer()
    outcome = []

    def read():
        try:
            ring.blocking_read(pointer)
        except ringbuffer.WriterFinishedError as e:
            outcome.append(e)

    waits = reader_waits(ring._ring)
    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    await_true(lambda: reader_waits(ring._ring) > waits, "the read blocked")
    ring.writer_done()
    thread.join(timeout=HANG_GUARD)
    assert len(outcome) == 1


# ---- ReadersWriterLock --------------------------------------------------------


def test_lock_state_nesting_and_writing():
    lock = ringbuffer.ReadersWriterLock()
    assert (lock.readers.value, lock.writer.value) == (0, False)
    with lock.for_read():
        with lock.for_read():
            assert lock.readers.value == 2
    with lock.for_write():
        assert (lock.readers.value, lock.writer.value) == (0, True)
    assert (lock.readers.value, lock.writer.value) == (0, False)


def test_wait_for_write_needs_the_read_lock():
    lock = ringbuffer.ReadersWriterLock()
    with pytest.raises(ringbuffer.InternalLockingError):
        lock.wait_for_write()


def test_wait_for_write_lets_a_writer_in_from_another_thread():
    lock = ringbuffer.ReadersWriterLock()
    written = []

    def write():
        # Only once the read hold is lent (observed).
        await_true(lambda: lock.readers.value == 0, "the hold lent")
        with lock.for_write():  # this thread's own holder
            written.append(True)

    thread = threading.Thread(target=write)
    with lock.for_read():
        thread.start()
        while not written:
            lock.wait_for_write()
        assert lock.readers.value == 1
    thread.join()


@pytest.mark.parametrize("method", START_METHODS)
def test_lock_excludes_across_processes(method):
    ctx = multiprocessing.get_context(method)
    lock = ringbuffer.ReadersWriterLock()
    counter = ctx.RawValue("i", 0)
    children = [ctx.Process(target=compat_workers.count_under_seed_lock,
                            args=(lock, counter, 150)) for _ in range(3)]
    for p in children:
        p.start()
    compat_workers.count_under_seed_lock(lock, counter, 150)
    for p in children:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert counter.value == 4 * 150
