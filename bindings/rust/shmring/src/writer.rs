//! `Writer` and `Reservation`, its zero-copy write guard.

use std::ffi::c_void;
use std::ops::{Deref, DerefMut};
use std::ptr::{self, NonNull};
use std::sync::Arc;
use std::time::Duration;

use shmring_sys as sys;

use crate::error::{check, Result};
use crate::ring::RingHandle;
use crate::timeout::until_done;

/// A writer of a ring. `Send` (it may move to another thread), not `Sync`:
/// the C writer handle is for one thread at a time. Dropping it leaves the
/// ring; with close-on-last-writer the last writer ends the stream.
pub struct Writer {
    pub(crate) raw: NonNull<sys::shmring_writer_t>,
    ring: Arc<RingHandle>,
}

// SAFETY: the C writer handle may be used from any thread, one at a time;
// `&mut self` on every call ensures that.
unsafe impl Send for Writer {}

impl Writer {
    pub(crate) fn open(ring: Arc<RingHandle>) -> Result<Writer> {
        let mut raw = ptr::null_mut();
        // SAFETY: the ring handle is live (we hold an Arc).
        check(unsafe { sys::shmring_writer_open(ring.as_ptr(), &mut raw) })?;
        let raw = NonNull::new(raw).expect("shmring returned OK with a NULL writer");
        Ok(Writer { raw, ring })
    }

    /// Copies one message (0..slot_bytes bytes) into the ring, waiting up to
    /// `timeout` (None: forever; zero: never, like [`Writer::try_write`]).
    pub fn write(&mut self, data: &[u8], timeout: Option<Duration>) -> Result<()> {
        // SAFETY: data is valid for data.len() bytes.
        check(until_done(timeout, |deadline| unsafe {
            sys::shmring_write_until(self.raw.as_ptr(), data.as_ptr().cast(), data.len() as u64, deadline)
        }))
    }

    /// Copies one message if a slot is free now, else [`crate::Error::Full`].
    pub fn try_write(&mut self, data: &[u8]) -> Result<()> {
        // SAFETY: data is valid for data.len() bytes.
        check(unsafe { sys::shmring_try_write(self.raw.as_ptr(), data.as_ptr().cast(), data.len() as u64) })
    }

    /// Writes a prefix of `messages` in order, waiting (up to `timeout`)
    /// only while none fits; returns how many were written.
    pub fn write_batch(&mut self, messages: &[&[u8]], timeout: Option<Duration>) -> Result<usize> {
        let datas: Vec<*const c_void> = messages.iter().map(|m| m.as_ptr().cast()).collect();
        let lengths: Vec<u64> = messages.iter().map(|m| m.len() as u64).collect();
        let count = u32::try_from(messages.len()).unwrap_or(u32::MAX);
        let mut written = 0u32;
        // SAFETY: datas[i] is valid for lengths[i] bytes, count <= len.
        check(until_done(timeout, |deadline| unsafe {
            sys::shmring_write_batch_until(self.raw.as_ptr(), datas.as_ptr(), lengths.as_ptr(), count, &mut written, deadline)
        }))?;
        Ok(written as usize)
    }

    /// Claims the next slot for a zero-copy write, waiting up to `timeout`
    /// for space. Fill the guard (a `&mut [u8]` of slot_bytes), then
    /// [`Reservation::commit`] the length; dropping it uncommitted aborts
    /// (every reader skips the slot).
    ///
    /// ```
    /// let ring = shmring::Ring::create_anonymous(64, 4)?;
    /// let mut reader = ring.reader()?;
    /// let mut writer = ring.writer()?;
    /// let mut slot = writer.reserve(None)?;
    /// slot[..3].copy_from_slice(b"abc");
    /// slot.commit(3)?;
    /// assert_eq!(&*reader.peek(None)?, b"abc");
    /// # Ok::<(), shmring::Error>(())
    /// ```
    pub fn reserve(&mut self, timeout: Option<Duration>) -> Result<Reservation<'_>> {
        let mut slot = ptr::null_mut();
        // SAFETY: slot receives a pointer to slot_bytes writable bytes.
        check(until_done(timeout, |deadline| unsafe { sys::shmring_reserve_until(self.raw.as_ptr(), &mut slot, deadline) }))?;
        // SAFETY: the ring handle is live.
        let len = unsafe { sys::shmring_slot_bytes(self.ring.as_ptr()) } as usize;
        Ok(Reservation { writer: self, slot: slot.cast(), len, finished: false })
    }

    /// Leaves the ring, reporting a failure that dropping would ignore.
    pub fn close(self) -> Result<()> {
        let this = std::mem::ManuallyDrop::new(self);
        // SAFETY: raw is live and closed once (Drop does not run).
        let status = unsafe { sys::shmring_writer_close(this.raw.as_ptr()) };
        // SAFETY: the Arc is moved out once; `this` is never used again.
        drop(unsafe { ptr::read(&this.ring) });
        check(status)
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        // SAFETY: raw is live and closed once.
        unsafe { sys::shmring_writer_close(self.raw.as_ptr()) };
    }
}

/// An open reservation: a slot of the ring to fill in place. Derefs to the
/// whole slot (`slot_bytes` bytes). Aborted when dropped uncommitted.
pub struct Reservation<'w> {
    writer: &'w mut Writer,
    slot: *mut u8,
    len: usize,
    finished: bool,
}

impl Reservation<'_> {
    /// Publishes the first `length` bytes of the slot as one message. If
    /// that fails ([`crate::Error::TooLarge`]: more than the slot), the
    /// reservation is aborted.
    pub fn commit(mut self, length: usize) -> Result<()> {
        // SAFETY: a reservation is open on this writer.
        let status = unsafe { sys::shmring_commit(self.writer.raw.as_ptr(), length as u64) };
        self.finished = status == sys::SHMRING_OK as i32; // else dropping aborts
        check(status)
    }

    /// Gives the slot up: every reader skips it.
    pub fn abort(mut self) -> Result<()> {
        self.finished = true;
        // SAFETY: a reservation is open on this writer.
        check(unsafe { sys::shmring_abort(self.writer.raw.as_ptr()) })
    }
}

impl Deref for Reservation<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        // SAFETY: the reserved slot is ours until commit or abort.
        unsafe { std::slice::from_raw_parts(self.slot, self.len) }
    }
}

impl DerefMut for Reservation<'_> {
    fn deref_mut(&mut self) -> &mut [u8] {
        // SAFETY: the reserved slot is ours until commit or abort.
        unsafe { std::slice::from_raw_parts_mut(self.slot, self.len) }
    }
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        if !self.finished {
            // SAFETY: a reservation is open on this writer.
            unsafe { sys::shmring_abort(self.writer.raw.as_ptr()) };
        }
    }
}
