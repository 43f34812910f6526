//! `Ring`: a named or anonymous segment this process has attached, and
//! `RingOptions`, the creation settings.

use std::ffi::{CStr, CString};
use std::ptr::{self, NonNull};
use std::sync::Arc;
use std::time::Duration;

use shmring_sys as sys;

use crate::error::{check, Error, Result};
use crate::reader::Reader;
use crate::stats::Stats;
use crate::timeout::until_done;
use crate::writer::Writer;

/// The C ring handle; closed when the last `Ring`, `Writer` or `Reader`
/// using it is dropped (the C API wants writers and readers closed first).
pub(crate) struct RingHandle(NonNull<sys::shmring_ring_t>);

// SAFETY: the C ring handle is written only by create/open (c/src/segment.c)
// and is read-only afterwards (a validated private copy of the header and
// pointers into the mapping); everything shared is in the segment, behind
// atomics. c/tests/stress_threads.c shares one ring handle among threads.
unsafe impl Send for RingHandle {}
// SAFETY: as above; no C call mutates the process-local ring struct.
unsafe impl Sync for RingHandle {}

impl RingHandle {
    pub(crate) fn as_ptr(&self) -> *mut sys::shmring_ring_t {
        self.0.as_ptr()
    }
}

impl Drop for RingHandle {
    fn drop(&mut self) {
        // SAFETY: every writer and reader holds an Arc to this handle, so
        // all of them are closed by now.
        unsafe { sys::shmring_close(self.0.as_ptr()) };
    }
}

/// A shmring ring attached to this process. Cloning is cheap and shares the
/// attachment; the segment is detached when the last clone and the last
/// writer and reader made from it are dropped. `Ring` is `Send` and `Sync`.
///
/// ```
/// use shmring::Ring;
/// let ring = Ring::create_anonymous(64, 8)?;
/// let mut reader = ring.reader()?;
/// let mut writer = ring.writer()?;
/// writer.write(b"hello", None)?;
/// let mut buf = [0u8; 64];
/// let n = reader.read(&mut buf, None)?;
/// assert_eq!(&buf[..n], b"hello");
/// # Ok::<(), shmring::Error>(())
/// ```
#[derive(Clone)]
pub struct Ring {
    handle: Arc<RingHandle>,
}

/// A ring or lock name as a C string, once the core has checked all of its
/// bytes: a C string ends at an embedded NUL and would name another segment.
pub(crate) fn c_name(name: &str) -> Result<CString> {
    // SAFETY: the pointer and length describe `name`'s bytes, which the core
    // only reads, during the call.
    check(unsafe { sys::shmring_name_check(name.as_ptr().cast(), name.len() as u64) })?;
    Ok(CString::new(name).expect("shmring_name_check refuses NUL bytes"))
}

/// A group name as a C string: a NUL byte would end it and join another group.
pub(crate) fn c_group(group: &str) -> Result<CString> {
    CString::new(group).map_err(|_| Error::Invalid(format!("group name {group:?} contains a NUL byte")))
}

impl Ring {
    /// Creates a named ring ("/name", visible under /dev/shm) with default
    /// options: `slot_count` slots (1..=2^31: writers find the ring full at
    /// exactly that many unread messages) of `slot_bytes` bytes.
    /// Fails with [`Error::Exists`] if the name is taken.
    pub fn create(name: &str, slot_bytes: u64, slot_count: u64) -> Result<Ring> {
        RingOptions::new().create(Some(name), slot_bytes, slot_count)
    }

    /// Creates an anonymous ring (inherited across `fork()`).
    pub fn create_anonymous(slot_bytes: u64, slot_count: u64) -> Result<Ring> {
        RingOptions::new().create(None, slot_bytes, slot_count)
    }

    /// Attaches to a named ring made by any process in any language,
    /// waiting up to `timeout` (None: forever) for one that does not exist
    /// yet (woken by its creation) or is still being created:
    /// [`Error::NotFound`] after the timeout, saying how long it waited;
    /// a zero timeout answers at once.
    pub fn open(name: &str, timeout: Option<Duration>) -> Result<Ring> {
        let name = c_name(name)?;
        let mut raw = ptr::null_mut();
        // SAFETY: name is NUL-terminated; raw receives the handle.
        check(until_done(timeout, |deadline| unsafe {
            sys::shmring_open_until(name.as_ptr(), deadline, ptr::null_mut(), &mut raw)
        }))?;
        Ok(Ring::from_raw(raw))
    }

    /// Removes a name; processes attached keep their mapping.
    pub fn unlink(name: &str) -> Result<()> {
        let name = c_name(name)?;
        // SAFETY: name is NUL-terminated.
        check(unsafe { sys::shmring_unlink(name.as_ptr()) })
    }

    fn from_raw(raw: *mut sys::shmring_ring_t) -> Ring {
        let raw = NonNull::new(raw).expect("shmring returned OK with a NULL ring");
        Ring { handle: Arc::new(RingHandle(raw)) }
    }

