"""NumPy arrays through the ring: write_array, read_array (a copy) and
peek_array (zero copy, valid inside its block); none of it needs NumPy
until called."""

import subprocess
import sys

import pytest

import shmring

np = pytest.importorskip("numpy")


@pytest.fixture
def pair():
    with shmring.Ring.create(slot_bytes=4096, slot_count=8) as ring:
        yield ring.writer(), ring.reader()


ARRAYS = {
    "float32 2-d": lambda: np.arange(12, dtype=np.float32).reshape(3, 4),
    "strided": lambda: np.arange(40, dtype=np.int64).reshape(5, 8)[:, ::3],
    "fortran order": lambda: np.asfortranarray(np.arange(6, dtype=np.uint16).reshape(2, 3)),
    "big-endian": lambda: np.arange(5, dtype=">i4"),
    "0-d": lambda: np.array(3.5),
    "empty": lambda: np.zeros((0, 3), dtype=np.int8),
    "bool": lambda: np.array([True, False, True]),
    "complex": lambda: np.array([1 + 2j, -1j], dtype=np.complex128),
    "4-d": lambda: np.arange(120, dtype=np.float16).reshape(2, 3, 4, 5),
}
SUPPORTED = ["?", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8",
             "c8", "c16"]


@pytest.mark.parametrize("make", ARRAYS.values(), ids=list(ARRAYS))
def test_arrays_come_back_with_their_dtype_and_shape(pair, make):
    writer, reader = pair
    array = make()
    writer.write_array(array)
    writer.write_array(array)
    copy = reader.read_array(timeout=1)
    assert (copy.dtype, copy.shape) == (array.dtype, array.shape)
    assert np.array_equal(copy, array) and copy.flags.writeable and copy.flags.owndata
    with reader.peek_array(timeout=1) as view:
        assert (view.dtype, view.shape) == (array.dtype, array.shape)
        assert np.array_equal(view, array) and not view.flags.writeable


def test_a_view_is_the_slot_itself(pair):
    writer, reader = pair
    writer.write_array(np.arange(4, dtype=np.uint8))
    with reader.peek_array() as view:
        assert view.base.base.base.obj.__class__.__name__ == "SlotBuffer"
        kept = view.copy()
    assert kept.tolist() == [0, 1, 2, 3]


@pytest.mark.parametrize("escape", ["view[1:]", "view", "view.T", "view.reshape(-1)"])
def test_arrays_made_from_a_view_must_not_outlive_the_block(pair, escape):
    writer, reader = pair
    writer.write_array(np.ones((2, 2)))
    writer.write(b"next")
    with pytest.raises(BufferError, match="outlived the with block"):
        with reader.peek_array() as view:
            kept = eval(escape)
    assert kept is not None
    assert reader.read() == b"next"  # the slot was released all the same


def test_plain_lists_and_scalars_are_array_likes(pair):
    writer, reader = pair
    writer.write_array([[1, 2], [3, 4]])
    assert reader.read_array().tolist() == [[1, 2], [3, 4]]


def test_too_large_object_and_foreign_messages_are_refused(pair):
    writer, reader = pair
    with pytest.raises(shmring.TooLarge):
        writer.write_array(np.zeros(4096, dtype=np.uint8))  # + the header
    with pytest.raises(TypeError, match="Python objects"):
        writer.write_array(np.array([object()]))
    writer.write(b"not an array message, but long enough to be one")
    with pytest.raises(shmring.Corrupt, match='not a valid array message: it does not start with "SHMA"'):
        reader.read_array(timeout=1)
    writer.write(b"")
    with pytest.raises(shmring.Corrupt, match="shorter than the 32-byte header"):
        with reader.peek_array(timeout=1):
            pass
    with pytest.raises(shmring.Timeout):
        reader.read_array(timeout=0.01)


def test_without_numpy_only_the_array_calls_fail():
    code = """
import sys
sys.modules["numpy"] = None
import shmring
with shmring.Ring.create(slot_bytes=64, slot_count=2) as ring:
    writer, reader = ring.writer(), ring.reader()
    writer.write(b"fine")
    assert reader.read() == b"fine"
    try:
        writer.write_array([1, 2])
    except ImportError as e:
        print(e)
"""
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0, run.stderr
    assert "need NumPy: pip install numpy" in run.stdout


def test_reserve_array_fills_the_slot_in_place(pair):
    writer, reader = pair
    with writer.reserve_array((2, 3), np.float64, timeout=1) as frame:
        assert frame.flags.writeable and frame.shape == (2, 3)
        frame[:] = 7.0
        frame[1, 2] = -1.0
    with writer.reserve_array(4, "<u2") as row:
        row[:] = [1, 2, 3, 4]
    assert reader.read_array().tolist() == [[7.0, 7.0, 7.0], [7.0, 7.0, -1.0]]
    with reader.peek_array() as view:
        assert (view.dtype, view.tolist()) == (np.dtype("<u2"), [1, 2, 3, 4])


