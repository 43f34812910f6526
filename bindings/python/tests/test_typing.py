"""The package's annotations and stubs (py.typed) hold under mypy --strict,
and catch misuse in a user's program. Runs where mypy is installed (the pip
venv of scripts/test.sh: the [test] extra)."""

import os
import textwrap

import pytest

mypy_api = pytest.importorskip("mypy.api")

USER_PROGRAM = textwrap.dedent("""
    import shmring
    from shmring import compat

    def main() -> None:
        with shmring.Ring.create(slot_bytes=64, slot_count=8) as ring:
            writer, reader = ring.writer(), ring.reader(group="g")
            writer.write(b"x", timeout=1.5)
            n: int = writer.write_batch([b"a", bytearray(b"b")])
            with writer.reserve(4) as slot:
                slot[:] = b"abcd"
            data: bytes = reader.read(timeout=None)
            size: int = reader.read_into(bytearray(64))
            with reader.peek() as view:
                first: int = view[0]
            with reader.peek_batch(4) as views:
                sizes = [len(v) for v in views]
            for message in reader:
                print(message.hex(), n, data, size, first, sizes)
            with ring.reader() as other:
                print(other.position)
            ring_stats: shmring.RingStats = ring.stats()
            lag: int = reader.stats().lag
            sent: int = writer.stats().messages
            writer.write_array([[1, 2], [3, 4]])
            with writer.reserve_array((2, 2), "f8") as frame:
                frame[:] = 1.0
            total = float(reader.read_array().sum())
            with reader.peek_array() as array:
                total += float(array.sum())
            print(ring_stats.next_sequence, lag, sent, total)

    async def consume(ring: shmring.Ring) -> None:
        writer = shmring.AsyncWriter(ring.writer())
        await writer.write(b"x", timeout=1.0)
        async with shmring.AsyncReader(ring.reader()) as reader:
            first: bytes = await reader.read(timeout=None)
            async for message in reader:
                print(first, message.hex())
        await writer.aclose()
        with shmring.RWLock.create() as lock, lock.dup() as other_holder:
            with lock.for_read(timeout=1.5):
                lock.wait_for_write(timeout=None)
            held: bool = other_holder.try_acquire_write()
            readers: int = lock.readers
            print(held, readers, lock.writer, lock.name)
        seed = compat.RingBuffer(slot_bytes=8, slot_count=3)
        pointer = seed.new_reader()
        seed.new_writer()
        seed.try_write(b"x")
        got: bytearray = seed.blocking_read(pointer)
        index: int = pointer.get().index
        with compat.ReadersWriterLock().for_read():
            print(got, index, seed.writer.get().generation)
        pointer.set(pointer.get().counter)
        slots = compat.SlotArray(slot_bytes=8, slot_count=2)
        slots[0] = b"x"
        first_slot: bytearray = slots[0]
        print(first_slot, len(slots), [bytes(s) for s in slots], len(seed.readers))
    """)


MYPY = ["--strict", "--no-incremental", "--cache-dir", os.devnull]


def run_mypy(tmp_path, program):
    path = tmp_path / "user.py"
    path.write_text(program)
    return mypy_api.run([*MYPY, str(path)])


def test_the_package_type_checks():
    out, err, status = mypy_api.run([*MYPY, "-p", "shmring"])
    assert status == 0, out + err


def test_a_user_program_type_checks(tmp_path):
    out, err, status = run_mypy(tmp_path, USER_PROGRAM)
    assert status == 0, out + err


@pytest.mark.parametrize("good, bad, complaint", [
    ("reader.read(timeout=None)", 'reader.read(timeout="soon")', 'Argument "timeout" to "read"'),
    ("first: int = view[0]", "first: str = view[0]", "Incompatible types in assignment"),
    ("len(v) for v in views", "v.hex(1, 2, 3) for v in views", '"hex" of "memoryview"'),
    ("lag: int = reader.stats().lag", "lag: str = reader.stats().lag",
     "Incompatible types in assignment"),
    ("first: bytes = await reader.read(", "first: bytes = reader.read(",
     "Incompatible types in assignment"),
])
def test_misuse_is_caught(tmp_path, good, bad, complaint):
    assert good in USER_PROGRAM
    out, _, status = run_mypy(tmp_path, USER_PROGRAM.replace(good, bad))
    assert status == 1 and complaint in out, out
