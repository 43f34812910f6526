"""Property tests (hypothesis): every message size 0..slot_bytes survives
every write path and every read path unchanged."""

import pytest

import shmring

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings, strategies as st  # noqa: E402

SLOT_BYTES = 1000
WRITE_PATHS = ["write", "try_write", "write_batch", "reserve"]
READ_PATHS = ["read", "try_read", "read_into", "read_batch", "read_batch_into", "peek"]


@pytest.fixture(scope="module")
def pair():
    with shmring.Ring.create(slot_bytes=SLOT_BYTES, slot_count=4) as ring:
        yield ring.writer(), ring.reader()


def put(writer, how, data):
    if how == "write":
        writer.write(data, timeout=1)
    elif how == "try_write":
        writer.try_write(data)
    elif how == "write_batch":
        assert writer.write_batch([data], timeout=1) == 1
    else:
        with writer.reserve(len(data), timeout=1) as slot:
            slot[:] = data


def get(reader, how):
    if how == "read":
        return reader.read(timeout=1)
    if how == "try_read":
        return reader.try_read()
    if how in ("read_into", "read_batch_into"):
        buffer = bytearray(SLOT_BYTES)
        if how == "read_into":
            n = reader.read_into(buffer, timeout=1)
        else:
            [n] = reader.read_batch_into(buffer, 1, timeout=1)
        return bytes(buffer[:n])
    if how == "read_batch":
        [data] = reader.read_batch(1, timeout=1)
        return data
    with reader.peek(timeout=1) as view:
        return bytes(view)


@settings(max_examples=300, deadline=None)
@given(data=st.binary(min_size=0, max_size=SLOT_BYTES),
       write_path=st.sampled_from(WRITE_PATHS),
       read_path=st.sampled_from(READ_PATHS))
def test_messages_of_every_size_round_trip(pair, data, write_path, read_path):
    writer, reader = pair
    put(writer, write_path, data)
    assert get(reader, read_path) == data


@settings(max_examples=50, deadline=None)
@given(size=st.integers(min_value=SLOT_BYTES + 1, max_value=4 * SLOT_BYTES))
def test_messages_larger_than_a_slot_are_refused(pair, size):
    writer, _ = pair
    with pytest.raises(shmring.TooLarge):
        writer.write(bytes(size))