def test_reserve_array_aborts_on_errors_and_escapes(pair):
    writer, reader = pair
    with pytest.raises(RuntimeError):
        with writer.reserve_array(2, np.int8) as frame:
            raise RuntimeError("abort")
    with pytest.raises(BufferError, match="the message was aborted"):
        with writer.reserve_array(2, np.int8) as frame:
            kept = frame[:1]
    assert kept is not None
    with pytest.raises(shmring.TooLarge):
        writer.reserve_array((64, 64), np.uint8)
    writer.write(b"only this")
    assert reader.read() == b"only this"  # the aborted arrays were skipped


@pytest.mark.parametrize("code", SUPPORTED)
@pytest.mark.parametrize("order", ["<", ">"])
def test_every_supported_type_in_both_byte_orders(pair, code, order):
    writer, reader = pair
    array = (np.arange(24) % 7 - 3).astype(order + code).reshape(2, 3, 4)
    writer.write_array(array)
    copy = reader.read_array(timeout=1)
    assert copy.dtype == array.dtype and copy.shape == array.shape
    assert copy.tobytes() == array.tobytes()  # bit for bit


@pytest.mark.parametrize("dtype", [
    [("x", "<i4"), ("y", "<f8", (2,))],  # structured
    "U3", "S2", "M8[s]", "m8[s]", "V4", "f16",
])
def test_dtypes_outside_the_format_are_refused(pair, dtype):
    writer, reader = pair
    array = np.zeros(2, dtype=dtype)
    with pytest.raises(TypeError, match="structured dtype|has no array message type"):
        writer.write_array(array)
    with pytest.raises(TypeError):
        writer.reserve_array(2, dtype)
    writer.write(b"next")
    assert reader.read() == b"next"


def test_the_header_is_the_core_format(pair):
    writer, reader = pair
    writer.write_array(np.arange(6, dtype=">f4").reshape(2, 3), user=b"\xaa\xbb\xcc\xdd")
    message = reader.read()
    assert message[:32] == bytes.fromhex(
        "53484d4102020100022001000400000070000000000000001800000000000000")
    assert len(message) == 136
    assert message[112:] == np.arange(6, dtype=">f4").tobytes()


def test_elements_start_on_a_64_byte_boundary(pair):
    writer, reader = pair
    for ndim in range(5):
        writer.write_array(np.ones((1,) * ndim, dtype=np.complex128), user=b"u" * ndim * 5)
        with reader.peek_array(timeout=1) as view:
            assert view.ctypes.data % 64 == 0
            assert view.user == b"u" * ndim * 5
            assert view.shape == (1,) * ndim


def test_user_header_round_trips_and_is_bounded(pair):
    writer, reader = pair
    writer.write_array(np.arange(3, dtype=np.int16), user=b"frame 17")
    copy, user = reader.read_array_with_user(timeout=1)
    assert copy.tolist() == [0, 1, 2] and user == b"frame 17"
    with writer.reserve_array(2, "u1", user=b"\x01\x02") as frame:
        frame[:] = [5, 6]
    with reader.peek_array(timeout=1) as view:
        assert view.user == b"\x01\x02" and view.tolist() == [5, 6]
    with pytest.raises(shmring.Invalid, match="user header has at most 4096"):
        writer.write_array(np.arange(3), user=bytes(4097))
    with pytest.raises(ValueError, match="at most 32 dimensions"):
        writer.reserve_array((1,) * 33, "u1")


def test_bfloat16_bits_keep_their_type(pair):
    writer, reader = pair
    bits = np.array([0x3F80, 0x4000, 0xC040], dtype=np.uint16)  # 1.0, 2.0, -3.0
    writer.write_array(bits, bfloat16=True)
    message = reader.read()
    assert message[8:10] == bytes([4, 16])  # kDLBfloat, 16 bits
    writer.write(message)
    with reader.peek_array(timeout=1) as view:
        assert view.dtype.itemsize == 2 and view.view(np.uint16).tolist() == bits.tolist()
    with pytest.raises(TypeError, match="bfloat16=True takes uint16"):
        writer.write_array(np.zeros(2, np.int16), bfloat16=True)


def test_corrupt_headers_are_refused_field_by_field(pair):
    writer, reader = pair
    writer.write_array(np.arange(6, dtype=np.int32).reshape(2, 3), user=b"12345678")
    good = bytearray(reader.read())
    damages = {
        0: (b"X", "SHMA"), 4: (b"\x01", "format version 1"), 5: (b"\x21", "33 dimensions"),
        6: (b"\x04", "unknown flags"), 8: (b"\x09", "unknown element type"),
        9: (b"\x07", "bits 7"), 12: (b"\xff\x7f", "user header"),
        16: (b"\x71", "64-byte boundary"), 24: (b"\x07", "does not match"),
        32: (b"\x05", "does not match"), 40: (b"\x05", "not C order"),
        48: (b"\x02", "not C order"),
    }
    for at, (value, reason) in damages.items():
        bad = bytearray(good)
        bad[at:at + len(value)] = value
        writer.write(bytes(bad))
        with pytest.raises(shmring.Corrupt, match=reason):
            reader.read_array(timeout=1)
        writer.write(bytes(bad))
        with pytest.raises(shmring.Corrupt, match=reason):
            with reader.peek_array(timeout=1):
                pass
    writer.write(bytes(good[:-1]))
    with pytest.raises(shmring.Corrupt, match="run past its end"):
        reader.read_array(timeout=1)
    writer.write(bytes(good))
    assert reader.read_array(timeout=1).tolist() == [[0, 1, 2], [3, 4, 5]]


