"""NumPy arrays through the ring, without making NumPy a requirement.

A message is an array message of docs/messages.md: a little-endian header
(DLPack element type, byte order, shape, C-order strides, an optional user
header), then the elements in C order, starting on a 64-byte boundary of the
slot. The C core writes and checks the header (_core.array_header,
_core.array_decode); this module maps NumPy dtypes to its element types and
makes arrays over slots.

Supported dtypes: bool, int8..int64, uint8..uint64, float16/32/64,
complex64/128, either byte order, and bfloat16 (ml_dtypes.bfloat16, or uint16
bits written with bfloat16=True). Structured dtypes, strings, datetimes,
objects, float128 and the like are refused with TypeError: an array message
holds one element type.

NumPy is imported when a function here is called: without it they raise
ImportError, and nothing else in shmring needs it.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Dict, Literal, Optional, Tuple, Type, Union

from . import _core
from ._errors import TooLarge
from ._reader import Reader, SlotView
from ._writer import Reservation, Writer

if TYPE_CHECKING:
    import numpy
    from numpy.typing import ArrayLike, DTypeLike, NDArray

#: (NumPy kind, item size) -> the core's element type (SHMRING_DTYPE_*).
_TYPES: Dict[Tuple[str, int], int] = {
    ("b", 1): _core.SHMRING_DTYPE_BOOL,
    ("i", 1): _core.SHMRING_DTYPE_INT8, ("i", 2): _core.SHMRING_DTYPE_INT16,
    ("i", 4): _core.SHMRING_DTYPE_INT32, ("i", 8): _core.SHMRING_DTYPE_INT64,
    ("u", 1): _core.SHMRING_DTYPE_UINT8, ("u", 2): _core.SHMRING_DTYPE_UINT16,
    ("u", 4): _core.SHMRING_DTYPE_UINT32, ("u", 8): _core.SHMRING_DTYPE_UINT64,
    ("f", 2): _core.SHMRING_DTYPE_FLOAT16, ("f", 4): _core.SHMRING_DTYPE_FLOAT32,
    ("f", 8): _core.SHMRING_DTYPE_FLOAT64,
    ("c", 8): _core.SHMRING_DTYPE_COMPLEX64, ("c", 16): _core.SHMRING_DTYPE_COMPLEX128,
}
_KINDS = {code: f"{kind}{size}" for (kind, size), code in _TYPES.items()}
BFLOAT16 = _core.SHMRING_DTYPE_BFLOAT16
_BIG_ENDIAN = _core.SHMRING_ARRAY_BIG_ENDIAN
_DL_CPU = (1, 0)  # DLPack's (kDLCPU, device 0)


def _numpy() -> Any:
    try:
        import numpy
    except ImportError:
        raise ImportError("shmring's array helpers (write_array, read_array, peek_array) "
                          "need NumPy: pip install numpy") from None
    return numpy


def _bfloat16_dtype() -> Optional["numpy.dtype[Any]"]:
    """ml_dtypes.bfloat16 if ml_dtypes is installed (NumPy has none)."""
    try:
        import ml_dtypes  # type: ignore[import-not-found]
    except ImportError:
        return None
    return _numpy().dtype(ml_dtypes.bfloat16)  # type: ignore[no-any-return]


def element_type(dtype: "numpy.dtype[Any]", bfloat16: bool = False) -> Tuple[int, int]:
    """(element type, flags) of a NumPy dtype; TypeError for dtypes an
    array message cannot hold. bfloat16: uint16 elements are bfloat16 bits."""
    if dtype.hasobject:
        raise TypeError(f"arrays of dtype {dtype} hold Python objects, which cannot "
                        "go through shared memory")
    if dtype.fields is not None or dtype.subdtype is not None:
        raise TypeError(f"structured dtype {dtype} is refused: an array message holds "
                        "one element type (send each field as an array of its own, "
                        "or the records as bytes with array.view(numpy.uint8))")
    if bfloat16:
        if (dtype.kind, dtype.itemsize) != ("u", 2):
            raise TypeError(f"bfloat16=True takes uint16 bits, not dtype {dtype}")
        code = BFLOAT16
    elif dtype.name == "bfloat16" and dtype.itemsize == 2:
        code = BFLOAT16
    else:
        found = _TYPES.get((dtype.kind, dtype.itemsize))
        if found is None:
            raise TypeError(f"dtype {dtype} has no array message type (bool, int8..64, "
                            "uint8..64, float16/32/64, bfloat16, complex64/128)")
        code = found
    big = dtype.byteorder == ">" or (dtype.byteorder == "=" and sys.byteorder == "big")
    return code, _BIG_ENDIAN if big and dtype.itemsize > 1 else 0


def numpy_dtype(code: int, flags: int) -> "numpy.dtype[Any]":
    """The NumPy dtype of an element type: bfloat16 is ml_dtypes.bfloat16
    when installed, else uint16 (the bits)."""
    np = _numpy()
    order: Literal["<", ">"] = ">" if flags & _BIG_ENDIAN else "<"
    if code == BFLOAT16:
        bf16 = _bfloat16_dtype()
        return bf16.newbyteorder(order) if bf16 is not None else np.dtype(order + "u2")
    return np.dtype(order + _KINDS[code])  # type: ignore[no-any-return]


def header(dtype: "DTypeLike", shape: Tuple[int, ...], user: bytes = b"",
           bfloat16: bool = False) -> bytes:
    """The header of an array message of dtype and shape (the core's
    shmring_array_encode_header): the elements follow it, in C order. For
    writers that fill a buffer of their own (shmring.array_header)."""
    code, flags = element_type(_numpy().dtype(dtype), bfloat16)
    return _core.array_header(code, flags, tuple(int(n) for n in shape), user)


class ArrayInfo:
    """What the core (shmring_array_decode) says of an array message:
    `dtype` (NumPy), `shape`, `offset` and `nbytes` of the elements in the
    message, `count` of elements, `user` (the user header, copied) and
    `code` (the format's element type). Corrupt if it is not one."""

    __slots__ = ("code", "dtype", "shape", "offset", "nbytes", "count", "user")

    def __init__(self, message: memoryview) -> None:
        code, flags, shape, offset, nbytes, user_offset, user_bytes = \
            _core.array_decode(message)
        self.code: int = code
        self.dtype = numpy_dtype(code, flags)
        self.shape: Tuple[int, ...] = shape
        self.offset: int = offset
        self.nbytes: int = nbytes
        self.count: int = nbytes // self.dtype.itemsize
        self.user = bytes(message[user_offset:user_offset + user_bytes])


def parse(message: memoryview) -> Tuple["numpy.dtype[Any]", Tuple[int, ...], int]:
    """(dtype, shape, data offset) of an array message; Corrupt if it is not one."""
    described = ArrayInfo(message)
    return described.dtype, described.shape, described.offset


_slot_array: "Optional[Type[Any]]" = None


def slot_array_type() -> "Type[Any]":
    """SlotArray, made once NumPy is imported (it subclasses numpy.ndarray)."""
    global _slot_array
    if _slot_array is None:
        _slot_array = _make_slot_array(_numpy())
    return _slot_array


def _make_slot_array(np: Any) -> "Type[Any]":
    class SlotArray(np.ndarray):  # type: ignore[misc]
        """An array over a slot (peek_array, reserve_array): a numpy.ndarray
        with the message's user header (`user`) and a DLPack export of its
        own, which works for read-only arrays too (NumPy's refuses them
        before 2.1) and gives bfloat16 messages DLPack's bfloat16 type."""

        user: bytes
        _bfloat16: bool

        def __array_finalize__(self, obj: Any) -> None:
            self.user = getattr(obj, "user", b"")
            self._bfloat16 = getattr(obj, "_bfloat16", False)

        def __dlpack_device__(self) -> Tuple[int, int]:
            return _DL_CPU

        def __dlpack__(self, *, stream: Any = None, max_version: Optional[Tuple[int, int]] = None,
                       dl_device: Optional[Tuple[int, int]] = None,
                       copy: Optional[bool] = None) -> Any:
            """A DLPack capsule of this array (the Python array API's
            protocol): CPU memory, no stream; versioned (with the read-only
            flag) when the consumer asks for DLPack >= 1.0, the legacy form
            otherwise (which cannot say read-only: do not write through it).
            copy=True exports a copy."""
            if stream is not None:
                raise BufferError("shmring arrays are CPU memory: stream must be None")
            if dl_device is not None and tuple(dl_device) != _DL_CPU:
                raise BufferError(f"shmring arrays are CPU memory, not device {dl_device}")
            source = np.array(self, copy=True).view(type(self)) if copy else self
            code, flags = element_type(self.dtype, self._bfloat16)
            if flags & _BIG_ENDIAN:
                raise BufferError("DLPack has no big-endian elements: "
                                  "export array.astype(array.dtype.newbyteorder('<'))")
            size = self.dtype.itemsize
            versioned = max_version is not None and max_version[0] >= 1
            return _core.dlpack_capsule(
                source, source.ctypes.data, code, source.shape,
                tuple(s // size for s in source.strides),
                not source.flags.writeable, versioned)

    return SlotArray


def write_array(writer: "Writer", array: "ArrayLike", timeout: Optional[float],
                user: bytes = b"", bfloat16: bool = False) -> None:
    """One message holding `array` (any array-like): its header and its data,
    copied once, straight into a reserved slot (a non-contiguous source is
    copied into C order on the way)."""
    np = _numpy()
    source = np.asarray(array)
    head = header(source.dtype, source.shape, user, bfloat16)
    with writer.reserve(len(head) + source.nbytes, timeout) as slot:
        slot[:len(head)] = head
        target = np.ndarray(source.shape, source.dtype, buffer=slot, offset=len(head))
        np.copyto(target, source, casting="no")
        del target  # no buffer over the slot may outlive the block


def read_array(reader: Reader, timeout: Optional[float]) -> "Tuple[NDArray[Any], bytes]":
    """The next message as a new array (one copy, from the slot) and its user header."""
    np = _numpy()
    with reader.peek(timeout) as message:
        d = ArrayInfo(message)
        flat = np.frombuffer(message, d.dtype, count=d.count, offset=d.offset)
        copy: "NDArray[Any]" = flat.reshape(d.shape).copy()
        del flat  # no buffer over the slot may outlive the block
        return copy, d.user


def _slot_array_over(slot: memoryview, d: ArrayInfo) -> "NDArray[Any]":
    """The block's array over a slot. frombuffer holds a buffer export of the
    slot (counted by slot_done) for as long as any array made from it lives."""
    np = _numpy()
    flat = np.frombuffer(slot, d.dtype, count=d.count, offset=d.offset)
    array: "NDArray[Any]" = flat.view(slot_array_type()).reshape(d.shape)
    array.user = d.user  # type: ignore[attr-defined]
    array._bfloat16 = d.code == BFLOAT16 and d.dtype.kind == "u"  # type: ignore[attr-defined]
    return array


class ArrayView(SlotView):
    """The context manager of Reader.peek_array(): a read-only array over the
    message in its slot (a SlotArray: its `user` is the user header, and it
    exports itself through DLPack), valid inside the block."""

    __slots__ = ("_array",)

    def __init__(self, reader: Reader, timeout: Optional[float]) -> None:
        super().__init__(reader, timeout)
        self._array: "Optional[NDArray[Any]]" = None

    def __enter__(self) -> "NDArray[Any]":  # type: ignore[override]
        message = super().__enter__()
        try:
            array = _slot_array_over(message, ArrayInfo(message))
        except BaseException:
            self.__exit__(None, None, None)
            raise
        array.flags.writeable = False
        self._array = array
        return array

    def _exports_allowed(self) -> int:
        array, self._array = self._array, None
        return 1 if array is not None and _alone(array) else 0


def _alone(array: "NDArray[Any]") -> bool:
    """Whether nothing but the caller's `as` name holds `array`, the block's
    array over a slot, which at the block's end holds the slot's one buffer
    export (slot_done counts it) through the flat arrays it was made from.
    Other references to the array (another name, a DLPack consumer's array)
    or to its base (the base of every slice and view made from it) mean
    something outlives the block. Expected: the caller's `array` and `as`
    name and getrefcount's argument; array.base and the argument.
    (CPython's counts; an interpreter that counts fewer lets an escape
    through, never fails a clean block.)"""
    return sys.getrefcount(array) <= 4 and sys.getrefcount(array.base) <= 2


class ArrayReservation(Reservation):
    """The context manager of Writer.reserve_array(): a writable array over
    the next slot, after the header; committed at the block's end."""

    __slots__ = ("_head", "_described", "_array")

    def __init__(self, writer: Writer, shape: Union[int, Tuple[int, ...]],
                 dtype: "DTypeLike", timeout: Optional[float], user: bytes = b"",
                 bfloat16: bool = False) -> None:
        np = _numpy()
        element = np.dtype(dtype)
        extents = (shape,) if isinstance(shape, int) else tuple(shape)
        self._head = header(element, extents, user, bfloat16)
        nbytes = len(self._head) + element.itemsize * int(np.prod(extents, dtype=np.uint64))
        if nbytes > writer.ring.slot_bytes:
            raise TooLarge(f"an array of {nbytes} bytes with its header does not fit "
                           f"in a slot of {writer.ring.slot_bytes}")
        super().__init__(writer, nbytes, timeout)
        self._described: Optional[ArrayInfo] = None
        self._array: "Optional[NDArray[Any]]" = None

    def __enter__(self) -> "NDArray[Any]":  # type: ignore[override]
        slot = super().__enter__()
        slot[:len(self._head)] = self._head
        try:
            array = _slot_array_over(slot, ArrayInfo(slot))
        except BaseException:
            self.__exit__(*sys.exc_info())
            raise
        self._array = array
        return array

    def _exports_allowed(self) -> int:
        array, self._array = self._array, None
        return 1 if array is not None and _alone(array) else 0
