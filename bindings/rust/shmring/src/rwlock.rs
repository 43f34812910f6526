//! `RwLock`: the process-shared readers-writer lock of the C core
//! (`shmring_rwlock_*`), with guards for shared and exclusive holds.

use std::ffi::CString;
use std::ptr::{self, NonNull};
use std::time::Duration;

use shmring_sys as sys;

use crate::error::{check, Result};
use crate::ring::c_name;
use crate::timeout::until_done;

/// A handle on a readers-writer lock shared by processes in any language
/// (the seed library's `ReadersWriterLock`). Each handle is one holder: its
/// shared holds nest (each [`ReadGuard`] is one), an exclusive hold is not
/// recursive, and a process that dies loses its holds about 100-250 ms after
/// someone waits for them. Writers are preferred: once one waits, new shared
/// holds wait behind it, except nested ones of a handle already holding it.
///
/// `Send`, not `Sync`: a handle is used by one thread at a time; another
/// thread takes a holder of its own with [`RwLock::dup`]. Dropping the
/// handle releases its holds (guards borrow it, so they are gone first).
///
/// ```
/// use std::time::Duration;
/// use shmring::{Error, RwLock};
///
/// let lock = RwLock::create_anonymous(0)?;
/// let other = lock.dup()?;
/// {
///     let _shared = lock.read(None)?;
///     let _nested = lock.read(Some(Duration::ZERO))?;   // nesting never waits
///     assert_eq!(lock.state()?.shared_holds, 2);
///     assert!(matches!(other.try_write(), Err(Error::Timeout(_))));
/// } // both shared holds released here
/// let _exclusive = other.write(Some(Duration::from_secs(1)))?;
/// assert!(lock.state()?.exclusive);
/// # Ok::<(), shmring::Error>(())
/// ```
pub struct RwLock {
    raw: NonNull<sys::shmring_rwlock_t>,
}

// SAFETY: a C lock handle may be used from any thread, one at a time (its
// holder identity is the process and the handle, not the thread); RwLock is
// not Sync, so no two threads reach the same handle at once.
unsafe impl Send for RwLock {}

/// What [`RwLock::state`] saw: a snapshot of the lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockState {
    /// Shared holds of every holder, nested ones each counted (the seed's
    /// `readers.value`).
    pub shared_holds: u32,
    /// Held exclusively (a writer still waiting for readers does not count).
    pub exclusive: bool,
    /// A writer waits in line for the shared holds to end (new shared holds
    /// wait behind it).
    pub writer_waiting: bool,
    /// Waits blocked on the lock now, over every holder and process (a
    /// blocked wait spins briefly between 50 ms slices, so a poll sees it
    /// within a slice).
    pub waiters: u32,
}

impl RwLock {
    /// Creates a named lock ("/name", as for rings) with mode 0600.
    /// `max_holders`: handles open at once, every process together (1..65536;
    /// 0 = 128). Fails with [`crate::Error::Exists`] if the name is taken.
    pub fn create(name: &str, max_holders: u32) -> Result<RwLock> {
        RwLock::create_with_mode(Some(name), max_holders, 0)
    }

    /// Creates an anonymous lock, shared with `fork()` children (which take
    /// a holder of their own with [`RwLock::dup`]).
    pub fn create_anonymous(max_holders: u32) -> Result<RwLock> {
        RwLock::create_with_mode(None, max_holders, 0)
    }

    /// [`RwLock::create`] with the segment's permission bits (0 = 0600),
    /// optionally `| shmring::REPLACE_STALE` (a stale lock of that name, every
    /// process recorded in it dead, is replaced); `name` None makes it
    /// anonymous.
    pub fn create_with_mode(name: Option<&str>, max_holders: u32, mode: u32) -> Result<RwLock> {
        let name: Option<CString> = name.map(c_name).transpose()?;
        let mut raw = ptr::null_mut();
        // SAFETY: name is NUL-terminated or NULL; raw receives the handle.
        check(unsafe {
            sys::shmring_rwlock_create(name.as_ref().map_or(ptr::null(), |n| n.as_ptr()), max_holders, mode, &mut raw)
        })?;
        Ok(RwLock::from_raw(raw))
    }

    /// Attaches to a named lock made by any process in any language,
    /// waiting up to `timeout` (None: forever) for one that does not exist
    /// yet or is still being created (as [`crate::Ring::open`]).
    /// A segment that is not a lock: [`crate::Error::Corrupt`] or
    /// [`crate::Error::Version`]. Remove the name with
    /// [`crate::Ring::unlink`] (one namespace for rings and locks).
    pub fn open(name: &str, timeout: Option<Duration>) -> Result<RwLock> {
        let name = c_name(name)?;
        let mut raw = ptr::null_mut();
        // SAFETY: name is NUL-terminated; raw receives the handle.
        check(until_done(timeout, |deadline| unsafe { sys::shmring_rwlock_open_until(name.as_ptr(), deadline, ptr::null_mut(), &mut raw) }))?;
        Ok(RwLock::from_raw(raw))
    }

    fn from_raw(raw: *mut sys::shmring_rwlock_t) -> RwLock {
        RwLock { raw: NonNull::new(raw).expect("shmring returned OK with a NULL lock") }
    }

    fn raw(&self) -> *mut sys::shmring_rwlock_t {
        self.raw.as_ptr()
    }