    fn raw(&self) -> *mut sys::shmring_ring_t {
        self.handle.as_ptr()
    }

    /// Joins as a writer.
    pub fn writer(&self) -> Result<Writer> {
        Writer::open(self.handle.clone())
    }

    /// Joins as a broadcast reader: sees every message; writers wait for it.
    pub fn reader(&self) -> Result<Reader> {
        Reader::open(self.handle.clone(), None, 0)
    }

    /// Joins group `group` (1..31 bytes): each message goes to one member.
    pub fn group_reader(&self, group: &str) -> Result<Reader> {
        Reader::open(self.handle.clone(), Some(&c_group(group)?), 0)
    }

    /// Joins as a lossy reader: never holds writers back; when lapped it
    /// skips to the oldest message still in the ring.
    pub fn lossy_reader(&self) -> Result<Reader> {
        Reader::open(self.handle.clone(), None, sys::SHMRING_READER_LOSSY)
    }

    /// Ends the stream: writers get [`Error::Closed`], readers drain what
    /// was written and then get [`Error::Closed`].
    pub fn close_stream(&self) -> Result<()> {
        // SAFETY: the handle is valid while self lives.
        check(unsafe { sys::shmring_close_stream(self.raw()) })
    }

    /// Waits until at least `n` readers have joined the ring (any process's,
    /// any kind; with `group`: members of that group), woken by each join.
    /// [`Error::Timeout`] after `timeout` (None: forever), saying how many
    /// had joined. A producer that starts first calls it before writing, so
    /// that no message goes to nobody.
    pub fn wait_for_readers(&self, n: u32, group: Option<&str>, timeout: Option<Duration>) -> Result<()> {
        let group = group.map(CString::new).transpose().map_err(|_| Error::Invalid("group name has a NUL byte".into()))?;
        let group_ptr = group.as_ref().map_or(ptr::null(), |g| g.as_ptr());
        // SAFETY: the handle is valid while self lives; group is NULL or
        // NUL-terminated.
        check(until_done(timeout, |deadline| unsafe {
            sys::shmring_wait_for_readers_until(self.raw(), n, group_ptr, deadline)
        }))
    }

    /// Moves every reader and group to the newest message.
    pub fn skip_all_to_latest(&self) -> Result<()> {
        // SAFETY: the handle is valid while self lives.
        check(unsafe { sys::shmring_skip_all_to_latest(self.raw()) })
    }

    /// A snapshot of every counter of the ring, its writers and readers.
    pub fn stats(&self) -> Result<Stats> {
        Stats::read(self.raw())
    }

    /// The name, or None for an anonymous ring.
    pub fn name(&self) -> Option<String> {
        // SAFETY: the name is NULL or NUL-terminated, owned by the handle.
        let name = unsafe { sys::shmring_name(self.raw()) };
        (!name.is_null()).then(|| unsafe { CStr::from_ptr(name) }.to_string_lossy().into_owned())
    }

    /// Largest message, in bytes.
    pub fn slot_bytes(&self) -> u64 {
        // SAFETY (all getters): the handle is valid while self lives.
        unsafe { sys::shmring_slot_bytes(self.raw()) }
    }
    /// Number of slots, as created: writers are full at this many unread
    /// messages.
    pub fn slot_count(&self) -> u64 {
        unsafe { sys::shmring_slot_count(self.raw()) }
    }
    /// Size of the writer table.
    pub fn max_writers(&self) -> u32 {
        unsafe { sys::shmring_max_writers(self.raw()) }
    }
    /// Size of the reader table.
    pub fn max_readers(&self) -> u32 {
        unsafe { sys::shmring_max_readers(self.raw()) }
    }
    /// Size of the group table.
    pub fn max_groups(&self) -> u32 {
        unsafe { sys::shmring_max_groups(self.raw()) }
    }
    /// Layout version of the segment (docs/layout.md).
    pub fn layout_version(&self) -> u32 {
        unsafe { sys::shmring_layout_version(self.raw()) }
    }
    /// Total bytes of the segment.
    pub fn segment_bytes(&self) -> u64 {
        unsafe { sys::shmring_segment_bytes(self.raw()) }
    }
    /// True once the stream has ended.
    pub fn is_closed(&self) -> bool {
        unsafe { sys::shmring_is_closed(self.raw()) != 0 }
    }
    /// Next sequence number a writer will claim.
    pub fn next_sequence(&self) -> u64 {
        unsafe { sys::shmring_next_sequence(self.raw()) }
    }
}

/// Creation settings; unset ones keep the C defaults (64 writers, 128
/// readers, 32 groups, mode 0600, close on last writer, first sequence 0).
///
/// ```
/// let ring = shmring::RingOptions::new().max_readers(4).create(None, 128, 16)?;
/// assert_eq!(ring.max_readers(), 4);
/// # Ok::<(), shmring::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct RingOptions {
    max_writers: Option<u32>,
    max_readers: Option<u32>,
    max_groups: Option<u32>,
    mode: Option<u32>,
    close_on_last_writer: Option<bool>,
    initial_sequence: Option<u64>,
    replace_stale: Option<bool>,
}

