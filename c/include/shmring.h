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
 *     SHMRING_EFULL, SHMRING_EEMPTY and SHMRING_ECLOSED are the expected
 *     outcomes of polling and carry no detail (shmring_last_error() is "").
 *   - Timeouts are int64_t nanoseconds: 0 = try once, negative = wait
 *     forever, positive = wait at most that long. Every blocking call also
 *     has an _until form taking an absolute CLOCK_MONOTONIC deadline (see
 *     "Deadlines and interrupts"). A wait interrupted by a signal handler
 *     (with or without SA_RESTART) or by the handle's interrupt call
 *     returns SHMRING_EINTERRUPTED; the caller retries the _until form
 *     with the same deadline.
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
#define SHMRING_LAYOUT_VERSION 2

/* Status codes. */
#define SHMRING_OK 0
#define SHMRING_EFULL (-1)         /* no free slot (non-blocking write)    */
#define SHMRING_EEMPTY (-2)        /* no message (non-blocking read)       */
#define SHMRING_ETIMEOUT (-3)      /* the wait's deadline passed           */
#define SHMRING_ECLOSED (-4)       /* end of stream, or the handle is shut */
#define SHMRING_ETOOLARGE (-5)     /* message larger than slot or buffer   */
#define SHMRING_EINTERRUPTED (-6)  /* a signal handler ran during a wait   */
#define SHMRING_ECORRUPT (-7)      /* not a valid segment or array message */
#define SHMRING_EVERSION (-8)      /* layout version or ABI mismatch       */
#define SHMRING_ENOSPACE (-9)      /* shared memory exhausted at create    */
#define SHMRING_EEXISTS (-10)      /* a segment of that name exists        */
#define SHMRING_ENOTFOUND (-11)    /* no segment of that name              */
#define SHMRING_EPERMISSION (-12)  /* the OS refused access                */
#define SHMRING_EINVALID (-13)     /* bad argument or call out of order    */
#define SHMRING_ELIMIT (-14)       /* participant or group table is full   */
#define SHMRING_ELAPPED (-15)      /* a lossy reader's view was overwritten*/
#define SHMRING_ENOMEM (-16)       /* process-local allocation failed      */
#define SHMRING_ESYSTEM (-17)      /* unexpected OS error; see last_error  */
/* Deprecated spellings (until 0.2), same values: */
#define SHMRING_ETOO_LARGE SHMRING_ETOOLARGE
#define SHMRING_ENOT_FOUND SHMRING_ENOTFOUND

/* Reader flags for shmring_reader_open(). */
#define SHMRING_READER_LOSSY 1u /* never holds writers back; may skip */

/* Opaque handles. */
typedef struct shmring_ring shmring_ring_t;
typedef struct shmring_writer shmring_writer_t;
typedef struct shmring_reader shmring_reader_t;
typedef struct shmring_options shmring_options_t;
typedef struct shmring_rwlock shmring_rwlock_t;
typedef struct shmring_opener shmring_opener_t;

/* ---- Library ------------------------------------------------------------ */

/* SHMRING_VERSION of the loaded library. */
uint32_t shmring_version(void);
/* Static text naming a status code. Never NULL. */
const char *shmring_strerror(int status);
/* This thread's detail message for its last failed call. Never NULL.
 * "no error" before the thread's first failure; "" after SHMRING_EFULL,
 * SHMRING_EEMPTY or SHMRING_ECLOSED, which need none (shmring_strerror()
 * names them): a try_write on a full ring or a try_read on an empty one
 * formats no text, so polling stays cheap. Every other failure says what
 * failed and on what. */
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
/* 1: if the name is taken by a stale segment (every process recorded in
 * it is dead: see shmring_inspect), shmring_create removes it and creates
 * the ring in its place. A segment with a live participant, one being
 * created right now, or one that is not a shmring segment is never
 * removed: the create fails with SHMRING_EEXISTS and the detail names the
 * live pids. 0 (default): any existing segment is SHMRING_EEXISTS. */
int shmring_options_set_replace_stale(shmring_options_t *options,
                                      uint32_t enabled);

/* ---- Rings ------------------------------------------------------------ */

