/*
 * shmring.h -- the whole public contract of shmring.
 *
 * A multiple-writer, multiple-reader ring of fixed-size slots in shared
 * memory. Processes in any language attach to the same segment by name; the
 * segment layout is documented in docs/layout.md.
 *
 * Conventions
 *   - Every handle is opaque; every integer argument has a fixed width.
 *   - Every call that can fail returns an int status: SHMRING_OK (0) or a
 *     negative SHMRING_E* code. shmring_strerror() names a code;
 *     shmring_last_error() gives this thread's detail for the last failure.
 *   - Timeouts are int64_t nanoseconds: 0 = try once, negative = wait
 *     forever, positive = wait at most that long. A wait interrupted by a
 *     signal handler (with or without SA_RESTART) returns
 *     SHMRING_EINTERRUPTED; the caller may retry with the time that is left.
 *   - Handles are per process and per thread: do not share one writer or
 *     reader between threads without a lock, and open new handles after
 *     fork() (the ring handle itself survives fork()).
 */
#ifndef SHMRING_H
#define SHMRING_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SHMRING_VERSION_MAJOR 0
#define SHMRING_VERSION_MINOR 1
#define SHMRING_VERSION_PATCH 0
/* (major << 16) | (minor << 8) | patch, as returned by shmring_version(). */
#define SHMRING_VERSION                                               \
    ((SHMRING_VERSION_MAJOR << 16) | (SHMRING_VERSION_MINOR << 8) |  \
     SHMRING_VERSION_PATCH)
/* The shared-memory layout version this library writes and accepts. */
#define SHMRING_LAYOUT_VERSION 1

/* Status codes. */
#define SHMRING_OK 0
#define SHMRING_EFULL (-1)         /* no free slot (non-blocking write)    */
#define SHMRING_EEMPTY (-2)        /* no message (non-blocking read)       */
#define SHMRING_ETIMEOUT (-3)      /* the wait's deadline passed           */
#define SHMRING_ECLOSED (-4)       /* end of stream, or the handle is shut */
#define SHMRING_ETOO_LARGE (-5)    /* message larger than slot or buffer   */
#define SHMRING_EINTERRUPTED (-6)  /* a signal handler ran during a wait   */
#define SHMRING_ECORRUPT (-7)      /* not a valid shmring segment          */
#define SHMRING_EVERSION (-8)      /* layout version or ABI mismatch       */
#define SHMRING_ENOSPACE (-9)      /* shared memory exhausted at create    */
#define SHMRING_EEXISTS (-10)      /* a segment of that name exists        */
#define SHMRING_ENOT_FOUND (-11)   /* no segment of that name              */
#define SHMRING_EPERMISSION (-12)  /* the OS refused access                */
#define SHMRING_EINVALID (-13)     /* bad argument or call out of order    */
#define SHMRING_ELIMIT (-14)       /* participant or group table is full   */
#define SHMRING_ELAPPED (-15)      /* a lossy reader's view was overwritten*/
#define SHMRING_ENOMEM (-16)       /* process-local allocation failed      */
#define SHMRING_ESYSTEM (-17)      /* unexpected OS error; see last_error  */

/* Reader flags for shmring_reader_open(). */
#define SHMRING_READER_LOSSY 1u /* never holds writers back; may skip */

/* Opaque handles. */
typedef struct shmring_ring shmring_ring_t;
typedef struct shmring_writer shmring_writer_t;
typedef struct shmring_reader shmring_reader_t;
typedef struct shmring_options shmring_options_t;
typedef struct shmring_rwlock shmring_rwlock_t;

/* ---- Library ------------------------------------------------------------ */

/* SHMRING_VERSION of the loaded library. */
uint32_t shmring_version(void);
/* Static text naming a status code. Never NULL. */
const char *shmring_strerror(int status);
/* This thread's detail message for its last failed call. Never NULL. */
const char *shmring_last_error(void);

/* ---- Ring options (creation only; may grow in later versions) --------- */

/* Defaults: 64 writers, 128 readers, 32 groups, mode 0600, close the stream
 * when the last writer that joined leaves, first sequence 0. */
