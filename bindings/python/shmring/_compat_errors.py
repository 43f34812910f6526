"""The exceptions of shmring.compat: the seed library's, by name and base."""


class Error(Exception):
    """Base of every error of shmring.compat."""


class DataTooLargeError(Error, ValueError):
    """try_write() of more than slot_bytes bytes."""


class WaitingForReaderError(Error):
    """try_write() found no free slot: a reader has not caught up."""


class WaitingForWriterError(Error):
    """try_read() found nothing new while a writer is still active."""


class WriterFinishedError(Error):
    """A read found nothing new and no writer is active (never was, or every
    one called writer_done())."""


class AlreadyClosedError(Error):
    """try_write() with no active writer (every one called writer_done())."""


class MustCreatedReadersBeforeWritingError(Error):
    """new_reader() after the first write."""


class InternalLockingError(Error):
    """ReadersWriterLock.wait_for_write() without the read lock held."""


# Not in the seed: failures of shmring's own limits, as compat exceptions
# (a program that catches ringbuffer.Error catches them too).


class InvalidArgumentError(Error, ValueError):
    """An argument outside what the ring can be (slot_count 0 or above
    2**31, slot_bytes above 2**32 - 1, a pointer moved backwards, ...)."""


class TooManyParticipantsError(Error):
    """A table of the ring or lock is full: reader pointers, threads or
    processes reading, writing or holding the lock at once."""
