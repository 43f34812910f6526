/*
 * rwlock.h -- the readers-writer lock segment, layout version 1
 * (docs/layout.md, "Readers-writer lock segment", is the normative
 * description), and the process-local handle. Nothing here is ABI but the
 * offsets the _Static_asserts pin.
 *
 *   offset 0     rwlock_header    128 B  immutable once layout_version != 0
 *   offset 128   rwlock_control   512 B  4 blocks of 128 B
 *   offset 640   rwlock_holder[max_holders]   128 B each
 */
#ifndef SHMRING_RWLOCK_H
#define SHMRING_RWLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "internal.h"

#define RWLOCK_MAGIC "SHMRWLK"        /* 8 bytes with the NUL */
#define RWLOCK_LAYOUT_VERSION 1u
#define RWLOCK_DEFAULT_HOLDERS 128u
#define RWLOCK_MAX_HOLDERS 65536u
#define RWLOCK_CONTROL_OFFSET 128u
#define RWLOCK_HOLDERS_OFFSET 640u

/* The exclusive word: 0 = nobody; else (holder generation << 32) |
 * RWLOCK_HELD (once the readers have left) | (holder index + 1). */
#define RWLOCK_HELD 0x80000000ull
#define RWLOCK_INDEX_MASK 0x7FFFFFFFull

/* holder.owner: (generation << 32) | pid; pid 0 = free. */
/* holder.shared: (generation << 32) | depth of nested shared holds. */

struct rwlock_header {                /* written once by the creator */
    char magic[8];                    /* "SHMRWLK\0" */
    atomic_u32 layout_version;        /* 0 until ready; release-stored last */
    uint32_t byte_order_mark;         /* 0x01020304 in the creator's order */
    uint64_t segment_bytes;           /* size of the whole segment */
    uint32_t max_holders;
    uint32_t block_bytes;             /* 128: the placement unit */
    uint64_t holders_offset;          /* 640 */
    uint32_t creator_pid;
    uint32_t reserved0;
    uint64_t creator_start_time;      /* clock ticks since boot */
    uint8_t reserved[128 - 56];
};

struct rwlock_control {
    /* block 1: who holds or is taking the lock exclusively. */
    atomic_u64 exclusive;
    uint8_t pad1[SHM_BLOCK - 8];
    /* block 2: waiters for `exclusive` to become 0 sleep here (an event
     * count, see wait.c). */
    atomic_u64 free_wait;
    uint8_t pad2[SHM_BLOCK - 8];
    /* block 3: a writer waiting for shared holders to leave sleeps here. */
    atomic_u64 drain_wait;
    uint8_t pad3[SHM_BLOCK - 8];
    /* block 4: the holder table (opens and closes) and statistics. */
    atomic_u32 holders_high_water;    /* holders [0, hw) may be in use */
    uint32_t reserved0;
    atomic_u64 recovered;             /* holders of dead processes freed */
    atomic_u64 waits;                 /* futex sleeps of waiters */
    atomic_u64 exclusive_holds;       /* exclusive holds ended so far */
    uint8_t pad4[SHM_BLOCK - 32];
};

struct rwlock_holder {
    atomic_u64 owner;                 /* (generation << 32) | pid, 0 = free */
    atomic_u64 start_time;            /* the owner's, clock ticks since boot */
    atomic_u32 start_generation;      /* the generation start_time is for */
    uint32_t reserved0;
    atomic_u64 shared;                /* (generation << 32) | shared depth */
    uint8_t reserved[SHM_BLOCK - 32];
};

_Static_assert(sizeof(struct rwlock_header) == 128, "header is one block");
_Static_assert(offsetof(struct rwlock_header, layout_version) == 8, "abi");
_Static_assert(offsetof(struct rwlock_header, byte_order_mark) ==
                   SHM_BYTE_ORDER_MARK_OFFSET, "abi");
