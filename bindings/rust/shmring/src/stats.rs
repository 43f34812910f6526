//! `Stats`: a plain snapshot of `shmring_stats_*` (ring, writers, readers).

use std::ffi::CStr;
use std::ptr;

use shmring_sys as sys;

use crate::error::{check, Result};

/// Which kind of reader a [`ReaderStats`] describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReaderKind {
    /// Sees every message.
    Broadcast,
    /// Member of a group (each message to one member).
    GroupMember,
    /// Never holds writers back.
    Lossy,
    /// A kind this crate does not know (a newer C library).
    Unknown(u64),
}

/// One writer's counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriterStats {
    pub pid: u64,
    pub alive: bool,
    pub messages: u64,
    pub waits: u64,
    pub bytes: u64,
    pub aborted: u64,
}

/// One reader's counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderStats {
    pub pid: u64,
    pub alive: bool,
    pub kind: ReaderKind,
    /// The group's name, for a group member.
    pub group: Option<String>,
    pub messages: u64,
    pub waits: u64,
    /// Where the next read starts (a member: its group's), a skip of
    /// [`Ring::skip_all_to_latest`](crate::Ring::skip_all_to_latest) included.
    pub position: u64,
    pub lag: u64,
    pub missed: u64,
    pub redelivered: u64,
}

/// A snapshot of a ring's counters (see `shmring_stats_read`: each value is
/// current when read; the snapshot is not one atomic picture).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stats {
    pub next_sequence: u64,
    pub closed: bool,
    /// Writer entries in use (a count, as in every binding: docs/api-map.md).
    pub writers: u64,
    /// Reader entries in use.
    pub readers: u64,
    pub writers_joined: u64,
    pub writers_reaped: u64,
    pub readers_reaped: u64,
    pub slots_abandoned: u64,
    /// Every writer's entry.
    pub writer_stats: Vec<WriterStats>,
    /// Every reader's entry.
    pub reader_stats: Vec<ReaderStats>,
    /// The count `writers` under its old name.
    #[deprecated(since = "0.1.1", note = "use `writers` (docs/api-map.md); removed in 0.2")]
    pub writers_active: u64,
    /// The count `readers` under its old name.
    #[deprecated(since = "0.1.1", note = "use `readers` (docs/api-map.md); removed in 0.2")]
    pub readers_active: u64,
}

/// A C snapshot, freed on drop.
struct Snapshot(*mut sys::shmring_stats_t);

impl Drop for Snapshot {
    fn drop(&mut self) {
        // SAFETY: made by shmring_stats_read, freed once.
        unsafe { sys::shmring_stats_free(self.0) }
    }
}

impl Snapshot {
    fn ring(&self, field: u32) -> Result<u64> {
        let mut value = 0;
        // SAFETY: the snapshot is live.
        check(unsafe { sys::shmring_stats_ring(self.0, field, &mut value) })?;
        Ok(value)
    }

    fn writer(&self, index: u32, field: u32) -> Result<u64> {
        let mut value = 0;
        // SAFETY: the snapshot is live.
        check(unsafe { sys::shmring_stats_writer(self.0, index, field, &mut value) })?;
        Ok(value)
    }

    fn reader(&self, index: u32, field: u32) -> Result<u64> {
        let mut value = 0;
        // SAFETY: the snapshot is live.
        check(unsafe { sys::shmring_stats_reader(self.0, index, field, &mut value) })?;
        Ok(value)
    }

    fn writer_stats(&self, i: u32) -> Result<WriterStats> {
        Ok(WriterStats {
            pid: self.writer(i, sys::SHMRING_STAT_PID)?,
            alive: self.writer(i, sys::SHMRING_STAT_ALIVE)? != 0,
            messages: self.writer(i, sys::SHMRING_STAT_MESSAGES)?,
            waits: self.writer(i, sys::SHMRING_STAT_WAITS)?,
            bytes: self.writer(i, sys::SHMRING_STAT_BYTES)?,
            aborted: self.writer(i, sys::SHMRING_STAT_ABORTED)?,
        })
    }

    fn reader_stats(&self, i: u32) -> Result<ReaderStats> {
        // SAFETY: the snapshot is live; the name (if any) lives as long.
        let group = unsafe { sys::shmring_stats_reader_group(self.0, i) };
        let group = (!group.is_null()).then(|| unsafe { CStr::from_ptr(group) }.to_string_lossy().into_owned());
        Ok(ReaderStats {
            pid: self.reader(i, sys::SHMRING_STAT_PID)?,
            alive: self.reader(i, sys::SHMRING_STAT_ALIVE)? != 0,
            kind: match self.reader(i, sys::SHMRING_STAT_KIND)? {
                k if k == u64::from(sys::SHMRING_KIND_BROADCAST) => ReaderKind::Broadcast,
                k if k == u64::from(sys::SHMRING_KIND_GROUP_MEMBER) => ReaderKind::GroupMember,
                k if k == u64::from(sys::SHMRING_KIND_LOSSY) => ReaderKind::Lossy,
                k => ReaderKind::Unknown(k),
            },
            group,
            messages: self.reader(i, sys::SHMRING_STAT_MESSAGES)?,
            waits: self.reader(i, sys::SHMRING_STAT_WAITS)?,
            position: self.reader(i, sys::SHMRING_STAT_POSITION)?,
            lag: self.reader(i, sys::SHMRING_STAT_LAG)?,
            missed: self.reader(i, sys::SHMRING_STAT_MISSED)?,
            redelivered: self.reader(i, sys::SHMRING_STAT_REDELIVERED)?,
        })
    }
}

impl Stats {
    pub(crate) fn read(ring: *const sys::shmring_ring_t) -> Result<Stats> {
        let mut raw = ptr::null_mut();
        // SAFETY: the caller passes a live ring handle.
        check(unsafe { sys::shmring_stats_read(ring, &mut raw) })?;
        let snap = Snapshot(raw);
        // SAFETY: the snapshot is live.
        let (writer_count, reader_count) =
            unsafe { (sys::shmring_stats_writer_count(snap.0), sys::shmring_stats_reader_count(snap.0)) };
        let (writers, readers) = (snap.ring(sys::SHMRING_STAT_WRITERS)?, snap.ring(sys::SHMRING_STAT_READERS)?);
        #[allow(deprecated)] // fills the old names too, for one release
        Ok(Stats {
            next_sequence: snap.ring(sys::SHMRING_STAT_NEXT_SEQUENCE)?,
            closed: snap.ring(sys::SHMRING_STAT_CLOSED)? != 0,
            writers,
            readers,
            writers_joined: snap.ring(sys::SHMRING_STAT_WRITERS_JOINED)?,
            writers_reaped: snap.ring(sys::SHMRING_STAT_WRITERS_REAPED)?,
            readers_reaped: snap.ring(sys::SHMRING_STAT_READERS_REAPED)?,
            slots_abandoned: snap.ring(sys::SHMRING_STAT_SLOTS_ABANDONED)?,
            writer_stats: (0..writer_count).map(|i| snap.writer_stats(i)).collect::<Result<_>>()?,
            reader_stats: (0..reader_count).map(|i| snap.reader_stats(i)).collect::<Result<_>>()?,
            writers_active: writers,
            readers_active: readers,
        })
    }
}
