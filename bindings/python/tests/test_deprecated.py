"""The names docs/api-map.md replaced: each still works for one release and
warns with a DeprecationWarning that names its replacement."""

import warnings

import pytest

import shmring


def test_ring_attach_opens_and_warns(ring):
    with pytest.warns(DeprecationWarning, match=r"Ring\.attach\(\).*Ring\.open\(\)"):
        other = shmring.Ring.attach(ring.name, timeout=0)
    with other:
        assert other.name == ring.name and other.slot_count == ring.slot_count


def test_rwlock_attach_opens_and_warns(name):
    with shmring.RWLock.create(name) as lock:
        with pytest.warns(DeprecationWarning, match=r"RWLock\.open\(\)"):
            other = shmring.RWLock.attach(name, timeout=0)
        with other:
            assert other.name == lock.name


def test_end_stream_and_stream_ended_warn(ring):
    with pytest.warns(DeprecationWarning, match=r"stream_closed"):
        assert ring.stream_ended is False
    with pytest.warns(DeprecationWarning, match=r"close_stream\(\)"):
        ring.end_stream()
    assert ring.stream_closed
    with pytest.warns(DeprecationWarning):
        assert ring.stream_ended is True


def test_view_names_peek_and_warn(ring):
    with ring.writer() as w, ring.reader() as r:
        for message in (b"one", b"two", b"three"):
            w.write(message)
        with pytest.warns(DeprecationWarning, match=r"Reader\.view\(\).*peek\(\)"):
            block = r.view(timeout=0)
        with block as message:
            assert bytes(message) == b"one"
        with pytest.warns(DeprecationWarning, match=r"peek_batch\(\)"):
            block = r.view_batch(2, timeout=0)
        with block as messages:
            assert [bytes(m) for m in messages] == [b"two", b"three"]


def test_view_array_names_peek_array_and_warns(ring):
    np = pytest.importorskip("numpy")
    with ring.writer() as w, ring.reader() as r:
        w.write_array(np.arange(4, dtype=np.uint8))
        with pytest.warns(DeprecationWarning, match=r"peek_array\(\)"):
            block = r.view_array(timeout=0)
        with block as a:
            assert a.tolist() == [0, 1, 2, 3]


def test_new_names_do_not_warn(ring):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with shmring.Ring.open(ring.name, timeout=0) as other, \
                other.writer() as w, other.reader() as r:
            w.write(b"x")
            with r.peek(timeout=0) as message:
                assert bytes(message) == b"x"
            assert not other.stream_closed
            other.close_stream()
            assert other.stream_closed