    /// A new handle on the same lock: another holder, e.g. for another
    /// thread. [`crate::Error::Limit`] if `max_holders` are open.
    pub fn dup(&self) -> Result<RwLock> {
        let mut raw = ptr::null_mut();
        // SAFETY: self's handle is live; raw receives the new one.
        check(unsafe { sys::shmring_rwlock_dup(self.raw(), &mut raw) })?;
        Ok(RwLock::from_raw(raw))
    }

    /// Releases this handle's holds and closes it, reporting a failure that
    /// dropping it would ignore.
    pub fn close(self) -> Result<()> {
        let raw = self.raw();
        std::mem::forget(self);
        // SAFETY: the handle is live and forgotten, so closed only here.
        check(unsafe { sys::shmring_rwlock_close(raw) })
    }

    /// A shared hold, waiting up to `timeout` (None: forever; zero: one
    /// attempt) while a writer holds the lock or waits for it.
    /// [`crate::Error::Timeout`] if busy that long;
    /// [`crate::Error::Invalid`] if this handle holds it exclusively. A
    /// handle holding it shared already gets a nested hold at once.
    pub fn read(&self, timeout: Option<Duration>) -> Result<ReadGuard<'_>> {
        // SAFETY: the handle is live; one thread uses it (not Sync).
        check(until_done(timeout, |deadline| unsafe { sys::shmring_rwlock_lock_shared_until(self.raw(), deadline) }))?;
        Ok(ReadGuard { lock: self })
    }

    /// A shared hold if it is free now, else [`crate::Error::Timeout`].
    pub fn try_read(&self) -> Result<ReadGuard<'_>> {
        // SAFETY: as read().
        check(unsafe { sys::shmring_rwlock_try_lock_shared(self.raw()) })?;
        Ok(ReadGuard { lock: self })
    }

    /// The exclusive hold, waiting up to `timeout` while anybody else holds
    /// the lock. [`crate::Error::Invalid`] if this handle holds it already,
    /// shared or exclusive (an upgrade would deadlock).
    pub fn write(&self, timeout: Option<Duration>) -> Result<WriteGuard<'_>> {
        // SAFETY: as read().
        check(until_done(timeout, |deadline| unsafe { sys::shmring_rwlock_lock_exclusive_until(self.raw(), deadline) }))?;
        Ok(WriteGuard { lock: self })
    }

    /// The exclusive hold if it is free now, else [`crate::Error::Timeout`].
    pub fn try_write(&self) -> Result<WriteGuard<'_>> {
        // SAFETY: as read().
        check(unsafe { sys::shmring_rwlock_try_lock_exclusive(self.raw()) })?;
        Ok(WriteGuard { lock: self })
    }

    /// The seed's `wait_for_write()`: lends this handle's shared hold (all
    /// its nesting) to a writer, waits until a writer's exclusive hold has
    /// ended (one that began before the call counts), and takes the shared
    /// hold back before returning, whatever the outcome.
    /// [`crate::Error::Timeout`] if no writer had its turn within `timeout`;
    /// [`crate::Error::Invalid`] without a shared hold.
    pub fn wait_for_exclusive(&self, timeout: Option<Duration>) -> Result<()> {
        // SAFETY: as read(). An EINTERRUPTED return has the hold back, so
        // the retry calls it again with the time left.
        check(until_done(timeout, |deadline| unsafe { sys::shmring_rwlock_wait_for_exclusive_until(self.raw(), deadline) }))
    }

    /// A snapshot of every holder's holds and of who waits (what a test
    /// polls to order events by state instead of by sleeping).
    pub fn state(&self) -> Result<LockState> {
        let (mut shared, mut exclusive, mut waiting, mut waiters) = (0u32, 0u32, 0u32, 0u32);
        // SAFETY: the handle is live; all pointers are valid.
        check(unsafe { sys::shmring_rwlock_state(self.raw(), &mut shared, &mut exclusive) })?;
        // SAFETY: as above.
        check(unsafe { sys::shmring_rwlock_waiting(self.raw(), &mut waiting, &mut waiters) })?;
        Ok(LockState { shared_holds: shared, exclusive: exclusive != 0, writer_waiting: waiting != 0, waiters })
    }
}

impl Drop for RwLock {
    fn drop(&mut self) {
        // SAFETY: the handle is live and closed only here (close() forgets).
        unsafe { sys::shmring_rwlock_close(self.raw()) };
    }
}

/// One shared hold of an [`RwLock`] handle, released when dropped.
#[must_use = "the shared hold is released when the guard is dropped"]
pub struct ReadGuard<'a> {
    lock: &'a RwLock,
}

impl Drop for ReadGuard<'_> {
    fn drop(&mut self) {
        // SAFETY: this guard is one of the handle's shared holds.
        unsafe { sys::shmring_rwlock_unlock_shared(self.lock.raw()) };
    }
}

/// The exclusive hold of an [`RwLock`] handle, released when dropped.
#[must_use = "the exclusive hold is released when the guard is dropped"]
pub struct WriteGuard<'a> {
    lock: &'a RwLock,
}

impl Drop for WriteGuard<'_> {
    fn drop(&mut self) {
        // SAFETY: this guard is the handle's exclusive hold.
        unsafe { sys::shmring_rwlock_unlock_exclusive(self.lock.raw()) };
    }
}