/* Create a ring. name: "/name" style POSIX shared-memory name (visible
 * under /dev/shm), or NULL for an anonymous ring inherited across fork().
 * slot_bytes: largest message (1 .. 2^32-1); slot_count: number of slots
 * (1 .. 2^31), exactly the unread messages at which writers find the ring
 * full. options may be NULL. The memory is reserved now: a full
 * /dev/shm fails here with SHMRING_ENOSPACE, never later.
 * Fails with SHMRING_EEXISTS if the name is taken. */
int shmring_create(const char *name, uint64_t slot_bytes, uint64_t slot_count,
                   const shmring_options_t *options,
                   shmring_ring_t **ring_out);
/* Attach to a named ring made by any process, in any language. Waits up to
 * timeout_ns for a ring that does not exist yet (woken by its creation)
 * or is still being created; SHMRING_ENOT_FOUND after the timeout, saying
 * how long it waited. timeout_ns 0: at once, as SHMRING_ENOT_FOUND. */
int shmring_open(const char *name, int64_t timeout_ns,
                 shmring_ring_t **ring_out);
/* Detach this process (the name and the stream stay). Close every writer
 * and reader of the ring first. */
int shmring_close(shmring_ring_t *ring);
/* Remove a name; processes attached keep their mapping. */
int shmring_unlink(const char *name);
/* Check a ring or lock name of `length` bytes that need not end in NUL:
 * SHMRING_OK, or SHMRING_EINVALID with shmring_last_error() saying
 * "\"...\" is not a valid ring name: <reason>" (empty, over 250 bytes, '/'
 * after the first byte, "." or "..", or a NUL byte). Every call taking a
 * name applies the same check to its NUL-terminated string; bindings whose
 * strings can hold NUL bytes call this first, since a C string would end at
 * the first NUL and name another segment. */
int shmring_name_check(const char *name, uint64_t length);
/* End the stream now: writers get SHMRING_ECLOSED, readers drain what was
 * written and then get SHMRING_ECLOSED. */
int shmring_close_stream(shmring_ring_t *ring);
/* Move every reader and group to the newest message: writers stop waiting
 * for them at once, except for a reader in the middle of a read or holding
 * a peek, until it finishes. Readers count what they pass over in
 * shmring_reader_missed(). */
int shmring_skip_all_to_latest(shmring_ring_t *ring);