_Static_assert(offsetof(struct rwlock_header, segment_bytes) == 16, "abi");
_Static_assert(offsetof(struct rwlock_header, max_holders) == 24, "abi");
_Static_assert(offsetof(struct rwlock_header, holders_offset) == 32, "abi");
_Static_assert(offsetof(struct rwlock_header, creator_pid) == 40, "abi");
_Static_assert(offsetof(struct rwlock_header, creator_start_time) == 48,
               "abi");
_Static_assert(sizeof(struct rwlock_control) == 4 * SHM_BLOCK, "4 blocks");
_Static_assert(offsetof(struct rwlock_control, free_wait) == 128, "abi");
_Static_assert(offsetof(struct rwlock_control, drain_wait) == 256, "abi");
_Static_assert(offsetof(struct rwlock_control, holders_high_water) == 384,
               "abi");
_Static_assert(offsetof(struct rwlock_control, recovered) == 392, "abi");
_Static_assert(offsetof(struct rwlock_control, waits) == 400, "abi");
_Static_assert(offsetof(struct rwlock_control, exclusive_holds) == 408,
               "abi");
_Static_assert(sizeof(struct rwlock_holder) == SHM_BLOCK, "one block");
_Static_assert(offsetof(struct rwlock_holder, start_time) == 8, "abi");
_Static_assert(offsetof(struct rwlock_holder, start_generation) == 16, "abi");
_Static_assert(offsetof(struct rwlock_holder, shared) == 24, "abi");
_Static_assert(RWLOCK_CONTROL_OFFSET + sizeof(struct rwlock_control) ==
                   RWLOCK_HOLDERS_OFFSET,
               "holders follow the control blocks");

/* One handle = one holder entry of the table. */
struct shmring_rwlock {
    uint8_t *base;                    /* this handle's own mapping */
    uint64_t mapped_bytes;
    int fd;                           /* kept for shmring_rwlock_dup */
    char *name;                       /* NULL when anonymous */
    uint32_t max_holders;             /* validated copy of the header's */
    struct rwlock_control *control;
    struct rwlock_holder *holders;
    uint32_t pid;                     /* the process the holder belongs to */
    uint32_t index;                   /* our holder entry */
    uint32_t generation;              /* and its generation */
    uint32_t shared_depth;            /* nested shared holds */
    int exclusive;                    /* 1 while held exclusively */
    struct spinner spin;
    struct interrupt interrupt;
};

/* rwlock.h: the words of the protocol */
/* Internal "try again" result of an attempt (never returned to callers). */
#define NOT_READY 1
/* A holder's shared word: its generation and its shared depth. */
static inline uint64_t shared_word(const shmring_rwlock_t *lock,
                                   uint32_t depth) {
    return ((uint64_t)lock->generation << 32) | depth;
}
/* The holder index an exclusive word names; max_holders if none or
 * garbage. */
static inline uint32_t exclusive_index(const shmring_rwlock_t *lock,
                                       uint64_t word) {
    uint64_t index_plus_one = word & RWLOCK_INDEX_MASK;
    if (index_plus_one == 0 || index_plus_one > lock->max_holders) {
        return lock->max_holders;
    }
    return (uint32_t)(index_plus_one - 1);
}

/* rwlock_recovery.c */
/* Free holder `index` if its process is gone: its exclusive and shared
 * holds end and the entry is free again. 1 if this call freed it. */
int rwlock_recover_if_dead(shmring_rwlock_t *lock, uint32_t index);

/* rwlock.c */
/* The handle may act for this process; else a status with the reason. */
int rwlock_check_handle(const shmring_rwlock_t *lock);
/* Release whatever this handle holds (at close). */
void rwlock_release_holds(shmring_rwlock_t *lock);

/* rwlock_segment.c */
/* This process's pid, without a system call (kept current across fork). */
uint32_t rwlock_current_pid(void);
/* Map fd's header, copy and validate it; SHMRING_EEMPTY while not ready. */
int rwlock_check_segment(int fd, const char *name, uint64_t *bytes_out,
                         void *header);

static inline uint64_t rwlock_segment_bytes(uint32_t max_holders) {
    return RWLOCK_HOLDERS_OFFSET + (uint64_t)max_holders * SHM_BLOCK;
}

#endif /* SHMRING_RWLOCK_H */
