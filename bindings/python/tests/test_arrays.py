"""NumPy arrays through the ring: write_array, read_array (a copy) and
view_array (zero copy, valid inside its block); none of it needs NumPy
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
    "structured": lambda: np.array([(1, (2.0, 3.0)), (4, (5.0, 6.0))],
                                   dtype=[("x", "<i4"), ("y", "<f8", (2,))]),
    "strings": lambda: np.array(["ab", "cde"], dtype="U3"),
}


@pytest.mark.parametrize("make", ARRAYS.values(), ids=list(ARRAYS))
def test_arrays_come_back_with_their_dtype_and_shape(pair, make):
    writer, reader = pair
    array = make()
    writer.write_array(array)
    writer.write_array(array)
    copy = reader.read_array(timeout=1)
    assert (copy.dtype, copy.shape) == (array.dtype, array.shape)
    assert np.array_equal(copy, array) and copy.flags.writeable and copy.flags.owndata
    with reader.view_array(timeout=1) as view:
        assert (view.dtype, view.shape) == (array.dtype, array.shape)
        assert np.array_equal(view, array) and not view.flags.writeable


def test_a_view_is_the_slot_itself(pair):
    writer, reader = pair
    writer.write_array(np.arange(4, dtype=np.uint8))
    with reader.view_array() as view:
        assert view.base.base.obj.__class__.__name__ == "SlotBuffer"
        kept = view.copy()
    assert kept.tolist() == [0, 1, 2, 3]


@pytest.mark.parametrize("escape", ["view[1:]", "view", "view.T", "view.reshape(-1)"])
def test_arrays_made_from_a_view_must_not_outlive_the_block(pair, escape):
    writer, reader = pair
    writer.write_array(np.ones((2, 2)))
    writer.write(b"next")
    with pytest.raises(BufferError, match="outlived the with block"):
        with reader.view_array() as view:
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
    writer.write(b"not an array")
    with pytest.raises(shmring.Invalid, match="not an array"):
        reader.read_array(timeout=1)
    writer.write(b"")
    with pytest.raises(shmring.Invalid, match="too short"):
        with reader.view_array(timeout=1):
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
    with reader.view_array() as view:
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
