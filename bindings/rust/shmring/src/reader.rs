//! `Reader`, its zero-copy read guard `Peek`, and the `Messages` iterator.

use std::ops::Deref;
use std::ptr::{self, NonNull};
use std::sync::Arc;
use std::time::Duration;

use shmring_sys as sys;

use crate::error::{check, Error, Result};
use crate::ring::RingHandle;
use crate::timeout::until_done;

/// A reader of a ring: broadcast, group member or lossy (see
/// [`crate::Ring::reader`], [`crate::Ring::group_reader`],
/// [`crate::Ring::lossy_reader`]). `Send`, not `Sync`: the C reader handle
/// is for one thread at a time. Dropping it leaves the ring.
pub struct Reader {
    raw: NonNull<sys::shmring_reader_t>,
    ring: Arc<RingHandle>,
}

// SAFETY: the C reader handle may be used from any thread, one at a time;
// `&mut self` on every call ensures that.
unsafe impl Send for Reader {}

impl Reader {
    pub(crate) fn open(ring: Arc<RingHandle>, group: Option<&std::ffi::CStr>, flags: u32) -> Result<Reader> {
        let mut raw = ptr::null_mut();
        let group = group.map_or(ptr::null(), |g| g.as_ptr());
        // SAFETY: the ring handle is live; group is NULL or NUL-terminated.
        check(unsafe { sys::shmring_reader_open(ring.as_ptr(), group, flags, &mut raw) })?;
        let raw = NonNull::new(raw).expect("shmring returned OK with a NULL reader");
        Ok(Reader { raw, ring })
    }

    /// Copies the next message into `buf`, waiting up to `timeout` (None:
    /// forever); returns its length. [`Error::Closed`] at end of stream;
    /// [`Error::TooLarge`] if `buf` is too small (the message stays).
    pub fn read(&mut self, buf: &mut [u8], timeout: Option<Duration>) -> Result<usize> {
        let mut len = 0u64;
        // SAFETY: buf is writable for buf.len() bytes.
        check(until_done(timeout, |deadline| unsafe {
            sys::shmring_read_until(self.raw.as_ptr(), buf.as_mut_ptr().cast(), buf.len() as u64, &mut len, deadline)
        }))?;
        Ok(len as usize)
    }

    /// Copies up to `lengths.len()` messages back to back into `buf` in one
    /// call and sets `lengths[i]` to each one's length, waiting up to
    /// `timeout` only while none is ready; returns how many it copied:
    /// those ready that fit in `buf`. [`Error::TooLarge`] if the first does
    /// not fit (it stays).
    ///
    /// ```
    /// let ring = shmring::Ring::create_anonymous(8, 4)?;
    /// let mut reader = ring.reader()?;
    /// let mut writer = ring.writer()?;
    /// writer.write_batch(&[b"ab", b"", b"cde"], None)?;
    /// let (mut buf, mut lengths) = ([0u8; 32], [0u64; 4]);
    /// let count = reader.read_batch(&mut buf, &mut lengths, None)?;
    /// let mut rest = &buf[..];
    /// let messages: Vec<&[u8]> = lengths[..count]
    ///     .iter()
    ///     .map(|&len| {
    ///         let (message, tail) = rest.split_at(len as usize);
    ///         rest = tail;
    ///         message
    ///     })
    ///     .collect();
    /// assert_eq!(messages, [&b"ab"[..], b"", b"cde"]);
    /// # Ok::<(), shmring::Error>(())
    /// ```
    pub fn read_batch(&mut self, buf: &mut [u8], lengths: &mut [u64], timeout: Option<Duration>) -> Result<usize> {
        let max_count = u32::try_from(lengths.len()).unwrap_or(u32::MAX);
        let mut count = 0u32;
        // SAFETY: buf is writable for buf.len() bytes, lengths for
        // max_count <= lengths.len() entries.
        check(until_done(timeout, |deadline| unsafe {
            sys::shmring_read_batch_until(
                self.raw.as_ptr(),
                buf.as_mut_ptr().cast(),
                buf.len() as u64,
                lengths.as_mut_ptr(),
                max_count,
                &mut count,
                deadline,
            )
        }))?;
        Ok(count as usize)
    }

    /// Copies the next message if one is ready, else [`Error::Empty`].
    pub fn try_read(&mut self, buf: &mut [u8]) -> Result<usize> {
        let mut len = 0u64;
        // SAFETY: buf is writable for buf.len() bytes.
        check(unsafe { sys::shmring_try_read(self.raw.as_ptr(), buf.as_mut_ptr().cast(), buf.len() as u64, &mut len) })?;
        Ok(len as usize)
    }

    /// The next message in a new `Vec`, waiting up to `timeout`.
    pub fn read_vec(&mut self, timeout: Option<Duration>) -> Result<Vec<u8>> {
        // SAFETY: the ring handle is live.
        let mut buf = vec![0u8; unsafe { sys::shmring_slot_bytes(self.ring.as_ptr()) } as usize];
        let len = self.read(&mut buf, timeout)?;
        buf.truncate(len);
        Ok(buf)
    }