def test_from_dlpack_is_zero_copy_and_read_only(pair):
    writer, reader = pair
    writer.write_array(np.arange(12, dtype=np.float32).reshape(3, 4))
    with reader.peek_array(timeout=1) as view:
        assert view.__dlpack_device__() == (1, 0)
        consumer = np.from_dlpack(view)
        same = consumer.ctypes.data == view.ctypes.data
        values = consumer.tolist()
        del consumer
    assert same and values == np.arange(12).reshape(3, 4).tolist()


@pytest.mark.parametrize("code", SUPPORTED)
def test_dlpack_carries_every_numpy_type(pair, code):
    writer, reader = pair
    array = (np.arange(6) % 3).astype(code).reshape(2, 3)
    writer.write_array(array)
    with reader.peek_array(timeout=1) as view:
        try:
            consumer = np.from_dlpack(view)
        except (BufferError, TypeError, RuntimeError) as error:  # a NumPy without that type
            pytest.skip(f"numpy {np.__version__} from_dlpack: {error}")
        ok = consumer.dtype == array.dtype and consumer.tobytes() == array.tobytes() \
            and consumer.ctypes.data == view.ctypes.data
        del consumer
    assert ok


def test_dlpack_capsules_follow_the_protocol(pair):
    writer, reader = pair
    writer.write_array(np.arange(4, dtype=np.int64))
    with reader.peek_array(timeout=1) as view:
        legacy = view.__dlpack__()
        versioned = view.__dlpack__(max_version=(1, 0))
        kinds = (type(legacy).__name__, repr(legacy), repr(versioned))
        with pytest.raises(BufferError, match="stream must be None"):
            view.__dlpack__(stream=1)
        with pytest.raises(BufferError, match="CPU memory"):
            view.__dlpack__(dl_device=(2, 0))
        copied = view.__dlpack__(copy=True)
        del legacy, versioned, copied  # unconsumed capsules free their tensors
    assert kinds[0] == "PyCapsule"
    assert '"dltensor"' in kinds[1] and '"dltensor_versioned"' in kinds[2]
    writer.write_array(np.arange(3, dtype=">i4"))
    with reader.peek_array(timeout=1) as view:
        with pytest.raises(BufferError, match="big-endian"):
            view.__dlpack__()


def test_a_dlpack_consumer_that_outlives_the_block_is_an_escape(pair):
    writer, reader = pair
    writer.write_array(np.arange(4, dtype=np.uint8))
    writer.write(b"next")
    with pytest.raises(BufferError, match="outlived the with block"):
        with reader.peek_array() as view:
            kept = np.from_dlpack(view)
    assert kept is not None
    assert reader.read() == b"next"


def test_array_header_and_info_for_buffers_of_ones_own(pair):
    writer, reader = pair
    head = shmring.array_header(np.uint8, (2, 2, 3), user=b"frame no")
    message = bytearray(head + bytes(range(12)))
    info = shmring.ArrayInfo(memoryview(message))
    assert (info.dtype, info.shape, info.offset, info.nbytes, info.count, info.user) == \
        (np.dtype(np.uint8), (2, 2, 3), len(head), 12, 12, b"frame no")
    writer.write(message)
    assert reader.read_array().ravel().tolist() == list(range(12))
    with pytest.raises(shmring.Corrupt, match="run past its end"):
        shmring.ArrayInfo(memoryview(message)[:-1])


def test_randomly_corrupted_headers_are_refused_or_read_inside_the_message():
    pytest.importorskip("hypothesis")
    from hypothesis import given, settings, strategies as st

    good = shmring.array_header(np.float32, (2, 3, 2), user=b"user") + bytes(48)
    header_bytes = len(good) - 48

    @settings(max_examples=400, deadline=None, database=None)
    @given(st.lists(st.tuples(st.integers(0, header_bytes - 1), st.integers(0, 255)),
                    min_size=1, max_size=6),
           st.integers(0, len(good)))
    def check(edits, length):
        message = bytearray(good)
        for at, value in edits:
            message[at] = value
        try:
            info = shmring.ArrayInfo(memoryview(message)[:length])
        except (shmring.Corrupt, shmring.Invalid) as e:
            assert str(e)  # a refusal says why
            return
        assert info.offset + info.nbytes <= length
        assert info.count * info.dtype.itemsize == info.nbytes

    check()
