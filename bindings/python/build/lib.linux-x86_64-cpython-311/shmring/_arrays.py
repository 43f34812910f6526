"""NumPy arrays through the ring, without making NumPy a requirement.

A message is a header, then the array's bytes in C order:

    offset 0   b"SHMA"                 magic
           4   u8  header version (1)
           5   u8  ndim
           6   u16 length of the dtype descriptor
           8   u32 offset of the data (the header's size, a multiple of 16)
          12   u64 * ndim  shape
           .   the dtype descriptor: numpy.lib.format.dtype_to_descr, as repr
               text (what .npy files hold; structured dtypes included)

All little-endian. NumPy is imported when a function here is called: without
it they raise ImportError, and nothing else in shmring needs it.
"""

from __future__ import annotations

import ast
import struct
import sys
from typing import TYPE_CHECKING, Any, Optional, Tuple, Union

from ._errors import Invalid, TooLarge
from ._reader import Reader, SlotView
from ._writer import Reservation, Writer

if TYPE_CHECKING:
    import numpy
    from numpy.typing import ArrayLike, DTypeLike, NDArray

MAGIC = b"SHMA"
_FIXED = struct.Struct("<4sBBHI")
_ALIGN = 16


def _numpy() -> Any:
    try:
        import numpy
    except ImportError:
        raise ImportError("shmring's array helpers (write_array, read_array, view_array) "
                          "need NumPy: pip install numpy") from None
    return numpy


def header(dtype: "numpy.dtype[Any]", shape: Tuple[int, ...]) -> bytes:
    """The header of an array message."""
    if dtype.hasobject:
        raise TypeError(f"arrays of dtype {dtype} hold Python objects, which cannot "
                        "go through shared memory")
    from numpy.lib.format import dtype_to_descr

    descr = repr(dtype_to_descr(dtype)).encode()
    size = _FIXED.size + 8 * len(shape) + len(descr)
    size += -size % _ALIGN
    fixed = _FIXED.pack(MAGIC, 1, len(shape), len(descr), size)
    return (fixed + struct.pack(f"<{len(shape)}Q", *shape) + descr).ljust(size, b"\0")


def parse(message: memoryview) -> Tuple["numpy.dtype[Any]", Tuple[int, ...], int]:
    """(dtype, shape, data offset) of an array message; Invalid if it is not one."""
    np = _numpy()
    if len(message) < _FIXED.size:
        raise Invalid(f"a message of {len(message)} bytes is not an array (too short)")
    magic, version, ndim, descr_len, offset = _FIXED.unpack_from(message)
    if magic != MAGIC or version != 1:
        raise Invalid("the message is not an array written by write_array "
                      f"(starts with {bytes(message[:4])!r})")
    shape = struct.unpack_from(f"<{ndim}Q", message, _FIXED.size)
    start = _FIXED.size + 8 * ndim
    descr = ast.literal_eval(bytes(message[start:start + descr_len]).decode())
    dtype = np.lib.format.descr_to_dtype(descr)
    if offset + dtype.itemsize * int(np.prod(shape)) != len(message):
        raise Invalid("the array message's length does not match its header")
    return dtype, shape, offset


def write_array(writer: "Writer", array: "ArrayLike", timeout: Optional[float]) -> None:
    """One message holding `array` (any array-like): its header and its data,
    copied once, straight into a reserved slot."""
    np = _numpy()
    source = np.asarray(array)
    head = header(source.dtype, source.shape)
    with writer.reserve(len(head) + source.nbytes, timeout) as slot:
        slot[:len(head)] = head
        target = np.ndarray(source.shape, source.dtype, buffer=slot, offset=len(head))
        np.copyto(target, source, casting="no")
        del target  # no buffer over the slot may outlive the block


def read_array(reader: Reader, timeout: Optional[float]) -> "NDArray[Any]":
    """The next message as a new array (one copy, from the slot)."""
    np = _numpy()
    with reader.view(timeout) as message:
        dtype, shape, offset = parse(message)
        return np.ndarray(shape, dtype, buffer=message, offset=offset).copy()  # type: ignore[no-any-return]


class ArrayView(SlotView):
    """The context manager of Reader.view_array(): a read-only array over the
    message in its slot, valid inside the block."""

    __slots__ = ("_array",)

    def __init__(self, reader: Reader, timeout: Optional[float]) -> None:
        super().__init__(reader, timeout)
        self._array: "Optional[NDArray[Any]]" = None

    def __enter__(self) -> "NDArray[Any]":  # type: ignore[override]
        np = _numpy()
        message = super().__enter__()
        try:
            dtype, shape, offset = parse(message)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        # frombuffer holds a buffer export of the slot (counted by slot_done)
        # for as long as any array made from this one lives.
        flat = np.frombuffer(message, dtype, count=int(np.prod(shape)), offset=offset)
        array: "NDArray[Any]" = flat.reshape(shape)
        array.flags.writeable = False
        self._array = array
        return array

    def _exports_allowed(self) -> int:
        array, self._array = self._array, None
        return 1 if array is not None and _alone(array) else 0


def _alone(array: "NDArray[Any]") -> bool:
    """Whether nothing but the caller's `as` name holds `array`, the block's
    array over a slot, which at the block's end holds the slot's one buffer
    export (slot_done counts it) through the flat array frombuffer made.
    Other references to the array (another name) or to that flat array (the
    base of every slice and view made from it) mean something outlives the
    block. Expected: the caller's `array` and `as` name and getrefcount's
    argument; array.base and the argument. (CPython's counts; an interpreter
    that counts fewer lets an escape through, never fails a clean block.)"""
    return sys.getrefcount(array) <= 4 and sys.getrefcount(array.base) <= 2


class ArrayReservation(Reservation):
    """The context manager of Writer.reserve_array(): a writable array over
    the next slot, after the header; committed at the block's end."""

    __slots__ = ("_head", "_shape", "_dtype", "_array")

    def __init__(self, writer: Writer, shape: Union[int, Tuple[int, ...]],
                 dtype: "DTypeLike", timeout: Optional[float]) -> None:
        np = _numpy()
        self._dtype = np.dtype(dtype)
        self._shape = (shape,) if isinstance(shape, int) else tuple(shape)
        self._head = header(self._dtype, self._shape)
        nbytes = len(self._head) + self._dtype.itemsize * int(np.prod(self._shape))
        if nbytes > writer.ring.slot_bytes:
            raise TooLarge(f"an array of {nbytes} bytes with its header does not fit "
                           f"in a slot of {writer.ring.slot_bytes}")
        super().__init__(writer, nbytes, timeout)
        self._array: "Optional[NDArray[Any]]" = None

    def __enter__(self) -> "NDArray[Any]":  # type: ignore[override]
        np = _numpy()
        slot = super().__enter__()
        slot[:len(self._head)] = self._head
        flat = np.frombuffer(slot, self._dtype, count=int(np.prod(self._shape)),
                             offset=len(self._head))
        array: "NDArray[Any]" = flat.reshape(self._shape)
        self._array = array
        return array

    def _exports_allowed(self) -> int:
        array, self._array = self._array, None
        return 1 if array is not None and _alone(array) else 0
