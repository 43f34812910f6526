//! Timeouts: `Option<Duration>` (None = wait forever, zero = try once) to
//! the core's deadline, and the retry after `SHMRING_EINTERRUPTED` (a signal
//! handler ran during the wait) with that same deadline.

use std::time::Duration;

use shmring_sys as sys;

/// The core's deadline of a timeout: none for `None`, try once for zero,
/// else counted from now.
pub(crate) fn deadline(timeout: Option<Duration>) -> i64 {
    match timeout {
        None => i64::from(sys::SHMRING_FOREVER),
        // SAFETY: a pure computation on the monotonic clock.
        Some(d) => unsafe { sys::shmring_deadline_after(i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)) },
    }
}

/// Runs `call(deadline)` until it is not interrupted by a signal.
pub(crate) fn until_done(timeout: Option<Duration>, mut call: impl FnMut(i64) -> i32) -> i32 {
    let deadline = deadline(timeout);
    loop {
        let status = call(deadline);
        if status != sys::SHMRING_EINTERRUPTED {
            return status;
        }
    }
}
