"""Zero copy: reserve/commit/abort on the write side, views on the read side,
and views that are unusable, never dangerous, once released."""

import pytest

import shmring


@pytest.fixture
def pair(ring):
    return ring.writer(), ring.reader()


def test_reserve_commits_what_was_written_in_place(pair):
    writer, reader = pair
    with writer.reserve(5) as slot:
        assert isinstance(slot, memoryview) and not slot.readonly and len(slot) == 5
        slot[:] = b"hello"
    assert reader.read() == b"hello"


def test_reserve_aborts_on_exception_and_readers_skip_the_slot(pair):
    writer, reader = pair
    with pytest.raises(RuntimeError, match="decoder failed"):
        with writer.reserve(3) as slot:
            slot[:] = b"bad"
            raise RuntimeError("decoder failed")
    writer.write(b"good")
    assert reader.read() == b"good"
    with pytest.raises(shmring.Empty):
        reader.try_read()


def test_reserve_refuses_more_than_a_slot(pair):
    writer, _ = pair
    with pytest.raises(shmring.TooLarge):
        writer.reserve(65)
    with pytest.raises(shmring.TooLarge):
        writer.reserve(-1)


def test_reserved_view_is_released_after_the_block(pair):
    writer, _ = pair
    with writer.reserve(4) as slot:
        slot[:] = b"done"
    with pytest.raises(ValueError, match="released"):
        slot[0] = 1


def test_reserve_with_numpy_fills_an_array_in_place(pair):
    np = pytest.importorskip("numpy")
    writer, reader = pair
    with writer.reserve(16) as slot:
        frame = np.frombuffer(slot, dtype=np.uint32)
        frame[:] = [1, 2, 3, 4]
        del frame
    assert np.frombuffer(reader.read(), dtype=np.uint32).tolist() == [1, 2, 3, 4]


def test_an_array_kept_past_reserve_aborts_with_buffer_error(pair):
    np = pytest.importorskip("numpy")
    writer, reader = pair
    with pytest.raises(BufferError, match="aborted"):
        with writer.reserve(8) as slot:
            kept = np.frombuffer(slot, dtype=np.uint8)
    del kept
    with pytest.raises(shmring.Empty):
        reader.try_read()


def test_view_is_a_read_only_memoryview_of_the_slot(pair):
    writer, reader = pair
    writer.write(b"in place")
    with reader.peek(timeout=1) as message:
        assert message.readonly
        assert message == b"in place"
        with pytest.raises(TypeError):
            message[0] = 0
    with pytest.raises(shmring.Empty):
        reader.try_read()  # the message was consumed


def test_a_released_view_raises_instead_of_reading_the_slot(pair):
    writer, reader = pair
    writer.write(b"secret")
    with reader.peek() as message:
        pass
    for use in (lambda: message[0], lambda: bytes(message), lambda: len(message),
                lambda: message.tobytes(), lambda: memoryview(message)):
        with pytest.raises(ValueError, match="released"):
            use()


def test_view_holds_writers_back_until_released(ring):
    writer, reader = ring.writer(), ring.reader()
    writer.write(b"first")
    with reader.peek() as message:
        for i in range(7):
            writer.write(b"%d" % i)
        with pytest.raises(shmring.Full):
            writer.try_write(b"would overwrite the viewed slot")
        assert message == b"first"
    writer.try_write(b"now there is room")


def test_view_batch_gives_consecutive_messages(pair):
    writer, reader = pair
    writer.write_batch([b"a", b"bb", b"ccc"])
    with reader.peek_batch(8) as messages:
        assert [bytes(m) for m in messages] == [b"a", b"bb", b"ccc"]
    with pytest.raises(ValueError, match="released"):
        bytes(messages[0])


def test_an_array_kept_past_a_view_is_reported(pair):
    np = pytest.importorskip("numpy")
    writer, reader = pair
    writer.write(b"\x01\x02")
    with pytest.raises(BufferError, match="outlived"):
        with reader.peek() as message:
            kept = np.frombuffer(message, dtype=np.uint8)
    del kept
    writer.write(b"next")
    assert reader.read() == b"next"  # the slot was released all the same


def test_a_lapped_lossy_view_raises_lapped(ring):
    writer, lossy = ring.writer(), ring.reader(lossy=True)
    writer.write(b"old")
    with pytest.raises(shmring.Lapped):
        with lossy.peek() as message:
            assert message == b"old"
            for _ in range(ring.slot_count):
                writer.write(b"new")  # lossy readers hold nobody back


def test_view_timeouts_and_end_of_stream(pair, ring):
    writer, reader = pair
    with pytest.raises(shmring.Timeout):
        with reader.peek(timeout=0.05):
            pass
    writer.close()
    with pytest.raises(shmring.Closed):
        with reader.peek():
            pass


def test_a_slice_kept_past_a_view_is_reported(pair):
    writer, reader = pair
    writer.write(b"slice me")
    with pytest.raises(BufferError, match="outlived"):
        with reader.peek() as message:
            part = message[1:]
    del part
    writer.write(b"after")
    assert reader.read() == b"after"


def test_closing_the_ring_inside_a_view_invalidates_the_view(ring):
    writer, reader = ring.writer(), ring.reader()
    writer.write(b"going away")
    with reader.peek() as message:
        ring.close()  # unmaps the slot: the view must not reach it any more
        with pytest.raises(ValueError, match="released"):
            bytes(message)
    assert reader.closed


def test_closing_the_writer_inside_a_reservation_aborts_it(ring):
    writer, reader = ring.writer(), ring.reader()
    with pytest.raises(shmring.Invalid, match="aborted"):
        with writer.reserve(4) as slot:
            writer.close()
            with pytest.raises(ValueError, match="released"):
                slot[0] = 1
    with pytest.raises(shmring.Closed):  # nothing delivered, then end of stream
        reader.try_read()


def test_one_zero_copy_block_at_a_time(pair):
    writer, reader = pair
    writer.write(b"x")
    with writer.reserve(1) as slot:
        slot[0] = ord("y")
        with pytest.raises(shmring.Invalid, match="one reservation"):
            with writer.reserve(1):
                pass
    with reader.peek():
        with pytest.raises(shmring.Invalid, match="one view"):
            with reader.peek():
                pass
    assert reader.read() == b"y"
