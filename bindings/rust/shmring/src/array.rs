//! Array messages (`docs/messages.md`): typed n-dimensional arrays that
//! every binding reads and writes, through the C core's
//! `shmring_array_*` calls (the format is implemented there, once).
//!
//! Read zero-copy with [`ArrayRef::decode`] over a [`crate::Peek`] (the
//! typed slice borrows the peek, so it cannot outlive the slot); write with
//! [`crate::Writer::write_array`] or, in place, [`crate::Writer::reserve_array`].
//!
//! ```
//! let ring = shmring::Ring::create_anonymous(4096, 4)?;
//! let mut reader = ring.reader()?;
//! let mut writer = ring.writer()?;
//! writer.write_array(&[2, 3], &[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], b"frame 7", None)?;
//! let view = reader.peek(None)?;
//! let array = shmring::ArrayRef::decode(&view)?;
//! assert_eq!(array.shape(), &[2, 3]);
//! assert_eq!(array.user(), b"frame 7");
//! assert_eq!(array.elements::<f32>()?, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
//! assert!(array.elements::<u8>().is_err()); // the element type is checked
//! # Ok::<(), shmring::Error>(())
//! ```

use std::fmt;

use shmring_sys as sys;

use crate::error::{check, Error, Result};

/// Most dimensions an array message has.
pub const MAX_NDIM: usize = sys::SHMRING_ARRAY_MAX_NDIM as usize;
/// Longest user header.
pub const MAX_USER_BYTES: usize = sys::SHMRING_ARRAY_MAX_USER_BYTES as usize;

/// An element type of an array message: DLPack's `(code, bits, lanes)`,
/// packed as `code | bits << 8 | lanes << 16` (the C `SHMRING_DTYPE_*`).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct DType(pub u32);

impl DType {
    pub const BOOL: DType = DType(sys::SHMRING_DTYPE_BOOL);
    pub const INT8: DType = DType(sys::SHMRING_DTYPE_INT8);
    pub const INT16: DType = DType(sys::SHMRING_DTYPE_INT16);
    pub const INT32: DType = DType(sys::SHMRING_DTYPE_INT32);
    pub const INT64: DType = DType(sys::SHMRING_DTYPE_INT64);
    pub const UINT8: DType = DType(sys::SHMRING_DTYPE_UINT8);
    pub const UINT16: DType = DType(sys::SHMRING_DTYPE_UINT16);
    pub const UINT32: DType = DType(sys::SHMRING_DTYPE_UINT32);
    pub const UINT64: DType = DType(sys::SHMRING_DTYPE_UINT64);
    pub const FLOAT16: DType = DType(sys::SHMRING_DTYPE_FLOAT16);
    pub const FLOAT32: DType = DType(sys::SHMRING_DTYPE_FLOAT32);
    pub const FLOAT64: DType = DType(sys::SHMRING_DTYPE_FLOAT64);
    pub const BFLOAT16: DType = DType(sys::SHMRING_DTYPE_BFLOAT16);
    pub const COMPLEX64: DType = DType(sys::SHMRING_DTYPE_COMPLEX64);
    pub const COMPLEX128: DType = DType(sys::SHMRING_DTYPE_COMPLEX128);

    /// DLPack's type code (`kDLInt` 0, `kDLUInt` 1, `kDLFloat` 2, `kDLBfloat` 4,
    /// `kDLComplex` 5, `kDLBool` 6).
    pub fn code(self) -> u8 {
        self.0 as u8
    }
    /// Bits of one element.
    pub fn bits(self) -> u8 {
        (self.0 >> 8) as u8
    }
    /// Bytes of one element; 0 for a type outside the format.
    pub fn itemsize(self) -> usize {
        // SAFETY: a pure function of its argument.
        unsafe { sys::shmring_array_itemsize(self.0) as usize }
    }
}

impl fmt::Debug for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.code() {
            0 => "int",
            1 => "uint",
            2 => "float",
            4 => "bfloat",
            5 => "complex",
            6 => "bool",
            _ => "type",
        };
        write!(f, "{name}{}", self.bits())
    }
}

