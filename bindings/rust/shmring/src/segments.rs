//! Named segments: what one is and who uses it ([`inspect`]), and removing
//! it only when it is stale ([`remove_stale`]): `shmring_inspect` and
//! `shmring_remove_stale` of the C core, which every binding shares.
//!
//! ```
//! let name = format!("/shmring-rs-doc-inspect-{}", std::process::id());
//! let ring = shmring::RingOptions::new().replace_stale(true).create(Some(&name), 64, 8)?;
//! let info = shmring::inspect(&name)?;
//! assert_eq!(info.kind, shmring::SegmentKind::Ring);
//! assert!(!info.stale); // this process, its creator, is alive
//! assert!(matches!(shmring::remove_stale(&name), Err(shmring::Error::Exists(_))));
//! drop(ring);
//! shmring::Ring::unlink(&name)?;
//! # Ok::<(), shmring::Error>(())
//! ```

use std::ffi::CStr;
use std::ptr;

use shmring_sys as sys;

use crate::error::{check, Result};
use crate::ring::c_name;

/// What a named segment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegmentKind {
    /// A ring of this layout version.
    Ring,
    /// A readers-writer lock.
    RwLock,
    /// Its creator is filling it in right now.
    Initializing,
    /// Its creator died before it was ready (stale).
    Abandoned,
    /// A shmring segment of another layout version or byte order.
    OtherVersion,
    /// A shmring segment, damaged.
    Corrupt,
    /// Not a shmring segment.
    Foreign,
    /// No header and nobody creating it (stale if it was meant to be one).
    Empty,
    /// A kind this crate does not know (a newer C library).
    Unknown(u64),
}

/// The role in which a live process is recorded in a segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Creator,
    Writer,
    /// A broadcast, group member or lossy reader.
    Reader,
    /// Holds the registry lock (joining or leaving).
    Joining,
    /// Has the lock open.
    Holder,
    Unknown(u32),
}

/// What [`inspect`] found; 0 where a field does not apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspection {
    pub kind: SegmentKind,
    /// Nobody recorded in it is alive.
    pub stale: bool,
    pub segment_bytes: u64,
    pub layout_version: u64,
    pub slot_bytes: u64,
    pub slot_count: u64,
    pub max_writers: u64,
    pub max_readers: u64,
    pub max_groups: u64,
    pub max_holders: u64,
    pub live_writers: u64,
    pub live_readers: u64,
    pub live_holders: u64,
    /// Entries of processes that are gone.
    pub dead_entries: u64,
    pub creator_pid: u64,
    pub creator_alive: bool,
    /// The live processes, (pid, role).
    pub live: Vec<(u32, Role)>,
    /// One line: what it is, and why it is (not) stale.
    pub summary: String,
}

/// A C inspection, freed on drop.
struct CInspection(*mut sys::shmring_inspection_t);

impl Drop for CInspection {
    fn drop(&mut self) {
        // SAFETY: made by shmring_inspect, freed once.
        unsafe { sys::shmring_inspection_free(self.0) }
    }
}

impl CInspection {
    fn get(&self, field: u32) -> Result<u64> {
        let mut value = 0;
        // SAFETY: a live inspection; value is a valid out-pointer.
        check(unsafe { sys::shmring_inspection_get(self.0, field, &mut value) })?;
        Ok(value)
    }
}

fn kind_of(kind: u64) -> SegmentKind {
    match u32::try_from(kind).unwrap_or(0) {
        sys::SHMRING_SEGMENT_RING => SegmentKind::Ring,
        sys::SHMRING_SEGMENT_RWLOCK => SegmentKind::RwLock,
        sys::SHMRING_SEGMENT_INITIALIZING => SegmentKind::Initializing,
        sys::SHMRING_SEGMENT_ABANDONED => SegmentKind::Abandoned,
        sys::SHMRING_SEGMENT_OTHER_VERSION => SegmentKind::OtherVersion,
        sys::SHMRING_SEGMENT_CORRUPT => SegmentKind::Corrupt,
        sys::SHMRING_SEGMENT_FOREIGN => SegmentKind::Foreign,
        sys::SHMRING_SEGMENT_EMPTY => SegmentKind::Empty,
        _ => SegmentKind::Unknown(kind),
    }
}

