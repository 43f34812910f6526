//! Typed writes of array messages (`docs/messages.md`): `Writer::write_array`
//! and the in-place `Writer::reserve_array`, over `shmring_array_reserve`.

use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::ptr;
use std::time::Duration;

use shmring_sys as sys;

use crate::array::{count_of, ndim_of, Element};
use crate::error::{check, Error, Result};
use crate::timeout::until_done;
use crate::writer::Writer;

impl Writer {
    /// Writes `data` (C order) as one array message of `shape` with the user
    /// header `user` (at most 4096 bytes), waiting up to `timeout` for space.
    /// `data.len()` must be the product of `shape` ([`Error::Invalid`]);
    /// an array too large for a slot is [`Error::TooLarge`].
    pub fn write_array<T: Element>(
        &mut self,
        shape: &[u64],
        data: &[T],
        user: &[u8],
        timeout: Option<Duration>,
    ) -> Result<()> {
        if count_of(shape) != Some(data.len()) {
            return Err(Error::Invalid(format!(
                "{} elements do not make an array of shape {shape:?}",
                data.len()
            )));
        }
        let mut slot = self.reserve_array::<T>(shape, user, timeout)?;
        slot.copy_from_slice(data);
        slot.commit()
    }

    /// Reserves the next slot for an array message of `shape` and `user`
    /// header, with the header written: fill the guard (a `&mut [T]` of the
    /// elements, 64-byte aligned, in C order) in place, then
    /// [`ArrayReservation::commit`]; dropping it uncommitted aborts.
    ///
    /// ```
    /// let ring = shmring::Ring::create_anonymous(4096, 4)?;
    /// let mut reader = ring.reader()?;
    /// let mut writer = ring.writer()?;
    /// let mut frame = writer.reserve_array::<u16>(&[2, 2], &[], None)?;
    /// frame.copy_from_slice(&[1, 2, 3, 4]);
    /// frame.commit()?;
    /// let view = reader.peek(None)?;
    /// assert_eq!(shmring::ArrayRef::decode(&view)?.elements::<u16>()?, &[1, 2, 3, 4]);
    /// # Ok::<(), shmring::Error>(())
    /// ```
    pub fn reserve_array<T: Element>(
        &mut self,
        shape: &[u64],
        user: &[u8],
        timeout: Option<Duration>,
    ) -> Result<ArrayReservation<'_, T>> {
        let ndim = ndim_of(shape)?;
        let user_bytes = u32::try_from(user.len()).unwrap_or(u32::MAX); // the core names the bound
        let (mut data, mut message_bytes) = (ptr::null_mut(), 0u64);
        // SAFETY: shape holds ndim extents and user user_bytes bytes; data
        // and message_bytes receive the reservation.
        check(until_done(timeout, |deadline| unsafe {
            sys::shmring_array_reserve_until(
                self.raw.as_ptr(),
                T::DTYPE.0,
                if cfg!(target_endian = "big") { sys::SHMRING_ARRAY_BIG_ENDIAN } else { 0 },
                ndim,
                shape.as_ptr(),
                user.as_ptr().cast(),
                user_bytes,
                &mut data,
                &mut message_bytes,
                deadline,
            )
        }))?;
        // The header is written and the shape's size checked: it fits in usize.
        let len = count_of(shape).unwrap_or(0);
        Ok(ArrayReservation { writer: self, data: data.cast(), len, message_bytes, finished: false, _type: PhantomData })
    }
}

/// An open array reservation: derefs to the elements (`&mut [T]`) inside
/// the slot. Aborted when dropped uncommitted.
pub struct ArrayReservation<'w, T: Element> {
    writer: &'w mut Writer,
    data: *mut T,
    len: usize,
    message_bytes: u64,
    finished: bool,
    _type: PhantomData<T>,
}

impl<T: Element> ArrayReservation<'_, T> {
    /// The elements as bytes, to fill from an untyped source (every bit
    /// pattern is a valid element).
    pub fn as_bytes_mut(&mut self) -> &mut [u8] {
        let elements: &mut [T] = self;
        let bytes = std::mem::size_of_val(elements);
        // SAFETY: the same memory as the element slice, borrowed mutably
        // through it; u8 has no alignment or validity requirement.
        unsafe { std::slice::from_raw_parts_mut(elements.as_mut_ptr().cast(), bytes) }
    }

    /// Publishes the array message.
    pub fn commit(mut self) -> Result<()> {
        // SAFETY: a reservation is open on this writer.
        let status = unsafe { sys::shmring_commit(self.writer.raw.as_ptr(), self.message_bytes) };
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

impl<T: Element> Deref for ArrayReservation<'_, T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        if self.len == 0 {
            return &[];
        }
        // SAFETY: the core put len elements of T's size, 64-byte aligned,
        // inside the reserved slot, ours until commit or abort; every bit
        // pattern is a valid T (Element).
        unsafe { std::slice::from_raw_parts(self.data, self.len) }
    }
}

impl<T: Element> DerefMut for ArrayReservation<'_, T> {
    fn deref_mut(&mut self) -> &mut [T] {
        if self.len == 0 {
            return &mut [];
        }
        // SAFETY: as for deref; the reservation is borrowed mutably.
        unsafe { std::slice::from_raw_parts_mut(self.data, self.len) }
    }
}

impl<T: Element> Drop for ArrayReservation<'_, T> {
    fn drop(&mut self) {
        if !self.finished {
            // SAFETY: a reservation is open on this writer.
            unsafe { sys::shmring_abort(self.writer.raw.as_ptr()) };
        }
    }
}
