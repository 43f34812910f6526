/*
 * internal.h -- process-local handles, the slot and sequence helpers, and
 * the functions the core's files share, each under a heading naming the
 * file that defines it (tests/lint/core_structure.py checks the headings).
 * Nothing here is part of the ABI.
 */
#ifndef SHMRING_INTERNAL_H
#define SHMRING_INTERNAL_H

#include <stdint.h>
#include <time.h>

#include "layout.h"
#include "shmring.h"

#define SHMRING_API __attribute__((visibility("default")))

struct deadline; /* deadline.c */

/* A participant that has found no way forward for this long looks for the
 * dead participant that may be the cause (struct stuck_timer): a writer
 * held back checks the readers holding it (reap_dead_readers), a reader
 * with nothing to read the writers (recover_abandoned), a lock waiter the
 * holders (rwlock_recover_if_dead). */
#define SHM_REAP_AFTER_NS 200000000ll
/* Longest single futex sleep: a sleeper wakes this often to re-check, so a
 * peer that died without waking anybody costs at most this much more. */
#define SHM_SLEEP_SLICE_NS 50000000ll

/* Limits that keep a segment's geometry sane (checked at create and open). */
#define SHM_MAX_SLOT_BYTES 0xFFFFFFFFull
#define SHM_MAX_SLOT_COUNT (1ull << 31)
#define SHM_MAX_PARTICIPANTS 65536u
#define SHM_MAX_GROUPS 4096u

struct shmring_options {
    uint32_t max_writers;
    uint32_t max_readers;
    uint32_t max_groups;
    uint32_t mode;
    uint32_t close_on_last_writer;
    uint64_t initial_sequence;
    uint32_t replace_stale;
};

struct shmring_ring {
    uint8_t *base;                    /* the mapping */
    uint64_t mapped_bytes;
    /* This process's validated copy of the (immutable) segment header:
     * later writes to the shared one cannot move what was checked. */
    struct segment_header header_copy;
    const struct segment_header *header; /* &header_copy */
    struct control *control;
    struct writer_entry *writers;
    struct reader_entry *readers;
    struct group_entry *groups;
    uint8_t *slots;
    /* Writers are full at `capacity` unread messages behind the slowest
     * gate; the slot array is the power of two array_slots >= capacity, so
     * a sequence's slot is a mask away (slot_at). */
    uint64_t capacity;
    uint64_t array_slots;
    uint64_t slot_mask;
    uint64_t slot_stride;
    uint64_t slot_bytes;
    char *name;                       /* NULL when anonymous */
};

/* Adaptive spin budget before a futex sleep, kept per handle. */
struct spinner {
    uint32_t limit;
};

/* stuck.c: how long a handle has found no way forward */
struct stuck_timer {
    uint64_t at;                      /* where it is stuck */
    int64_t since_ns;                 /* since when; 0 = not stuck */
};
/* Called each time the caller finds itself stuck at `at` (a position, or 0
 * for "anywhere"): 1 once it has been stuck at the same `at` for
 * SHM_REAP_AFTER_NS, then once per such period -- time to look for dead
 * participants. A new `at`, or stuck_timer_reset, starts over. Reads the
 * clock: call it only when stuck. */
int stuck_timer_due(struct stuck_timer *t, uint64_t at);
void stuck_timer_reset(struct stuck_timer *t);

/* A handle's interrupt (interrupt.c): raised from any thread or a signal
 * handler, taken by the handle's wait in progress or its next one. */
struct interrupt {
    atomic_u32 pending;
    /* The wait words the handle's waits sleep on (set at open, never
     * changed): raising wakes them. */
    atomic_u64 *words[2];
};

struct shmring_writer {
    shmring_ring_t *ring;
    struct writer_entry *entry;
    uint64_t gate_cache;              /* a lower bound of every reader gate */
    struct stuck_timer stuck;         /* found no free slot */
    int reserved;                     /* a reservation is open */
    uint64_t reserved_sequence;
    struct spinner spin;
    struct interrupt interrupt;
};

