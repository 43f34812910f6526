//! Safe Rust API for shmring: a multiple-writer, multiple-reader ring in
//! shared memory, shared by processes in any language (C, Python, Rust, Go).
//!
//! A [`Ring`] is attached by name (or anonymous); [`Writer`]s and
//! [`Reader`]s (broadcast, group member, lossy) are made from it. Timeouts
//! are `Option<Duration>`: `None` waits forever, a zero duration tries once.
//! Blocking calls retry after a signal handler interrupts them, with the
//! time left. Zero copy: [`Writer::reserve`] and [`Reader::peek`]. Typed
//! arrays (`docs/messages.md`): [`Writer::write_array`],
//! [`Writer::reserve_array`] and [`ArrayRef::decode`] of a peek.
//!
//! [`Ring`] is `Send + Sync`; [`Writer`] and [`Reader`] are `Send` but not
//! `Sync` (a C writer or reader handle is for one thread at a time):
//!
//! ```
//! fn send_sync<T: Send + Sync>() {}
//! fn send<T: Send>() {}
//! send_sync::<shmring::Ring>();
//! send::<shmring::Writer>();
//! send::<shmring::Reader>();
//! send::<shmring::RwLock>();
//! ```
//!
//! ```compile_fail
//! fn sync<T: Sync>() {}
//! sync::<shmring::Reader>(); // error: `NonNull<shmring_reader>` cannot be shared between threads
//! ```
//!
//! ```compile_fail
//! fn sync<T: Sync>() {}
//! sync::<shmring::Writer>();
//! ```
//!
//! [`RwLock`] is the C core's process-shared readers-writer lock, held
//! through [`ReadGuard`] and [`WriteGuard`]; it is `Send`, not `Sync` (a
//! thread takes its own holder with [`RwLock::dup`]):
//!
//! ```compile_fail
//! fn sync<T: Sync>() {}
//! sync::<shmring::RwLock>();
//! ```

mod array;
mod array_write;
mod error;
mod reader;
mod ring;
mod rwlock;
mod segments;
mod stats;
mod timeout;
mod writer;

pub use array::{array_header, ArrayRef, Bool, DType, Element, BF16, F16, MAX_NDIM, MAX_USER_BYTES};
pub use array_write::ArrayReservation;
pub use error::{Error, Result};
pub use reader::{Messages, Peek, Reader};
pub use ring::{Ring, RingOptions};
pub use rwlock::{LockState, ReadGuard, RwLock, WriteGuard};
pub use segments::{inspect, remove_stale, Inspection, Role, SegmentKind, REPLACE_STALE};
pub use stats::{ReaderKind, ReaderStats, Stats, WriterStats};
pub use writer::{Reservation, Writer};

/// Version of the loaded C library: `(major << 16) | (minor << 8) | patch`.
pub fn version() -> u32 {
    // SAFETY: no arguments, no state.
    unsafe { shmring_sys::shmring_version() }
}

/// The shared-memory layout version this library writes and accepts.
pub const LAYOUT_VERSION: u32 = shmring_sys::SHMRING_LAYOUT_VERSION;
