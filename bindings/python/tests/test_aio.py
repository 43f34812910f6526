"""asyncio: AsyncReader / AsyncWriter never block the event loop, keep order,
and stop waiting promptly when cancelled without losing a message."""

import asyncio
import threading
import time

import pytest

import shmring


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, 30))


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


async def _max_gap_while(awaitable, tick=0.005):
    """The longest the event loop went without running a ticker task."""
    gaps, last, done = [], time.monotonic(), False

    async def ticker():
        nonlocal last
        while not done:
            await asyncio.sleep(tick)
            now = time.monotonic()
            gaps.append(now - last)
            last = now

    task = asyncio.ensure_future(ticker())
    try:
        return await awaitable, max(gaps)
    finally:
        done = True
        await task


def test_waiting_never_blocks_the_event_loop(small):
    reader, writer = shmring.AsyncReader(small.reader()), small.writer()
    timer = threading.Timer(0.3, writer.write, args=(b"late",))

    async def main():
        timer.start()
        return await _max_gap_while(reader.read(timeout=5))

    message, gap = run(main())
    assert message == b"late" and gap < 0.2  # the read waited 0.3 s
    timer.join()
    reader.close()


def test_cancelling_a_read_is_prompt_and_loses_nothing(small):
    reader, writer = shmring.AsyncReader(small.reader()), small.writer()

    async def main():
        task = asyncio.ensure_future(reader.read())
        await asyncio.sleep(0.1)
        began = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        cancelled_in = time.monotonic() - began
        while not reader._idle():  # the thread stops within a slice
            await asyncio.sleep(0.005)
        stopped_in = time.monotonic() - began
        writer.write(b"after")
        return cancelled_in, stopped_in, await reader.read(timeout=1)

    cancelled_in, stopped_in, message = run(main())
    assert cancelled_in < 0.1 and stopped_in < 0.5 and message == b"after"
    reader.close()


def test_a_message_taken_by_a_cancelled_read_is_the_next_one_read(small):
    reader, writer = shmring.AsyncReader(small.reader(), slice_seconds=0.01), small.writer()

    async def main():
        got = []
        for i in range(20):  # cancel as the message arrives: kept or still in the ring
            task = asyncio.ensure_future(reader.read())
            await asyncio.sleep(0.002)
            writer.write(bytes([i]))
            task.cancel()
            try:
                got.append((await task)[0])
            except asyncio.CancelledError:
                got.append((await reader.read(timeout=1))[0])
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
        assert 0.09 < time.monotonic() - began < 1
        for i in range(4):
            await writer.write(b"x", timeout=0)
        with pytest.raises(shmring.Full):
            await writer.write(b"full", timeout=0)
        with pytest.raises(shmring.Timeout):
            await writer.write(b"full", timeout=0.05)
        blocked = asyncio.ensure_future(writer.write(b"waits"))
        await asyncio.sleep(0.1)
        assert not blocked.done()
        assert await reader.read() == b"x"  # frees a slot
        await asyncio.wait_for(blocked, 5)

    run(main())
    reader.close()
    writer.close()


def test_closing_closes_the_handle(small):
    async def main():
        async with shmring.AsyncReader(small.reader()) as reader:
            pending = asyncio.ensure_future(reader.read())
            await asyncio.sleep(0.05)
            pending.cancel()
        return reader

    reader = run(main())
    assert reader.handle.closed
    with pytest.raises(ValueError):
        shmring.AsyncReader(small.reader(), slice_seconds=0)