/// A Rust type whose slices can be an array message's elements: every bit
/// pattern is a valid value, and its size and alignment are the format's.
///
/// # Safety
/// Implement only for plain-old-data types of `DTYPE`'s size, valid for
/// every bit pattern. This crate implements it for every type of the format.
pub unsafe trait Element: Copy + 'static {
    /// The element type these values are.
    const DTYPE: DType;
}

/// A bool element: one byte, 0 or 1 when written by a correct writer. (A
/// Rust `bool` is not valid for every byte, so the byte is kept as it is.)
#[repr(transparent)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Bool(pub u8);
/// An IEEE 754 half-precision float, as its bits.
#[repr(transparent)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct F16(pub u16);
/// A bfloat16, as its bits (the top half of an `f32`).
#[repr(transparent)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct BF16(pub u16);

macro_rules! elements {
    ($($t:ty => $d:ident),* $(,)?) => {
        // SAFETY: each is plain old data of that type's size, valid for
        // every bit pattern, aligned as the format requires (a complex is
        // two floats).
        $(unsafe impl Element for $t { const DTYPE: DType = DType::$d; })*
    };
}
elements!(
    Bool => BOOL, i8 => INT8, i16 => INT16, i32 => INT32, i64 => INT64,
    u8 => UINT8, u16 => UINT16, u32 => UINT32, u64 => UINT64,
    F16 => FLOAT16, f32 => FLOAT32, f64 => FLOAT64, BF16 => BFLOAT16,
    [f32; 2] => COMPLEX64, [f64; 2] => COMPLEX128,
);

/// A checked array message over borrowed bytes (a peeked slot, or a copy).
pub struct ArrayRef<'a> {
    message: &'a [u8],
    dtype: DType,
    big_endian: bool,
    ndim: usize,
    shape: [u64; MAX_NDIM],
    data: (usize, usize),
    user: (usize, usize),
}

impl<'a> ArrayRef<'a> {
    /// Checks `message` (`shmring_array_decode`): a message that is no valid
    /// array message is [`Error::Corrupt`] naming what is wrong; elements
    /// not aligned in memory to their type (a copy at an odd address) are
    /// [`Error::Invalid`].
    pub fn decode(message: &'a [u8]) -> Result<ArrayRef<'a>> {
        let (mut dtype, mut flags, mut ndim, mut user_bytes) = (0u32, 0u32, 0u32, 0u32);
        let mut shape = [0u64; MAX_NDIM];
        let (mut offset, mut bytes, mut user_offset) = (0u64, 0u64, 0u64);
        // SAFETY: message is valid for its length; shape has room for
        // MAX_NDIM extents; the rest are plain outputs.
        check(unsafe {
            sys::shmring_array_decode(
                message.as_ptr().cast(),
                message.len() as u64,
                &mut dtype,
                &mut flags,
                &mut ndim,
                shape.as_mut_ptr(),
                &mut offset,
                &mut bytes,
                &mut user_offset,
                &mut user_bytes,
            )
        })?;
        Ok(ArrayRef {
            message,
            dtype: DType(dtype),
            big_endian: flags & sys::SHMRING_ARRAY_BIG_ENDIAN != 0,
            ndim: ndim as usize,
            shape,
            data: (offset as usize, bytes as usize),
            user: (user_offset as usize, user_bytes as usize),
        })
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        self.dtype
    }
    /// Whether the elements are big-endian (the header says so; typed
    /// access needs them in this machine's order).
    pub fn is_big_endian(&self) -> bool {
        self.big_endian
    }
    /// The extents, outermost first (empty for a 0-d array of one element).
    pub fn shape(&self) -> &[u64] {
        &self.shape[..self.ndim]
    }
    /// The writer's user header.
    pub fn user(&self) -> &'a [u8] {
        &self.message[self.user.0..self.user.0 + self.user.1]
    }
    /// The elements' bytes, in C order.
    pub fn bytes(&self) -> &'a [u8] {
        &self.message[self.data.0..self.data.0 + self.data.1]
    }

    /// The elements as `&[T]`, zero-copy, in C order. [`Error::Invalid`] if
    /// the array holds another element type or its elements are not in this
    /// machine's byte order.
    pub fn elements<T: Element>(&self) -> Result<&'a [T]> {
        if T::DTYPE != self.dtype {
            return Err(Error::Invalid(format!(
                "the array holds {:?} elements, not {:?}",
                self.dtype,
                T::DTYPE
            )));
        }
        if self.big_endian != cfg!(target_endian = "big") && self.dtype.itemsize() > 1 {
            return Err(Error::Invalid("the array's elements are not in this machine's byte order".into()));
        }
        let bytes = self.bytes();
        let count = bytes.len() / std::mem::size_of::<T>();
        if count == 0 {
            return Ok(&[]);
        }
        // SAFETY: decode checked that the bytes are inside the message and
        // aligned for the type; T is valid for every bit pattern
        // (Element) and of the element's size; the slice borrows the
        // message for 'a.
        Ok(unsafe { std::slice::from_raw_parts(bytes.as_ptr().cast(), count) })
    }
}