struct shmring_reader {
    shmring_ring_t *ring;
    struct reader_entry *entry;
    struct group_entry *group;        /* members only */
    uint32_t kind;                    /* SHM_READER_* */
    uint64_t position;                /* broadcast and lossy */
    uint32_t peeked;                  /* messages viewed, not yet released */
    uint64_t peek_sequence;           /* first of them */
    uint64_t peek_last;               /* last of them */
    uint64_t peek_span;               /* sequences they cover, skips included */
    uint64_t missed;
    /* Members: a dead member's hold being redelivered by us, and whether
     * the batch taken now comes from it. */
    struct reader_entry *adopted;
    int from_adopted;
    uint32_t end_looks;               /* orphan checks at the end so far */
    uint64_t redelivered;
    struct stuck_timer stuck;         /* found nothing at a position */
    struct spinner spin;
    struct interrupt interrupt;
    /* Batch views, grown on demand: no allocation per call. */
    const void **scratch_datas;
    uint64_t *scratch_sequences;
    uint32_t scratch_capacity;
};

/* shm_file.c: what every kind of segment does with its file. */
/* SHMRING_OK if `length` bytes are a valid segment name, else
 * SHMRING_EINVALID: "... is not a valid ring name: <reason>". */
int shm_check_name(const char *name, size_t length);
/* "/name" or "name" -> a malloc'd "/name"; SHMRING_EINVALID if malformed. */
int shm_normalize_name(const char *name, char **out);
/* errno -> a status code, with a message naming what failed and on what. */
int shm_os_error(int err, const char *what, const char *name);
/* Create the file (named with O_EXCL and exactly `mode`; NULL: a memfd
 * labelled `kind`) and reserve `bytes` of memory for it: a full /dev/shm is
 * SHMRING_ENOSPACE here, with the bytes needed and free. replace_stale: a
 * stale segment of that name is removed first (shm_remove_if_stale). On
 * failure nothing is left behind. A named file comes back holding its
 * creation lock (an exclusive flock: judges of staleness see a creator at
 * work), which the caller keeps until it has published the layout version
 * and then gives up with shm_creation_done. */
int shm_create_file(const char *name, uint32_t mode, uint64_t bytes,
                    const char *kind, int replace_stale, int *fd_out);
void shm_creation_done(int fd);
/* fstat fd, map its first header_bytes, acquire-load the layout version
 * at version_offset (published last by a creator) and copy the header out.
 * SHMRING_EEMPTY while the file is still empty; `what` names the kind of
 * header in errors. */
int shm_copy_header(int fd, const char *name, const char *what,
                    size_t header_bytes, size_t version_offset, void *copy,
                    uint32_t *version_out, uint64_t *bytes_out);
/* Copies and validates a segment's header; SHMRING_EEMPTY: not ready yet. */
typedef int (*shm_header_check)(int fd, const char *name, uint64_t *bytes_out,
                                void *header);
/* Open the named file, waiting until the deadline for it to appear and
 * then for `check` to accept its header; the open fd and the file size on
 * success. `opener` (may be NULL) can interrupt the wait. */
int shm_open_when_ready(const char *name, const struct deadline *deadline,
                        shmring_opener_t *opener, shm_header_check check,
                        void *header, uint64_t *bytes_out, int *fd_out);

/* The checks every header shares: magic (all zero with version 0: still
 * being created, SHMRING_EEMPTY), byte order, layout version `supported`.
 * `kind` ("" or "lock ") goes into the messages. */
int shm_check_identity(const void *header, uint32_t version,
                       const char *magic, uint32_t supported,
                       const char *kind, const char *name);

/* appear.c: waiting for a name to appear */
/* shm_open the name, waiting (deadline resolved) for it to be created:
 * SHMRING_ENOT_FOUND after the deadline, saying how long it waited. */
int shm_open_existing(const char *name, const struct deadline *deadline,
                      shmring_opener_t *opener, int *fd_out);
