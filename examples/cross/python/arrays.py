"""The Python writer and reader of the cross-language array suite
(tests/cross/README.md, "Arrays"): every element type in every shape,
written with write_array (the strided one from a non-contiguous NumPy view,
which write_array copies into C order), read with read_array or zero-copy
with peek_array and numpy.from_dlpack, checked bit for bit.

arrays NAME --write|--read
"""

import sys
import time

import numpy as np

import shmring

WAIT = 30.0
#: The suite's element types, in order (bfloat16 as uint16 bits).
TYPES = ["?", "<i1", "<i2", "<i4", "<i8", "<u1", "<u2", "<u4", "<u8", "<f2", "<f4", "<f8",
         "bfloat16", "<c8", "<c16"]
SHAPES = [(), (0, 3), (5,), (2, 3, 2, 2), (3, 4)]
STRIDED = 4  # written from columns 0, 2, 4, 6 of a (3, 8) source


def dtype_of(t: int) -> np.dtype:
    return np.dtype("<u2" if TYPES[t] == "bfloat16" else TYPES[t])


def expected(t: int, shape) -> np.ndarray:
    """The suite's array of type t: byte k of element e is (e*7 + k*3 + t*11 + 1) & 0xFF
    (bool: e % 2)."""
    dtype = dtype_of(t)
    count = int(np.prod(shape, dtype=np.int64))
    e = np.arange(count, dtype=np.int64)[:, None]
    k = np.arange(dtype.itemsize, dtype=np.int64)[None, :]
    raw = (e % 2) if t == 0 else (e * 7 + k * 3 + t * 11 + 1) & 0xFF
    return np.ascontiguousarray(raw.astype(np.uint8)).view(dtype).reshape(shape)


def write_suite(writer: shmring.Writer) -> None:
    for t in range(len(TYPES)):
        for s, shape in enumerate(SHAPES):
            array = expected(t, shape)
            if s == STRIDED:
                source = np.zeros((3, 8), dtype=array.dtype)
                source[:, ::2] = array
                array = source[:, ::2]
                assert not array.flags.c_contiguous
            writer.write_array(array, timeout=WAIT, user=bytes([t, s]),
                               bfloat16=TYPES[t] == "bfloat16")


def read_suite(reader: shmring.Reader) -> None:
    """Even shapes by copy (read_array), odd ones zero-copy (peek_array and
    numpy.from_dlpack of the view), so every type goes both ways."""
    for t in range(len(TYPES)):
        for s, shape in enumerate(SHAPES):
            want = expected(t, shape)
            dlpack = None
            if s % 2 == 0:
                copy, user = reader.read_array_with_user(timeout=WAIT)
                got = (copy.dtype, copy.shape, user, copy.tobytes())
            else:
                with reader.peek_array(timeout=WAIT) as view:
                    got = (view.dtype, view.shape, view.user, view.tobytes())
                    try:
                        consumer = np.from_dlpack(view)
                        dlpack = (consumer.tobytes(), consumer.ctypes.data == view.ctypes.data)
                        del consumer
                    except (BufferError, TypeError, RuntimeError):
                        pass  # a NumPy without this DLPack type (bool before 1.25, bfloat16)
                if dlpack is None and TYPES[t] not in ("?", "bfloat16"):
                    raise RuntimeError(f"array {t}/{s}: numpy.from_dlpack refused {want.dtype}")
                if dlpack is not None and dlpack != (want.tobytes(), True):
                    raise RuntimeError(f"array {t}/{s}: numpy.from_dlpack differs or copied")
            if got != (want.dtype, want.shape, bytes([t, s]), want.tobytes()):
                raise RuntimeError(f"array {t}/{s}: got {got[:3]}, want "
                                   f"{(want.dtype, want.shape, bytes([t, s]))} or other bytes")
    try:
        reader.read(timeout=WAIT)
    except shmring.Closed:
        return
    raise RuntimeError(f"expected the end of stream after {len(TYPES) * len(SHAPES)} arrays")


def wait_for_readers(ring: shmring.Ring, readers: int) -> None:
    deadline = time.monotonic() + WAIT
    while ring.stats().readers < readers:
        if time.monotonic() > deadline:
            raise RuntimeError(f"fewer than {readers} readers after {WAIT:.0f} s")
        time.sleep(0.002)


def main() -> int:
    if len(sys.argv) != 3 or sys.argv[2] not in ("--write", "--read"):
        sys.exit("usage: arrays NAME --write|--read")
    name, mode = sys.argv[1], sys.argv[2]
    if mode == "--write":
        with shmring.Ring.create(name, slot_bytes=1024, slot_count=8) as ring:
            with ring.writer() as writer:
                wait_for_readers(ring, 1)
                write_suite(writer)
    else:
        with shmring.Ring.open(name, timeout=10) as ring:
            with ring.reader() as reader:
                read_suite(reader)
    print(f"arrays python: {mode[2:]} {len(TYPES) * len(SHAPES)} arrays")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (shmring.Error, RuntimeError) as e:
        sys.exit(f"arrays python: {type(e).__name__}: {e}")
