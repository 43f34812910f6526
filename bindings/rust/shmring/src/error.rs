//! `Error`: one variant per `SHMRING_E*` status, each with this thread's
//! detail message from `shmring_last_error()`.

use std::ffi::CStr;
use std::fmt;

use shmring_sys as sys;

/// A failed shmring call. Each variant is one C status code; the `String`
/// is the C library's detail message for that failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// No free slot (a non-blocking write).
    Full(String),
    /// No message (a non-blocking read).
    Empty(String),
    /// The wait's deadline passed.
    Timeout(String),
    /// End of stream, or the handle is shut.
    Closed(String),
    /// A message larger than the slot or the buffer.
    TooLarge(String),
    /// A signal handler ran during a wait (the blocking calls of this crate
    /// retry with the time left, so they do not return it).
    Interrupted(String),
    /// Not a valid shmring segment, or not a valid array message.
    Corrupt(String),
    /// Layout version or ABI mismatch.
    Version(String),
    /// Shared memory exhausted at create.
    NoSpace(String),
    /// A segment of that name exists.
    Exists(String),
    /// No segment of that name.
    NotFound(String),
    /// The OS refused access.
    Permission(String),
    /// A bad argument or a call out of order.
    Invalid(String),
    /// The participant or group table is full.
    Limit(String),
    /// A lossy reader's view was overwritten: discard what was read.
    Lapped(String),
    /// A process-local allocation failed.
    NoMemory(String),
    /// An unexpected OS error.
    System(String),
    /// A status this crate does not know (a newer C library).
    Unknown(i32, String),
}

/// `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// The error for C status `status`, with this thread's last detail.
    pub(crate) fn from_status(status: i32) -> Error {
        // SAFETY: shmring_last_error never returns NULL; the text is this
        // thread's and is copied before the next call.
        let detail = unsafe { CStr::from_ptr(sys::shmring_last_error()) }
            .to_string_lossy()
            .into_owned();
        match status {
            sys::SHMRING_EFULL => Error::Full(detail),
            sys::SHMRING_EEMPTY => Error::Empty(detail),
            sys::SHMRING_ETIMEOUT => Error::Timeout(detail),
            sys::SHMRING_ECLOSED => Error::Closed(detail),
            sys::SHMRING_ETOOLARGE => Error::TooLarge(detail),
            sys::SHMRING_EINTERRUPTED => Error::Interrupted(detail),
            sys::SHMRING_ECORRUPT => Error::Corrupt(detail),
            sys::SHMRING_EVERSION => Error::Version(detail),
            sys::SHMRING_ENOSPACE => Error::NoSpace(detail),
            sys::SHMRING_EEXISTS => Error::Exists(detail),
            sys::SHMRING_ENOTFOUND => Error::NotFound(detail),
            sys::SHMRING_EPERMISSION => Error::Permission(detail),
            sys::SHMRING_EINVALID => Error::Invalid(detail),
            sys::SHMRING_ELIMIT => Error::Limit(detail),
            sys::SHMRING_ELAPPED => Error::Lapped(detail),
            sys::SHMRING_ENOMEM => Error::NoMemory(detail),
            sys::SHMRING_ESYSTEM => Error::System(detail),
            other => Error::Unknown(other, detail),
        }
    }

    /// The C status code (`SHMRING_E*`, negative).
    pub fn code(&self) -> i32 {
        match self {
            Error::Full(_) => sys::SHMRING_EFULL,
            Error::Empty(_) => sys::SHMRING_EEMPTY,
            Error::Timeout(_) => sys::SHMRING_ETIMEOUT,
            Error::Closed(_) => sys::SHMRING_ECLOSED,
            Error::TooLarge(_) => sys::SHMRING_ETOOLARGE,
            Error::Interrupted(_) => sys::SHMRING_EINTERRUPTED,
            Error::Corrupt(_) => sys::SHMRING_ECORRUPT,
            Error::Version(_) => sys::SHMRING_EVERSION,
            Error::NoSpace(_) => sys::SHMRING_ENOSPACE,
            Error::Exists(_) => sys::SHMRING_EEXISTS,
            Error::NotFound(_) => sys::SHMRING_ENOTFOUND,
            Error::Permission(_) => sys::SHMRING_EPERMISSION,
            Error::Invalid(_) => sys::SHMRING_EINVALID,
            Error::Limit(_) => sys::SHMRING_ELIMIT,
            Error::Lapped(_) => sys::SHMRING_ELAPPED,
            Error::NoMemory(_) => sys::SHMRING_ENOMEM,
            Error::System(_) => sys::SHMRING_ESYSTEM,
            Error::Unknown(code, _) => *code,
        }
    }

    /// The C library's detail message.
    pub fn detail(&self) -> &str {
        match self {
            Error::Full(d)
            | Error::Empty(d)
            | Error::Timeout(d)
            | Error::Closed(d)
            | Error::TooLarge(d)
            | Error::Interrupted(d)
            | Error::Corrupt(d)
            | Error::Version(d)
            | Error::NoSpace(d)
            | Error::Exists(d)
            | Error::NotFound(d)
            | Error::Permission(d)
            | Error::Invalid(d)
            | Error::Limit(d)
            | Error::Lapped(d)
            | Error::NoMemory(d)
            | Error::System(d)
            | Error::Unknown(_, d) => d,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // SAFETY: shmring_strerror returns static text, never NULL.
        let name = unsafe { CStr::from_ptr(sys::shmring_strerror(self.code())) };
        write!(f, "{}", name.to_string_lossy())?;
        if !self.detail().is_empty() {
            write!(f, ": {}", self.detail())?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// `Ok(())` for `SHMRING_OK`, else the matching [`Error`].
pub(crate) fn check(status: i32) -> Result<()> {
    if status == sys::SHMRING_OK as i32 {
        Ok(())
    } else {
        Err(Error::from_status(status))
    }
}