/* Take the opener's pending interrupt: 1 if there was one. */
int opener_take(shmring_opener_t *opener);
/* Sleep until fd (-1: none) is readable, the opener is interrupted, the
 * deadline passes or cap_ns (< 0: none) has passed; 0 or errno. */
int opener_sleep(shmring_opener_t *opener, int fd,
                 const struct deadline *deadline, int64_t cap_ns);

/* inspect.c: who a segment says uses it (shmring_inspect). */
struct participant {
    uint32_t pid;
    uint32_t role;                    /* SHMRING_ROLE_* */
};
enum { INSPECT_FIELDS = SHMRING_INSPECT_CREATOR_ALIVE + 1 };
struct shmring_inspection {
    uint64_t fields[INSPECT_FIELDS];
    struct participant *live;
    uint32_t live_count, live_capacity;
    uint32_t impossible_pid;          /* an entry's pid no process can have */
    int out_of_memory;
    char summary[512];
};
/* Count a recorded process in the inspection: alive ones are listed with
 * their role, dead ones counted in SHMRING_INSPECT_DEAD_ENTRIES (an
 * impossible pid makes the segment corrupt). Returns 1 if it is alive. */
int inspection_note(shmring_inspection_t *in, uint32_t pid,
                    uint64_t start_time, uint32_t role);
/* Judge the segment open on fd. creation_locked: the caller holds its
 * creation lock, so no creator is at work on it. */
void inspect_fd(int fd, const char *name, int creation_locked,
                shmring_inspection_t *in);
/* segment_check.c: a ring segment's header and tables, checked */
/* Copy the header of the ring segment open on fd (SHMRING_EEMPTY while it
 * is not published) and check it against the file (shm_header_check). */
int ring_check_segment(int fd, const char *name, uint64_t *bytes_out,
                       void *header);
/* The mapped tables of a handle whose header passed ring_check_segment:
 * SHMRING_OK, or SHMRING_ECORRUPT naming the first value out of range. */
int ring_check_tables(const shmring_ring_t *ring);

/* segment.c: fill `in` from the ring segment open on fd, whose layout
 * version is published: geometry and every recorded process. Returns
 * SHMRING_OK, or the refusal of its header or tables (SHMRING_ECORRUPT,
 * SHMRING_EVERSION) with the reason in last_error. Read-only. */
int ring_inspect_fd(int fd, const char *name, shmring_inspection_t *in);
/* rwlock_inspect.c: the same for a readers-writer lock segment. */
int rwlock_inspect_fd(int fd, const char *name, shmring_inspection_t *in);

/* stale.c: remove a segment only if it is stale (shmring_remove_stale). */
int shm_remove_if_stale(const char *name);