    /// A zero-copy view of the next message, in its slot, waiting up to
    /// `timeout`. The slot is released when the guard is dropped (or by
    /// [`Peek::release`]); the bytes cannot outlive the guard, and the
    /// reader cannot be used meanwhile. The borrow checker rejects keeping
    /// the bytes past the release:
    ///
    /// ```compile_fail
    /// let ring = shmring::Ring::create_anonymous(64, 4)?;
    /// let mut reader = ring.reader()?;
    /// ring.writer()?.write(b"gone", None)?;
    /// let view = reader.peek(None)?;
    /// let bytes: &[u8] = &view;
    /// view.release()?; // error: cannot move out of `view` because it is borrowed
    /// assert_eq!(bytes, b"gone");
    /// # Ok::<(), shmring::Error>(())
    /// ```
    ///
    /// ```
    /// let ring = shmring::Ring::create_anonymous(64, 4)?;
    /// let mut reader = ring.reader()?;
    /// ring.writer()?.write(b"kept", None)?;
    /// let view = reader.peek(None)?;
    /// let copy = view.to_vec(); // copy what must outlive the slot
    /// view.release()?;
    /// assert_eq!(copy, b"kept");
    /// # Ok::<(), shmring::Error>(())
    /// ```
    pub fn peek(&mut self, timeout: Option<Duration>) -> Result<Peek<'_>> {
        let mut data = ptr::null();
        let mut len = 0u64;
        // SAFETY: data and len receive a view valid until release.
        check(until_done(timeout, |deadline| unsafe {
            sys::shmring_peek_until(self.raw.as_ptr(), &mut data, &mut len, deadline)
        }))?;
        Ok(Peek { reader: self, data: data.cast(), len: len as usize, released: false })
    }

    /// Jumps to the newest message; returns how many were passed over.
    /// Not for group members ([`Error::Invalid`]).
    pub fn skip_to_latest(&mut self) -> Result<u64> {
        let mut skipped = 0u64;
        // SAFETY: the reader is live.
        check(unsafe { sys::shmring_reader_skip_to_latest(self.raw.as_ptr(), &mut skipped) })?;
        Ok(skipped)
    }

    /// Messages this reader has passed over: lapped (lossy) or skipped.
    pub fn missed(&self) -> u64 {
        // SAFETY: the reader is live.
        unsafe { sys::shmring_reader_missed(self.raw.as_ptr()) }
    }

    /// Sequence number of the next message this reader will look at.
    pub fn position(&self) -> u64 {
        // SAFETY: the reader is live.
        unsafe { sys::shmring_reader_position(self.raw.as_ptr()) }
    }

    /// Every message as a `Vec`, blocking for each; ends at end of stream.
    ///
    /// ```
    /// let ring = shmring::Ring::create_anonymous(16, 4)?;
    /// let mut reader = ring.reader()?;
    /// let mut writer = ring.writer()?;
    /// writer.write(b"a", None)?;
    /// writer.write(b"b", None)?;
    /// drop(writer); // the last writer leaving ends the stream
    /// let all: Result<Vec<Vec<u8>>, _> = reader.messages().collect();
    /// assert_eq!(all?, vec![b"a".to_vec(), b"b".to_vec()]);
    /// # Ok::<(), shmring::Error>(())
    /// ```
    pub fn messages(&mut self) -> Messages<'_> {
        Messages { reader: self, done: false }
    }

    /// Leaves the ring, reporting a failure that dropping would ignore.
    pub fn close(self) -> Result<()> {
        let this = std::mem::ManuallyDrop::new(self);
        // SAFETY: raw is live and closed once (Drop does not run).
        let status = unsafe { sys::shmring_reader_close(this.raw.as_ptr()) };
        // SAFETY: the Arc is moved out once; `this` is never used again.
        drop(unsafe { ptr::read(&this.ring) });
        check(status)
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        // SAFETY: raw is live and closed once.
        unsafe { sys::shmring_reader_close(self.raw.as_ptr()) };
    }
}

/// A zero-copy view of one message; derefs to its bytes. Released on drop.
/// A lossy reader's view may be overwritten by a writer that laps it: such
/// a reader must check [`Peek::release`] (which then returns
/// [`Error::Lapped`]) before trusting what it read.
pub struct Peek<'r> {
    reader: &'r mut Reader,
    data: *const u8,
    len: usize,
    released: bool,
}

impl Peek<'_> {
    /// Releases the slot. [`Error::Lapped`]: a lossy reader's view was
    /// overwritten meanwhile; discard what was read.
    pub fn release(mut self) -> Result<()> {
        self.released = true;
        // SAFETY: a peek is open on this reader.
        check(unsafe { sys::shmring_release(self.reader.raw.as_ptr()) })
    }
}

impl Deref for Peek<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        if self.len == 0 {
            return &[];
        }
        // SAFETY: the view stays valid until release, which needs `self`
        // by value (or its drop), so no borrow of these bytes survives it.
        unsafe { std::slice::from_raw_parts(self.data, self.len) }
    }
}

impl Drop for Peek<'_> {
    fn drop(&mut self) {
        if !self.released {
            // SAFETY: a peek is open on this reader.
            unsafe { sys::shmring_release(self.reader.raw.as_ptr()) };
        }
    }
}

/// Iterator of [`Reader::messages`]: `Ok(bytes)` per message, ends after
/// end of stream; a failure is yielded once and ends it too.
pub struct Messages<'r> {
    reader: &'r mut Reader,
    done: bool,
}

impl Iterator for Messages<'_> {
    type Item = Result<Vec<u8>>;
    fn next(&mut self) -> Option<Result<Vec<u8>>> {
        if self.done {
            return None;
        }
        match self.reader.read_vec(None) {
            Ok(message) => Some(Ok(message)),
            Err(Error::Closed(_)) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}