impl RingOptions {
    /// The C defaults.
    pub fn new() -> RingOptions {
        RingOptions::default()
    }
    /// Size of the writer table.
    pub fn max_writers(mut self, n: u32) -> Self {
        self.max_writers = Some(n);
        self
    }
    /// Size of the reader table.
    pub fn max_readers(mut self, n: u32) -> Self {
        self.max_readers = Some(n);
        self
    }
    /// Size of the group table.
    pub fn max_groups(mut self, n: u32) -> Self {
        self.max_groups = Some(n);
        self
    }
    /// Permission bits of a named segment (e.g. 0o600, 0o660).
    pub fn mode(mut self, mode: u32) -> Self {
        self.mode = Some(mode);
        self
    }
    /// true (default): the stream ends once every writer that joined has
    /// closed; false: only at [`Ring::close_stream`].
    pub fn close_on_last_writer(mut self, enabled: bool) -> Self {
        self.close_on_last_writer = Some(enabled);
        self
    }
    /// First sequence number (for tests of counter wrap-around).
    pub fn initial_sequence(mut self, sequence: u64) -> Self {
        self.initial_sequence = Some(sequence);
        self
    }

    /// true: if the name is taken by a stale segment (every process
    /// recorded in it is dead, e.g. a crashed run's), remove it and create
    /// the ring in its place. A live one is never removed: the create fails
    /// with [`crate::Error::Exists`] naming its live pids (see
    /// [`crate::inspect`]).
    ///
    ///
    /// ```
    /// let name = format!("/shmring-rs-doc-replace-{}", std::process::id());
    /// // A rerun after a crash takes the name of the crashed run's ring.
    /// let ring = shmring::RingOptions::new().replace_stale(true).create(Some(&name), 64, 8)?;
    /// // This process (its creator) is alive: the ring is not stale.
    /// let again = shmring::RingOptions::new().replace_stale(true).create(Some(&name), 64, 8);
    /// assert!(matches!(again, Err(shmring::Error::Exists(_))));
    /// drop(ring);
    /// shmring::Ring::unlink(&name)?;
    /// # Ok::<(), shmring::Error>(())
    /// ```
    pub fn replace_stale(mut self, enabled: bool) -> Self {
        self.replace_stale = Some(enabled);
        self
    }

    /// Creates a ring: named ("/name") or anonymous (`None`).
    pub fn create(&self, name: Option<&str>, slot_bytes: u64, slot_count: u64) -> Result<Ring> {
        let name = name.map(c_name).transpose()?;
        let options = COptions::new()?;
        self.apply(&options)?;
        let mut raw = ptr::null_mut();
        let name_ptr = name.as_ref().map_or(ptr::null(), |n| n.as_ptr());
        // SAFETY: name_ptr is NULL or NUL-terminated; options is valid.
        check(unsafe { sys::shmring_create(name_ptr, slot_bytes, slot_count, options.0, &mut raw) })?;
        Ok(Ring::from_raw(raw))
    }

    fn apply(&self, options: &COptions) -> Result<()> {
        let o = options.0;
        // SAFETY (every call): o is a live options object.
        if let Some(n) = self.max_writers {
            check(unsafe { sys::shmring_options_set_max_writers(o, n) })?;
        }
        if let Some(n) = self.max_readers {
            check(unsafe { sys::shmring_options_set_max_readers(o, n) })?;
        }
        if let Some(n) = self.max_groups {
            check(unsafe { sys::shmring_options_set_max_groups(o, n) })?;
        }
        if let Some(mode) = self.mode {
            check(unsafe { sys::shmring_options_set_mode(o, mode) })?;
        }
        if let Some(enabled) = self.close_on_last_writer {
            check(unsafe { sys::shmring_options_set_close_on_last_writer(o, u32::from(enabled)) })?;
        }
        if let Some(sequence) = self.initial_sequence {
            check(unsafe { sys::shmring_options_set_initial_sequence(o, sequence) })?;
        }
        if let Some(enabled) = self.replace_stale {
            check(unsafe { sys::shmring_options_set_replace_stale(o, u32::from(enabled)) })?;
        }
        Ok(())
    }
}

/// A C options object, destroyed on drop.
struct COptions(*mut sys::shmring_options_t);

impl COptions {
    fn new() -> Result<COptions> {
        let mut raw = ptr::null_mut();
        // SAFETY: raw receives a new options object.
        check(unsafe { sys::shmring_options_create(&mut raw) })?;
        Ok(COptions(raw))
    }
}

impl Drop for COptions {
    fn drop(&mut self) {
        // SAFETY: created by shmring_options_create, destroyed once.
        unsafe { sys::shmring_options_destroy(self.0) }
    }
}