/* Geometry and identity. The name is NULL for an anonymous ring. */
const char *shmring_name(const shmring_ring_t *ring);
uint64_t shmring_slot_bytes(const shmring_ring_t *ring);
/* The slot count the ring was created with: writers are full at exactly
 * this many unread messages. */
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
                                           (a member: its group's), as
                                           shmring_reader_position            */
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

/* Join the ring as a writer. Joins and closes take the ring's registry
 * lock, held briefly; a holder that stays alive past 5 s (stopped, or a
 * live pid scribbled into the lock) makes a join fail with
 * SHMRING_ETIMEOUT; an impossible pid there is taken over at once. */
int shmring_writer_open(shmring_ring_t *ring, shmring_writer_t **writer_out);
/* Leave the ring; with close_on_last_writer the last one ends the stream.
 * An open reservation is aborted. The handle is freed whatever the status:
 * SHMRING_ETIMEOUT says the registry lock was held by a live process past
 * its bound (5 s, docs/crash-safety.md) and the entry was freed without it. */
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
/* Leave the ring; an open peek is released. The handle is freed whatever
 * the status (SHMRING_ETIMEOUT: as for shmring_writer_close). */
int shmring_reader_close(shmring_reader_t *reader);

/* Copy the next message into buffer. *length_out gets its length. If the
 * buffer is too small: SHMRING_ETOOLARGE, *length_out = length needed, the
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
/* Sequence number of the next message this reader will look at: its own
 * position (a member: its group's), or the newest message once
 * shmring_skip_all_to_latest has moved the readers there. */
uint64_t shmring_reader_position(const shmring_reader_t *reader);

/* ---- Inspecting segments by name ---------------------------------------- */

/* What a named segment is and who uses it, read without joining it (the
 * `python -m shmring ls` view): its kind, geometry, and the processes
 * recorded in it -- the creator, writers, readers (every kind), a process
 * joining or leaving (the registry lock), a lock's holders -- each checked
 * for life by pid and process start time (a zombie or a reused pid is dead;
 * a stopped process is alive). A segment is stale when it is a ring or a
 * lock and none of them is alive, or when its creator died before it was
 * ready. A process that has only opened a ring (no writer, no reader yet)
 * is not recorded in it. */
typedef struct shmring_inspection shmring_inspection_t;

/* Segment kinds (SHMRING_INSPECT_KIND). */
#define SHMRING_SEGMENT_RING 1u          /* a ring of this layout version    */
#define SHMRING_SEGMENT_RWLOCK 2u        /* a readers-writer lock            */
#define SHMRING_SEGMENT_INITIALIZING 3u  /* its creator is filling it in     */
#define SHMRING_SEGMENT_ABANDONED 4u     /* its creator died before it was
                                            ready (stale)                    */
#define SHMRING_SEGMENT_OTHER_VERSION 5u /* shmring, another layout version
                                            or byte order                    */
#define SHMRING_SEGMENT_CORRUPT 6u       /* shmring, but damaged             */
#define SHMRING_SEGMENT_FOREIGN 7u       /* not a shmring segment            */
#define SHMRING_SEGMENT_EMPTY 8u         /* no header and nobody creating it:
                                            a creator that died at once
                                            (stale), or not shmring's         */

/* Fields (shmring_inspection_get); 0 where they do not apply. */
#define SHMRING_INSPECT_KIND 0u           /* SHMRING_SEGMENT_*               */
#define SHMRING_INSPECT_STALE 1u          /* 1: nobody recorded is alive     */
#define SHMRING_INSPECT_SEGMENT_BYTES 2u  /* size of the file                */
#define SHMRING_INSPECT_LAYOUT_VERSION 3u
#define SHMRING_INSPECT_SLOT_BYTES 4u     /* rings                           */
#define SHMRING_INSPECT_SLOT_COUNT 5u
#define SHMRING_INSPECT_MAX_WRITERS 6u
#define SHMRING_INSPECT_MAX_READERS 7u
#define SHMRING_INSPECT_MAX_GROUPS 8u
#define SHMRING_INSPECT_MAX_HOLDERS 9u    /* locks                           */
#define SHMRING_INSPECT_LIVE_WRITERS 10u
#define SHMRING_INSPECT_LIVE_READERS 11u
#define SHMRING_INSPECT_LIVE_HOLDERS 12u  /* locks: handles open             */
#define SHMRING_INSPECT_DEAD_ENTRIES 13u  /* entries of dead processes       */
#define SHMRING_INSPECT_CREATOR_PID 14u
#define SHMRING_INSPECT_CREATOR_ALIVE 15u

/* Roles of a live participant (shmring_inspection_live). */
#define SHMRING_ROLE_CREATOR 1u
#define SHMRING_ROLE_WRITER 2u
#define SHMRING_ROLE_READER 3u   /* broadcast, group member or lossy */
#define SHMRING_ROLE_JOINING 4u  /* holds the registry lock          */
#define SHMRING_ROLE_HOLDER 5u   /* has the lock open                */

/* Inspect the named segment (any kind: a file that is not a shmring
 * segment is SHMRING_SEGMENT_FOREIGN, not an error). Errors: no such name
 * (SHMRING_ENOTFOUND), no permission to read it. Free the result with
 * shmring_inspection_free. */
int shmring_inspect(const char *name, shmring_inspection_t **inspection_out);
void shmring_inspection_free(shmring_inspection_t *inspection);
/* One field: SHMRING_EINVALID for an unknown field. */
int shmring_inspection_get(const shmring_inspection_t *inspection,
                           uint32_t field, uint64_t *value_out);
/* The live participants, indexed 0..count-1 (a process may appear once
 * per role it has). */
uint32_t shmring_inspection_live_count(const shmring_inspection_t *inspection);
int shmring_inspection_live(const shmring_inspection_t *inspection,
                            uint32_t index, uint32_t *pid_out,
                            uint32_t *role_out);
/* One line saying what the segment is and why it is (not) stale, e.g.
 * "live: pid 4242 (reader)". Valid until shmring_inspection_free. */
const char *shmring_inspection_summary(const shmring_inspection_t *inspection);
/* Remove the named segment only if it is stale (as shmring_inspect
 * judges, in a way that two removers, or a remover and a creator, racing
 * for the same name never remove a live segment). SHMRING_EEXISTS if it is
 * not stale (the detail names the live pids, or says what it is);
 * SHMRING_ENOTFOUND if there is no such name. */
int shmring_remove_stale(const char *name);

/* ---- Readers-writer lock ------------------------------------------------ */

/* A process-shared readers-writer lock in its own segment. A handle is one
 * holder: its holds are its own, shared holds nest, and it must not be
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
 * mode: permission bits of a named segment (0 = 0600), optionally with
 * SHMRING_REPLACE_STALE (as shmring_options_set_replace_stale for rings).
 * Fails with SHMRING_EEXISTS if the name is taken (by a segment that is not
 * stale, with SHMRING_REPLACE_STALE). */
#define SHMRING_REPLACE_STALE 0x10000u
int shmring_rwlock_create(const char *name, uint32_t max_holders,
                          uint32_t mode, shmring_rwlock_t **lock_out);
/* Attach to a named lock. Waits up to timeout_ns for one that does not
 * exist yet or is still being created (as shmring_open). A segment that is
 * not a lock: SHMRING_ECORRUPT / EVERSION. */
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
/* Lend this handle's shared hold (all its nesting) to a writer. Lets go of it, waits until a writer's exclusive hold
 * has ended (one that began before the call counts), and takes the shared
 * hold back (waiting for it as long as it takes) before returning. OK, or
 * SHMRING_ETIMEOUT / EINTERRUPTED if no writer had its turn in time: the
 * hold is back either way. SHMRING_EINVALID without a shared hold. */
int shmring_rwlock_wait_for_exclusive(shmring_rwlock_t *lock,
                                      int64_t timeout_ns);
/* A snapshot: the shared holds (nested holds each count), and 1 if it is
 * held exclusively (a writer still waiting
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

/* ---- Array messages (docs/messages.md) ------------------------------------ */

/* A typed n-dimensional array in one message: a little-endian header
 * (element type, byte order, shape, C-order strides, a small user header),
 * then the elements, starting on a 64-byte boundary of the slot. The same
 * bytes in every language; these calls are the one implementation. */
#define SHMRING_ARRAY_FORMAT_VERSION 2u /* byte 4 of the header           */
#define SHMRING_ARRAY_MAX_NDIM 32u
#define SHMRING_ARRAY_MAX_USER_BYTES 4096u
/* flags: the elements are big-endian (the header itself never is). */
#define SHMRING_ARRAY_BIG_ENDIAN 1u

/* Element types are DLPack's DLDataType (code, bits, lanes), packed into a
 * uint32_t as code | bits << 8 | lanes << 16 (DLDataType's own bytes on a
 * little-endian machine). Lanes is always 1. */
#define SHMRING_DTYPE(code, bits, lanes)                                   \
    ((uint32_t)(code) | ((uint32_t)(bits) << 8) | ((uint32_t)(lanes) << 16))
#define SHMRING_DTYPE_CODE(dtype) ((uint32_t)(dtype) & 0xFFu)
#define SHMRING_DTYPE_BITS(dtype) (((uint32_t)(dtype) >> 8) & 0xFFu)
#define SHMRING_DTYPE_LANES(dtype) ((uint32_t)(dtype) >> 16)
/* DLPack's DLDataTypeCode values. */
#define SHMRING_DLPACK_INT 0u
#define SHMRING_DLPACK_UINT 1u
#define SHMRING_DLPACK_FLOAT 2u
#define SHMRING_DLPACK_BFLOAT 4u
#define SHMRING_DLPACK_COMPLEX 5u
#define SHMRING_DLPACK_BOOL 6u
/* Every supported element type: SHMRING_DTYPE(code, bits, 1) spelled out
 * (plain literals, for binding generators). */
#define SHMRING_DTYPE_BOOL 0x10806u
#define SHMRING_DTYPE_INT8 0x10800u
#define SHMRING_DTYPE_INT16 0x11000u
#define SHMRING_DTYPE_INT32 0x12000u
#define SHMRING_DTYPE_INT64 0x14000u
#define SHMRING_DTYPE_UINT8 0x10801u
#define SHMRING_DTYPE_UINT16 0x11001u
#define SHMRING_DTYPE_UINT32 0x12001u
#define SHMRING_DTYPE_UINT64 0x14001u
#define SHMRING_DTYPE_FLOAT16 0x11002u
#define SHMRING_DTYPE_FLOAT32 0x12002u
#define SHMRING_DTYPE_FLOAT64 0x14002u
#define SHMRING_DTYPE_BFLOAT16 0x11004u
#define SHMRING_DTYPE_COMPLEX64 0x14005u
#define SHMRING_DTYPE_COMPLEX128 0x18005u

/* Bytes of one element of a supported type; 0 for any other value. */
uint32_t shmring_array_itemsize(uint32_t dtype);
/* Write the header of an array message of ndim (0..SHMRING_ARRAY_MAX_NDIM)
 * extents shape[] (NULL when ndim is 0) with user_bytes
 * (0..SHMRING_ARRAY_MAX_USER_BYTES) of the caller's own at user, into
 * buffer, which must be where the message's payload starts (its data is
 * then aligned as docs/messages.md says). *data_offset_out: where the
 * elements start (the header's size); *data_bytes_out: their size; the
 * message is data_offset + data_bytes long, and must fit in capacity
 * (SHMRING_ETOOLARGE). buffer NULL: only compute the two sizes. A bad
 * type, flag, ndim, user size or a shape whose size overflows:
 * SHMRING_EINVALID. Either output may be NULL. */
int shmring_array_encode_header(void *buffer, uint64_t capacity,
                                uint32_t dtype, uint32_t flags, uint32_t ndim,
                                const uint64_t *shape, const void *user,
                                uint32_t user_bytes, uint64_t *data_offset_out,
                                uint64_t *data_bytes_out);
/* Check an array message of length bytes at message and describe it: its
 * element type and flags, ndim and shape (shape_out: room for
 * SHMRING_ARRAY_MAX_NDIM extents), where its elements are and how many
 * bytes they take, and where its user header is. Anything a correct writer
 * cannot produce (wrong magic or version, unknown type, ndim beyond the
 * bound, a size that overflows, strides that are not C order, reserved bytes
 * set, a misaligned data offset, data past the message's end) is
 * SHMRING_ECORRUPT with the reason in shmring_last_error(); elements not
 * aligned in memory to their type (a message copied to an odd address) are
 * SHMRING_EINVALID. Every output may be NULL. */
int shmring_array_decode(const void *message, uint64_t length,
                         uint32_t *dtype_out, uint32_t *flags_out,
                         uint32_t *ndim_out, uint64_t *shape_out,
                         uint64_t *data_offset_out, uint64_t *data_bytes_out,
                         uint64_t *user_offset_out, uint32_t *user_bytes_out);
/* Reserve the next slot (as shmring_reserve, waiting up to timeout_ns) for
 * an array message and write its header: *data_out is where the caller
 * fills the elements, then shmring_commit(writer, *message_bytes_out) (or
 * shmring_abort). An array that cannot fit in a slot fails before
 * reserving (SHMRING_ETOOLARGE); arguments as for encode_header. */
int shmring_array_reserve(shmring_writer_t *writer, uint32_t dtype,
                          uint32_t flags, uint32_t ndim, const uint64_t *shape,
                          const void *user, uint32_t user_bytes,
                          void **data_out, uint64_t *message_bytes_out,
                          int64_t timeout_ns);

/* ---- Deadlines and interrupts ------------------------------------------- */

/* A deadline is an int64_t CLOCK_MONOTONIC time in nanoseconds (the
 * clock of shmring_monotonic_ns(), the same in every process); negative
 * (SHMRING_FOREVER) = no deadline; 0 (SHMRING_TRY_ONCE) = one attempt with
 * the answer of a timeout of 0 (SHMRING_EFULL, SHMRING_EEMPTY, ...). Any
 * other deadline already past gets one attempt too, then SHMRING_ETIMEOUT.
 * After SHMRING_EINTERRUPTED, calling again with the same deadline waits
 * only for the time that is left. */
#define SHMRING_FOREVER (-1)
#define SHMRING_TRY_ONCE 0
int64_t shmring_monotonic_ns(void);
/* The deadline of a timeout: timeout_ns from now; SHMRING_FOREVER for a
 * negative one, SHMRING_TRY_ONCE for 0. */
int64_t shmring_deadline_after(int64_t timeout_ns);

int shmring_write_until(shmring_writer_t *writer, const void *data,
                        uint64_t length, int64_t deadline_ns);
int shmring_write_batch_until(shmring_writer_t *writer,
                              const void *const *datas,
                              const uint64_t *lengths, uint32_t count,
                              uint32_t *written_out, int64_t deadline_ns);
int shmring_reserve_until(shmring_writer_t *writer, void **slot_out,
                          int64_t deadline_ns);
int shmring_array_reserve_until(shmring_writer_t *writer, uint32_t dtype,
                                uint32_t flags, uint32_t ndim,
                                const uint64_t *shape, const void *user,
                                uint32_t user_bytes, void **data_out,
                                uint64_t *message_bytes_out,
                                int64_t deadline_ns);
int shmring_read_until(shmring_reader_t *reader, void *buffer,
                       uint64_t capacity, uint64_t *length_out,
                       int64_t deadline_ns);
int shmring_read_batch_until(shmring_reader_t *reader, void *buffer,
                             uint64_t capacity, uint64_t *lengths,
                             uint32_t max_count, uint32_t *count_out,
                             int64_t deadline_ns);
int shmring_peek_until(shmring_reader_t *reader, const void **data_out,
                       uint64_t *length_out, int64_t deadline_ns);
int shmring_peek_batch_until(shmring_reader_t *reader, const void **datas,
                             uint64_t *lengths, uint32_t max_count,
                             uint32_t *count_out, int64_t deadline_ns);
int shmring_rwlock_lock_shared_until(shmring_rwlock_t *lock,
                                     int64_t deadline_ns);
int shmring_rwlock_lock_exclusive_until(shmring_rwlock_t *lock,
                                        int64_t deadline_ns);
int shmring_rwlock_wait_for_exclusive_until(shmring_rwlock_t *lock,
                                            int64_t deadline_ns);

/* Interrupt the handle's wait: the one in progress returns
 * SHMRING_EINTERRUPTED at once; with none in progress, the handle's next
 * wait does (an interrupt stays pending until a wait takes it; a call that
 * succeeds without waiting leaves it pending). Safe from any thread while
 * another uses the handle (the one exception to "one thread per handle"),
 * and async-signal-safe: only atomic stores and a FUTEX_WAKE (errno is
 * kept). The handle must stay open until the call returns. SHMRING_OK, or
 * SHMRING_EINVALID for NULL (no last_error detail: it is not
 * async-signal-safe). Waking is by the ring's shared wait word, so other
 * sleepers on it re-check and sleep again. */
int shmring_reader_interrupt(shmring_reader_t *reader);
int shmring_writer_interrupt(shmring_writer_t *writer);
int shmring_rwlock_interrupt(shmring_rwlock_t *lock);

/* Wait until at least `count` readers have joined the ring (of any kind;
 * with group non-NULL: members of that group), woken by each join. OK, or
 * SHMRING_ETIMEOUT saying how many had joined; a reader that has left no
 * longer counts. Signals: SHMRING_EINTERRUPTED, as for every wait. */
int shmring_wait_for_readers(shmring_ring_t *ring, uint32_t count,
                             const char *group, int64_t timeout_ns);
int shmring_wait_for_readers_until(shmring_ring_t *ring, uint32_t count,
                                   const char *group, int64_t deadline_ns);

/* Opens have no handle until they succeed: an opener is the handle of the
 * waits of shmring_open_until / shmring_rwlock_open_until given it.
 * shmring_opener_interrupt is async-signal-safe (an atomic store and a
 * write(2) to an eventfd; errno is kept) and safe from any thread, pending
 * until an open takes it, as for the other interrupts. One opener may serve
 * one open at a time. */
int shmring_opener_create(shmring_opener_t **opener_out);
void shmring_opener_destroy(shmring_opener_t *opener);
int shmring_opener_interrupt(shmring_opener_t *opener);
/* shmring_open / shmring_rwlock_open until an absolute deadline; opener may
 * be NULL. */
int shmring_open_until(const char *name, int64_t deadline_ns,
                       shmring_opener_t *opener, shmring_ring_t **ring_out);
int shmring_rwlock_open_until(const char *name, int64_t deadline_ns,
                              shmring_opener_t *opener,
                              shmring_rwlock_t **lock_out);

#ifdef __cplusplus
}
#endif

#endif /* SHMRING_H */
