"""asyncio: AsyncReader / AsyncWriter never block the event loop, keep order,
and stop waiting when cancelled without losing a message. Events are
ordered by what the test observes (a ring's wait counts, the handle's
thread going idle), polled in a worker thread with a hang guard, never by
pausing; nothing is timed."""

import asyncio
import time

import pytest

import shmring
from observe import HANG_GUARD, await_true, new_wait, reader_waits, writer_waits


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, HANG_GUARD))


async def observed(condition, what):
    """await_true in a worker thread: the event loop runs on meanwhile."""
    await asyncio.to_thread(await_true, condition, what)


@pytest.fixture
def small():
    with shmring.Ring.create(slot_bytes=64, slot_count=4) as ring:
        yield ring


def test_async_for_gets_every_message_in_order_through_a_small_ring(small):
    async def main():
        async with shmring.AsyncReader(small.reader()) as reader:
            writer = shmring.AsyncWriter(small.writer())

            async def produce():
                for i in range(200):
                    await writer.write(i.to_bytes(2, "little"))
                await writer.aclose()  # the last writer: the stream ends

            producer = asyncio.ensure_future(produce())
            got = [int.from_bytes(m, "little") async for m in reader]
            await producer
            return got

    assert run(main()) == list(range(200))


def test_waiting_never_blocks_the_event_loop(small):
    reader, writer = shmring.AsyncReader(small.reader()), small.writer()

    async def main():
        pending = asyncio.ensure_future(reader.read(timeout=HANG_GUARD))
        # The loop must run on while the read waits: it sees the read block
        # and then writes the message that ends it. A read that blocked the
        # loop would never get that message (Timeout instead).
        await observed(lambda: reader_waits(small) > 0, "the read blocked")
        assert not pending.done()
        writer.write(b"late")
        return await pending

    assert run(main()) == b"late"
    reader.close()


def test_cancelling_a_read_stops_its_wait_and_loses_nothing(small):
    reader, writer = shmring.AsyncReader(small.reader()), small.writer()

    async def main():
        task = asyncio.ensure_future(reader.read())
        await observed(lambda: reader_waits(small) > 0, "the read blocked")
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await observed(reader._idle, "the handle's thread stopped waiting")
        writer.write(b"after")
        return await reader.read(timeout=HANG_GUARD)

    assert run(main()) == b"after"
    reader.close()


def test_a_message_taken_by_a_cancelled_read_is_the_next_one_read(small):
    reader, writer = shmring.AsyncReader(small.reader(), slice_seconds=0.01), small.writer()

    async def main():
        got = []
        for i in range(20):  # cancel as the message arrives: kept or still in the ring
            blocked = new_wait(lambda: reader_waits(small))
            task = asyncio.ensure_future(reader.read())
            await observed(blocked, "the read blocked")
            writer.write(bytes([i]))
            task.cancel()
            try:
                got.append((await task)[0])
            except asyncio.CancelledError:
                got.append((await reader.read(timeout=HANG_GUARD))[0])
        return got

    assert run(main()) == list(range(20))
    reader.close()


def test_timeouts_empty_and_full(small):
    reader, writer = shmring.AsyncReader(small.reader()), shmring.AsyncWriter(small.writer())

    async def main():
        with pytest.raises(shmring.Empty):
            await reader.read(timeout=0)
        began = time.monotonic()
        with pytest.raises(shmring.Timeout):
            await reader.read(timeout=0.1)
        assert time.monotonic() - began >= 0.09  # not before its time
        for i in range(4):
            await writer.write(b"x", timeout=0)
        with pytest.raises(shmring.Full):
            await writer.write(b"full", timeout=0)
        with pytest.raises(shmring.Timeout):
            await writer.write(b"full", timeout=0.05)
        waits = writer_waits(small)
        blocked = asyncio.ensure_future(writer.write(b"waits"))
        await observed(lambda: writer_waits(small) > waits, "the write blocked")
        assert not blocked.done()
        assert await reader.read() == b"x"  # frees a slot
        await blocked

    run(main())
    reader.close()
    writer.close()


def test_closing_closes_the_handle(small):
    async def main():
        async with shmring.AsyncReader(small.reader()) as reader:
            pending = asyncio.ensure_future(reader.read())
            await observed(lambda: reader_waits(small) > 0, "the read blocked")
            pending.cancel()
        return reader

    reader = run(main())
    assert reader.handle.closed
    with pytest.raises(ValueError):
        shmring.AsyncReader(small.reader(), slice_seconds=0)