int shmring_options_create(shmring_options_t **options_out);
void shmring_options_destroy(shmring_options_t *options);
int shmring_options_set_max_writers(shmring_options_t *options, uint32_t n);
int shmring_options_set_max_readers(shmring_options_t *options, uint32_t n);
int shmring_options_set_max_groups(shmring_options_t *options, uint32_t n);
/* Permission bits of a named segment (e.g. 0600, 0660). */
int shmring_options_set_mode(shmring_options_t *options, uint32_t mode);
/* 1 (default): the stream ends once every writer that joined has closed.
 * 0: the stream ends only at shmring_close_stream(). */
int shmring_options_set_close_on_last_writer(shmring_options_t *options,
                                             uint32_t enabled);
/* First sequence number (default 0); for tests of counter wrap-around. */
int shmring_options_set_initial_sequence(shmring_options_t *options,
                                         uint64_t sequence);

/* ---- Rings ------------------------------------------------------------ */

/* Create a ring. name: "/name" style POSIX shared-memory name (visible
 * under /dev/shm), or NULL for an anonymous ring inherited across fork().
 * slot_bytes: largest message (1 .. 2^32-1); slot_count: number of slots,
 * a power of two (2 .. 2^31). options may be NULL. The memory is reserved now: a full
 * /dev/shm fails here with SHMRING_ENOSPACE, never later.
 * Fails with SHMRING_EEXISTS if the name is taken. */
int shmring_create(const char *name, uint64_t slot_bytes, uint64_t slot_count,
                   const shmring_options_t *options,
                   shmring_ring_t **ring_out);
/* Attach to a named ring made by any process, in any language. Waits up to
 * timeout_ns for a ring still being created. */
int shmring_open(const char *name, int64_t timeout_ns,
                 shmring_ring_t **ring_out);
/* Detach this process (the name and the stream stay). Close every writer
 * and reader of the ring first. */
int shmring_close(shmring_ring_t *ring);
/* Remove a name; processes attached keep their mapping. */
int shmring_unlink(const char *name);
/* End the stream now: writers get SHMRING_ECLOSED, readers drain what was
 * written and then get SHMRING_ECLOSED. */
int shmring_close_stream(shmring_ring_t *ring);
/* Move every reader and group to the newest message (the seed library's
 * force_reader_sync): writers stop waiting for them at once, except for a
 * reader in the middle of a read or holding a peek, until it finishes.
 * Readers count what they pass over in shmring_reader_missed(). */
int shmring_skip_all_to_latest(shmring_ring_t *ring);

/* Geometry and identity. The name is NULL for an anonymous ring. */
const char *shmring_name(const shmring_ring_t *ring);
uint64_t shmring_slot_bytes(const shmring_ring_t *ring);
uint64_t shmring_slot_count(const shmring_ring_t *ring);
uint32_t shmring_max_writers(const shmring_ring_t *ring);
uint32_t shmring_max_readers(const shmring_ring_t *ring);
uint32_t shmring_max_groups(const shmring_ring_t *ring);
uint32_t shmring_layout_version(const shmring_ring_t *ring);
/* Total bytes of the segment. */
uint64_t shmring_segment_bytes(const shmring_ring_t *ring);
/* 1 once the stream has ended, else 0. */
int shmring_is_closed(const shmring_ring_t *ring);
/* Next sequence number a writer will claim. */
uint64_t shmring_next_sequence(const shmring_ring_t *ring);

/* ---- Statistics ------------------------------------------------------------ */

/* A snapshot of a ring's counters, taken by one call from any process that
 * opened the ring. It reads shared memory without any lock or store, so it
 * never slows the data path; each value is current when read, the snapshot
 * is not one atomic picture. */
typedef struct shmring_stats shmring_stats_t;

/* Ring-wide fields (shmring_stats_ring). */
#define SHMRING_STAT_NEXT_SEQUENCE 0u   /* next sequence a writer claims     */
#define SHMRING_STAT_CLOSED 1u          /* 1 once the stream has ended       */
#define SHMRING_STAT_WRITERS 2u         /* writer entries in use             */
#define SHMRING_STAT_READERS 3u         /* reader entries in use             */
#define SHMRING_STAT_WRITERS_JOINED 4u  /* writers that ever joined          */
#define SHMRING_STAT_WRITERS_REAPED 5u  /* dead writers' entries freed       */
#define SHMRING_STAT_READERS_REAPED 6u  /* dead readers' entries freed       */
#define SHMRING_STAT_SLOTS_ABANDONED 7u /* claimed by a writer that died,
                                           published as skipped               */
