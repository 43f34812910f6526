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