fn role_of(role: u32) -> Role {
    match role {
        sys::SHMRING_ROLE_CREATOR => Role::Creator,
        sys::SHMRING_ROLE_WRITER => Role::Writer,
        sys::SHMRING_ROLE_READER => Role::Reader,
        sys::SHMRING_ROLE_JOINING => Role::Joining,
        sys::SHMRING_ROLE_HOLDER => Role::Holder,
        other => Role::Unknown(other),
    }
}

/// Inspects the named segment without joining it: its kind, geometry and
/// the processes recorded in it, each checked for life (pid + start time).
/// [`crate::Error::NotFound`] if there is no such name.
pub fn inspect(name: &str) -> Result<Inspection> {
    let name = c_name(name)?;
    let mut raw = ptr::null_mut();
    // SAFETY: name is NUL-terminated; raw receives the inspection.
    check(unsafe { sys::shmring_inspect(name.as_ptr(), &mut raw) })?;
    let c = CInspection(raw);
    let mut live = Vec::new();
    // SAFETY: a live inspection.
    for i in 0..unsafe { sys::shmring_inspection_live_count(c.0) } {
        let (mut pid, mut role) = (0, 0);
        // SAFETY: i is below the count; both out-pointers are valid.
        check(unsafe { sys::shmring_inspection_live(c.0, i, &mut pid, &mut role) })?;
        live.push((pid, role_of(role)));
    }
    // SAFETY: a NUL-terminated string valid until the inspection is freed.
    let summary = unsafe { CStr::from_ptr(sys::shmring_inspection_summary(c.0)) };
    Ok(Inspection {
        kind: kind_of(c.get(sys::SHMRING_INSPECT_KIND)?),
        stale: c.get(sys::SHMRING_INSPECT_STALE)? != 0,
        segment_bytes: c.get(sys::SHMRING_INSPECT_SEGMENT_BYTES)?,
        layout_version: c.get(sys::SHMRING_INSPECT_LAYOUT_VERSION)?,
        slot_bytes: c.get(sys::SHMRING_INSPECT_SLOT_BYTES)?,
        slot_count: c.get(sys::SHMRING_INSPECT_SLOT_COUNT)?,
        max_writers: c.get(sys::SHMRING_INSPECT_MAX_WRITERS)?,
        max_readers: c.get(sys::SHMRING_INSPECT_MAX_READERS)?,
        max_groups: c.get(sys::SHMRING_INSPECT_MAX_GROUPS)?,
        max_holders: c.get(sys::SHMRING_INSPECT_MAX_HOLDERS)?,
        live_writers: c.get(sys::SHMRING_INSPECT_LIVE_WRITERS)?,
        live_readers: c.get(sys::SHMRING_INSPECT_LIVE_READERS)?,
        live_holders: c.get(sys::SHMRING_INSPECT_LIVE_HOLDERS)?,
        dead_entries: c.get(sys::SHMRING_INSPECT_DEAD_ENTRIES)?,
        creator_pid: c.get(sys::SHMRING_INSPECT_CREATOR_PID)?,
        creator_alive: c.get(sys::SHMRING_INSPECT_CREATOR_ALIVE)? != 0,
        live,
        summary: summary.to_string_lossy().into_owned(),
    })
}

/// Removes the named segment only if it is stale (every process recorded
/// in it is dead). [`crate::Error::Exists`] names the live pids otherwise.
pub fn remove_stale(name: &str) -> Result<()> {
    let name = c_name(name)?;
    // SAFETY: name is NUL-terminated.
    check(unsafe { sys::shmring_remove_stale(name.as_ptr()) })
}

/// `mode` flag of [`crate::RwLock::create_with_mode`]: replace a stale lock
/// of that name, as [`crate::RingOptions::replace_stale`] does for rings.
pub const REPLACE_STALE: u32 = sys::SHMRING_REPLACE_STALE;