/* errors.c */
/* A failure: `status`, with the formatted detail for shmring_last_error. */
int set_error(int status, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
/* An expected outcome of a poll (SHMRING_EFULL, SHMRING_EEMPTY,
 * SHMRING_ECLOSED): `status`, with no detail and nothing formatted. */
int set_outcome(int status);

/* internal.h: sequences */
/* Signed distance a - b between two free-running sequences. */
static inline int64_t seq_diff(uint64_t a, uint64_t b) {
    return (int64_t)(a - b);
}
/* The later of two sequences. */
static inline uint64_t seq_later(uint64_t a, uint64_t b) {
    return seq_diff(a, b) >= 0 ? a : b;
}

#include "wait.h" /* deadline.c, interrupt.c, wait.c */

/* registry_lock.c: the lock that guards the participant tables */
/* How long joins and closes wait for a registry lock whose holder is alive
 * (docs/crash-safety.md, "The registry lock"). */
#define REGISTRY_LOCK_TIMEOUT_NS 5000000000ll
/* How long recovery on the data path (reaping, abandoned slots, adopting
 * orphans) waits for it before trying again at its next period: a
 * legitimate holder holds it for microseconds. */
#define REGISTRY_LOCK_DATA_PATH_NS SHM_SLEEP_SLICE_NS
/* Take the registry lock, taking it over from a dead or impossible holder;
 * SHMRING_ETIMEOUT if a live holder keeps it for timeout_ns (0: at once). */
int registry_lock_within(shmring_ring_t *ring, int64_t timeout_ns);
/* registry_lock_within(ring, REGISTRY_LOCK_TIMEOUT_NS). */
int registry_lock(shmring_ring_t *ring);
void registry_unlock(shmring_ring_t *ring);
/* The pid holding the registry lock (0: free) and its start time (0:
 * not known), for observers. */
uint32_t registry_lock_holder(const shmring_ring_t *ring,
                              uint64_t *start_time_out);

/* registry.c: joining, leaving and reaping the participant tables */
int registry_add_writer(shmring_ring_t *ring, struct writer_entry **out);
/* Leaving frees the entry even when the registry lock cannot be had (its
 * holder alive past the bound); the status then says so. */
int registry_remove_writer(shmring_ring_t *ring, struct writer_entry *e);
int registry_add_reader(shmring_ring_t *ring, uint32_t kind,
                        const char *group_name, struct reader_entry **out,
                        struct group_entry **group_out);
int registry_remove_reader(shmring_ring_t *ring, struct reader_entry *e,
                           struct group_entry *g);
/* Free the entries of readers whose processes are gone (taking the lock
 * for at most REGISTRY_LOCK_DATA_PATH_NS); returns how many. */
int reap_dead_readers(shmring_ring_t *ring);
/* Free the entries of writers whose processes are gone; returns how many.
 * The caller holds the registry lock. */
uint32_t reap_dead_writers_locked(shmring_ring_t *ring);

/* gates.c: how far writers may go */
/* The oldest sequence any gating reader still needs, seen from `tail`. */
uint64_t min_reader_gate(const shmring_ring_t *ring, uint64_t tail);

/* liveness.c: pid + start time -> alive? */
uint64_t process_start_time(uint32_t pid);
/* The kernel's pid limit (/proc/sys/kernel/pid_max; 2^22 if unreadable):
 * every pid is below it. */
uint32_t pid_limit(void);
/* 1 if some process could have this pid: 0 < pid < pid_limit(). */
int pid_is_possible(uint32_t pid);
/* 1 if the process is gone, a zombie, or its pid was reused (start_time 0:
 * existence only); also for a pid no process can have (pid_is_possible). */
int participant_is_dead(uint32_t pid, uint64_t start_time);

/* stream.c */
void end_stream(shmring_ring_t *ring);

/* writer.c: shmring_reserve with a deadline (also for array_write.c) */
int reserve_by(shmring_writer_t *w, void **slot_out,
               const struct deadline *deadline);

/* orphans.c: a dead group member's unfinished messages, redelivered. The
 * _locked calls need the registry lock; the others take it. */
void orphans_keep_hold_locked(shmring_ring_t *ring, struct reader_entry *e,
                              struct group_entry *g);
void orphans_return_adopted_locked(shmring_ring_t *ring,
                                   const struct reader_entry *member,
                                   struct group_entry *g);
void orphans_free_group_locked(shmring_ring_t *ring, uint32_t group_index,
                               struct group_entry *g);
/* Adopt one orphaned hold of member's group; NULL if none is left. */
struct reader_entry *orphans_adopt(shmring_ring_t *ring,
                                   struct reader_entry *member,
                                   struct group_entry *g);
/* Free an adopted hold that has been read to its end. */
void orphans_release_adopted(shmring_ring_t *ring,
                             const struct reader_entry *member,
                             struct reader_entry *adopted);

/* recovery.c: slots claimed by writers that died */
/* Free dead writers' entries, then publish as abandoned every claimed,
 * unpublished slot from `from` on that no live writer can still publish;
 * returns how many. */
uint32_t recover_abandoned(shmring_ring_t *ring, uint64_t from);

#endif /* SHMRING_INTERNAL_H */