/* Participant fields (shmring_stats_writer, shmring_stats_reader). */
#define SHMRING_STAT_PID 16u            /* process id                        */
#define SHMRING_STAT_ALIVE 17u          /* 1 if that process still runs      */
#define SHMRING_STAT_MESSAGES 18u       /* published / delivered             */
#define SHMRING_STAT_WAITS 19u          /* futex sleeps for space / data     */
#define SHMRING_STAT_BYTES 20u          /* writers: payload bytes published  */
#define SHMRING_STAT_ABORTED 21u        /* writers: reservations aborted     */
#define SHMRING_STAT_KIND 22u           /* readers: SHMRING_KIND_*           */
#define SHMRING_STAT_POSITION 23u       /* readers: next sequence to read
                                           (a member: its group's)            */
#define SHMRING_STAT_LAG 24u            /* readers: NEXT_SEQUENCE - POSITION */
#define SHMRING_STAT_MISSED 25u         /* readers: lapped or skipped over   */
#define SHMRING_STAT_REDELIVERED 26u    /* members: messages taken over from
                                           a member that died                 */
#define SHMRING_STAT_ENTRY 27u          /* the participant's entry in its
                                           table: shmring_writer_entry_index /
                                           shmring_reader_entry_index of its
                                           handle                             */

/* Reader kinds (SHMRING_STAT_KIND). */
#define SHMRING_KIND_BROADCAST 1u
#define SHMRING_KIND_GROUP_MEMBER 2u
#define SHMRING_KIND_LOSSY 3u

/* Take a snapshot; free it with shmring_stats_free. */
int shmring_stats_read(const shmring_ring_t *ring, shmring_stats_t **stats_out);
void shmring_stats_free(shmring_stats_t *stats);
/* Participants in the snapshot, indexed 0..count-1. */
uint32_t shmring_stats_writer_count(const shmring_stats_t *stats);
uint32_t shmring_stats_reader_count(const shmring_stats_t *stats);
/* One value: SHMRING_EINVALID for an unknown field or index. */
int shmring_stats_ring(const shmring_stats_t *stats, uint32_t field,
                       uint64_t *value_out);
int shmring_stats_writer(const shmring_stats_t *stats, uint32_t index,
                         uint32_t field, uint64_t *value_out);
int shmring_stats_reader(const shmring_stats_t *stats, uint32_t index,
                         uint32_t field, uint64_t *value_out);
/* The entry a handle occupies in its table (SHMRING_STAT_ENTRY), so a
 * handle can find its own participant in a snapshot; UINT32_MAX for NULL. */
uint32_t shmring_writer_entry_index(const shmring_writer_t *writer);
uint32_t shmring_reader_entry_index(const shmring_reader_t *reader);
/* A group member's group name; NULL for other readers or a bad index. Valid
 * until shmring_stats_free. */
const char *shmring_stats_reader_group(const shmring_stats_t *stats,
                                       uint32_t index);

/* ---- Writers ------------------------------------------------------------ */

int shmring_writer_open(shmring_ring_t *ring, shmring_writer_t **writer_out);
/* Leave the ring; with close_on_last_writer the last one ends the stream.
 * An open reservation is aborted. */
int shmring_writer_close(shmring_writer_t *writer);

/* Copy one message of 0..slot_bytes bytes into the ring. try_write never
 * blocks (SHMRING_EFULL); write waits for space up to timeout_ns. */
int shmring_try_write(shmring_writer_t *writer, const void *data,
                      uint64_t length);
int shmring_write(shmring_writer_t *writer, const void *data, uint64_t length,
                  int64_t timeout_ns);
/* Write up to count messages in order; waits (up to timeout_ns) only while
 * none fits. *written_out tells how many were written (a prefix). */
int shmring_write_batch(shmring_writer_t *writer, const void *const *datas,
                        const uint64_t *lengths, uint32_t count,
                        uint32_t *written_out, int64_t timeout_ns);

/* Zero-copy write: claim the next slot, fill up to slot_bytes bytes at
 * *slot_out, then commit the length (or abort: the slot is skipped by every
 * reader). Waits for space up to timeout_ns. One reservation at a time. */
int shmring_reserve(shmring_writer_t *writer, void **slot_out,
                    int64_t timeout_ns);
int shmring_commit(shmring_writer_t *writer, uint64_t length);
int shmring_abort(shmring_writer_t *writer);

/* ---- Readers ------------------------------------------------------------ */

/* Join the ring. group NULL: a broadcast reader (sees every message; writers
 * wait for it). group "name" (1..31 bytes): a member of that group (each
 * message goes to one member). flags SHMRING_READER_LOSSY (group NULL):
 * never holds writers back; when lapped, skips to the oldest message still
 * in the ring. A new reader starts at the next message written. A reader
 * whose process dies (even holding a peek) stops holding writers back
 * about 250 ms later; a stopped process is alive and keeps holding them. */
int shmring_reader_open(shmring_ring_t *ring, const char *group,
                        uint32_t flags, shmring_reader_t **reader_out);
/* Leave the ring; an open peek is released. */
int shmring_reader_close(shmring_reader_t *reader);

/* Copy the next message into buffer. *length_out gets its length. If the
 * buffer is too small: SHMRING_ETOO_LARGE, *length_out = length needed, the
 * message stays. try_read never blocks (SHMRING_EEMPTY); read waits up to
 * timeout_ns. At end of stream (all drained): SHMRING_ECLOSED. */
int shmring_try_read(shmring_reader_t *reader, void *buffer, uint64_t capacity,
                     uint64_t *length_out);
int shmring_read(shmring_reader_t *reader, void *buffer, uint64_t capacity,
                 uint64_t *length_out, int64_t timeout_ns);
/* Copy up to max_count messages back to back into buffer; lengths[i] gets
 * each length. Waits (up to timeout_ns) only while none is ready. */
int shmring_read_batch(shmring_reader_t *reader, void *buffer,
                       uint64_t capacity, uint64_t *lengths,
                       uint32_t max_count, uint32_t *count_out,
                       int64_t timeout_ns);

/* Zero-copy read: a view of the next message in its slot, valid until
 * shmring_release(). Writers do not reuse the slot meanwhile (except for a
 * lossy reader, whose release then returns SHMRING_ELAPPED: discard what
 * was read). */
int shmring_peek(shmring_reader_t *reader, const void **data_out,
                 uint64_t *length_out, int64_t timeout_ns);
/* Views of up to max_count consecutive messages, released together. */
int shmring_peek_batch(shmring_reader_t *reader, const void **datas,
                       uint64_t *lengths, uint32_t max_count,
                       uint32_t *count_out, int64_t timeout_ns);
int shmring_release(shmring_reader_t *reader);

/* Jump to the newest message; *skipped_out (may be NULL) gets how many were
 * passed over. Not for group members (SHMRING_EINVALID). */
int shmring_reader_skip_to_latest(shmring_reader_t *reader,
                                  uint64_t *skipped_out);
/* Messages this reader has passed over so far: lapped (lossy) or skipped. */
uint64_t shmring_reader_missed(const shmring_reader_t *reader);
/* Sequence number of the next message this reader will look at. */
uint64_t shmring_reader_position(const shmring_reader_t *reader);

/* ---- Readers-writer lock ------------------------------------------------ */

/* A process-shared readers-writer lock in its own segment (the seed
 * library's ReadersWriterLock). A handle is one holder: its holds are its
 * own, shared holds nest (the seed's nested for_read), and it must not be
 * used by two threads at once; a thread that needs holds of its own takes
 * its own handle (shmring_rwlock_dup). Writers are preferred: once a writer
 * waits, new shared acquires wait behind it, except by a handle that already
 * holds the lock shared (that never deadlocks behind a waiting writer). A
 * holder whose process dies (even by SIGKILL) loses its hold about 250 ms
 * after a waiter has been kept waiting for it; a stopped process is alive
 * and keeps its hold. */

/* Create a lock. name: "/name" (as for rings), or NULL for an anonymous
 * lock inherited across fork() (the child calls shmring_rwlock_dup on the
 * inherited handle). max_holders: handles open at once (1..65536; 0 = 128).
 * mode: permission bits of a named segment (0 = 0600). Fails with
 * SHMRING_EEXISTS if the name is taken. */
int shmring_rwlock_create(const char *name, uint32_t max_holders,
                          uint32_t mode, shmring_rwlock_t **lock_out);
/* Attach to a named lock. Waits up to timeout_ns for one still being
 * created. A segment that is not a lock: SHMRING_ECORRUPT / EVERSION. */
int shmring_rwlock_open(const char *name, int64_t timeout_ns,
                        shmring_rwlock_t **lock_out);
/* A new handle (a new holder) on the same lock, for another thread, or in a
 * child process on a handle inherited across fork(). */
int shmring_rwlock_dup(shmring_rwlock_t *lock, shmring_rwlock_t **lock_out);
/* Release this handle's holds and close it. On a handle inherited across
 * fork() it only unmaps (the holder is the parent's). Remove a named lock
 * with shmring_unlink(). */
int shmring_rwlock_close(shmring_rwlock_t *lock);

/* Shared (read) hold. Timeouts as for rings: try_ = one attempt, timeout
 * 0 = one attempt, negative = forever. Busy: SHMRING_ETIMEOUT. Nested calls
 * by a handle that holds it shared succeed at once; each needs its unlock.
 * SHMRING_EINVALID if the handle holds it exclusively. */
int shmring_rwlock_try_lock_shared(shmring_rwlock_t *lock);
int shmring_rwlock_lock_shared(shmring_rwlock_t *lock, int64_t timeout_ns);
int shmring_rwlock_unlock_shared(shmring_rwlock_t *lock);
/* Exclusive (write) hold; not recursive. SHMRING_EINVALID if the handle
 * already holds it (shared or exclusive: an upgrade would deadlock). */
int shmring_rwlock_try_lock_exclusive(shmring_rwlock_t *lock);
int shmring_rwlock_lock_exclusive(shmring_rwlock_t *lock, int64_t timeout_ns);
int shmring_rwlock_unlock_exclusive(shmring_rwlock_t *lock);
/* The seed's wait_for_write(): lend this handle's shared hold (all its
 * nesting) to a writer. Lets go of it, waits until a writer's exclusive hold
 * has ended (one that began before the call counts), and takes the shared
 * hold back (waiting for it as long as it takes) before returning. OK, or
 * SHMRING_ETIMEOUT / EINTERRUPTED if no writer had its turn in time: the
 * hold is back either way. SHMRING_EINVALID without a shared hold. */
int shmring_rwlock_wait_for_exclusive(shmring_rwlock_t *lock,
                                      int64_t timeout_ns);
/* A snapshot: the shared holds (nested holds each count, as the seed's
 * readers.value), and 1 if it is held exclusively (a writer still waiting
 * for readers to leave does not count). Either pointer may be NULL. */
int shmring_rwlock_state(const shmring_rwlock_t *lock,
                         uint32_t *shared_holds_out,
                         uint32_t *exclusive_out);
/* The rest of the snapshot: who waits (for observers, and for tests that
 * order events by what they see rather than by pausing).
 * writer_waiting_out: 1 if a writer has claimed the lock and waits for the
 * shared holders to leave (from then on new shared acquires wait behind
 * it). waiters_out: waits blocked in the lock's futexes now (shared and
 * exclusive acquires, wait_for_exclusive); a blocked wait sleeps in slices
 * of 50 ms with a short spin between them, so a poll sees it within a
 * slice, and a wait that is still spinning does not count. Either pointer
 * may be NULL. */
int shmring_rwlock_waiting(const shmring_rwlock_t *lock,
                           uint32_t *writer_waiting_out,
                           uint32_t *waiters_out);

#ifdef __cplusplus
}
#endif

#endif /* SHMRING_H */