/// The header's arguments for `shmring_array_*`: the shape as u32 ndim.
pub(crate) fn ndim_of(shape: &[u64]) -> Result<u32> {
    if shape.len() > MAX_NDIM {
        return Err(Error::Invalid(format!(
            "an array message has at most {MAX_NDIM} dimensions, not {}",
            shape.len()
        )));
    }
    Ok(shape.len() as u32)
}

/// Element count of a shape, if it fits.
pub(crate) fn count_of(shape: &[u64]) -> Option<usize> {
    shape.iter().try_fold(1usize, |n, &e| n.checked_mul(usize::try_from(e).ok()?))
}

/// The header of an array message of `dtype` (elements in this machine's
/// byte order), `shape` and `user` header (`shmring_array_encode_header`),
/// for writers that build a message in a buffer of their own: the message
/// is this header followed by the elements (`dtype.itemsize()` x the
/// product of `shape` bytes, C order). Bad arguments are [`Error::Invalid`].
///
/// ```
/// let header = shmring::array_header(shmring::DType::UINT8, &[2, 2], b"")?;
/// let message = [&header[..], &[1, 2, 3, 4]].concat();
/// assert_eq!(shmring::ArrayRef::decode(&message)?.elements::<u8>()?, &[1, 2, 3, 4]);
/// # Ok::<(), shmring::Error>(())
/// ```
pub fn array_header(dtype: DType, shape: &[u64], user: &[u8]) -> Result<Vec<u8>> {
    let ndim = ndim_of(shape)?;
    let user_bytes = u32::try_from(user.len()).unwrap_or(u32::MAX); // the core names the bound
    let flags = if cfg!(target_endian = "big") { sys::SHMRING_ARRAY_BIG_ENDIAN } else { 0 };
    let (mut offset, mut bytes) = (0u64, 0u64);
    // SAFETY: shape holds ndim extents, user user_bytes bytes; NULL buffer:
    // only the sizes are computed.
    check(unsafe {
        sys::shmring_array_encode_header(
            std::ptr::null_mut(), 0, dtype.0, flags, ndim, shape.as_ptr(), user.as_ptr().cast(),
            user_bytes, &mut offset, &mut bytes,
        )
    })?;
    let mut header = vec![0u8; offset as usize];
    // SAFETY: header has offset bytes, all the call writes; the capacity is
    // the whole message's, as the first call computed.
    check(unsafe {
        sys::shmring_array_encode_header(
            header.as_mut_ptr().cast(), offset + bytes, dtype.0, flags, ndim, shape.as_ptr(),
            user.as_ptr().cast(), user_bytes, std::ptr::null_mut(), std::ptr::null_mut(),
        )
    })?;
    Ok(header)
}
