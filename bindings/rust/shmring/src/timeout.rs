//! Timeouts: `Option<Duration>` (None = wait forever, zero = try once) to
//! the C form, and the retry after `SHMRING_EINTERRUPTED` with the time left.

use std::time::{Duration, Instant};

use shmring_sys as sys;

fn to_nanos(timeout: Option<Duration>) -> i64 {
    match timeout {
        None => -1,
        Some(d) => i64::try_from(d.as_nanos()).unwrap_or(i64::MAX),
    }
}

/// Runs `call(timeout_ns)` and repeats it with the remaining time while it
/// returns `SHMRING_EINTERRUPTED` (a signal handler ran during the wait).
pub(crate) fn wait_retrying(timeout: Option<Duration>, mut call: impl FnMut(i64) -> i32) -> i32 {
    let deadline = timeout.and_then(|d| Instant::now().checked_add(d));
    let mut left = timeout;
    loop {
        let status = call(to_nanos(left));
        if status != sys::SHMRING_EINTERRUPTED {
            return status;
        }
        if let Some(deadline) = deadline {
            left = Some(deadline.saturating_duration_since(Instant::now()));
        }
    }
}

/// [`wait_retrying`] for the data path (reads, writes, peeks, reservations):
/// with a finite timeout it first makes one attempt with timeout 0, which
/// the C wait loop itself begins with and which changes nothing when the
/// ring is full or empty, so only a call that must wait pays the clock read
/// of the deadline.
pub(crate) fn try_then_wait(timeout: Option<Duration>, mut call: impl FnMut(i64) -> i32) -> i32 {
    if timeout.is_some_and(|d| !d.is_zero()) {
        let status = call(0);
        if status != sys::SHMRING_EFULL && status != sys::SHMRING_EEMPTY {
            return status;
        }
    }
    wait_retrying(timeout, call)
}
