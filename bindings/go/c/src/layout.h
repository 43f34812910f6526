/*
 * layout.h -- the shared-memory layout, version 2 (docs/layout.md is the
 * normative description; the _Static_asserts below pin every offset another
 * language depends on).
 *
 *   offset 0      segment_header   128 B  immutable once layout_version != 0
 *   offset 128    control          896 B  7 blocks of 128 B, one owner each
 *   writers_off   writer_entry[max_writers]   128 B each
 *   readers_off   reader_entry[max_readers]   128 B each
 *   groups_off    group_entry[max_groups]     128 B each
 *   slots_off     slot[array_slots]           slot_stride B each (16 B header
 *                                             + payload, rounded up to 64)
 *
 * 128 B blocks keep fields written by different parties off each other's
 * cache lines, including the adjacent line the prefetcher pulls in.
 */
#ifndef SHMRING_LAYOUT_H
#define SHMRING_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "atomics.h"

#define SHM_MAGIC "SHMRING"           /* 8 bytes with the NUL */
#define SHM_BYTE_ORDER_MARK 0x01020304u
/* Every segment kind (ring, lock) starts with magic[8], layout_version,
 * byte_order_mark: shm_check_identity reads them at these offsets. */
#define SHM_MAGIC_BYTES 8u
#define SHM_BYTE_ORDER_MARK_OFFSET 12u
#define SHM_BLOCK 128u                /* placement unit of shared fields */
#define SHM_SLOT_ALIGN 64u            /* slot stride is a multiple of this */
#define SHM_SLOT_HEADER 16u           /* stamp + length + flags */
#define SHM_GROUP_NAME_BYTES 32u      /* including the NUL */

/* segment_header.config_flags */
#define SHM_CONFIG_CLOSE_ON_LAST_WRITER 1u

/* entry states (writer, reader and group entries) */
#define SHM_ENTRY_FREE 0u
#define SHM_ENTRY_ACTIVE 1u
/* reader entries only: a dead member's unfinished hold, kept to be
 * redelivered (awaiting a member), and the same being redelivered by the
 * member in `adopter` */
#define SHM_ENTRY_ORPHAN 2u
#define SHM_ENTRY_ADOPTED 3u

/* reader_entry.kind */
#define SHM_READER_BROADCAST 1u    /* = SHMRING_KIND_BROADCAST */
#define SHM_READER_GROUP_MEMBER 2u /* = SHMRING_KIND_GROUP_MEMBER */
#define SHM_READER_LOSSY 3u        /* = SHMRING_KIND_LOSSY */

/* slot.flags */
#define SHM_SLOT_SKIP 1u /* aborted reservation or post-close claim */
#define SHM_SLOT_ABANDONED 2u /* with SKIP: claimed by a writer that died */

struct segment_header {               /* written once by the creator */
    char magic[8];                    /* "SHMRING\0" */
    atomic_u32 layout_version;        /* 0 until ready; release-stored last */
    uint32_t byte_order_mark;         /* 0x01020304 in the creator's order */
    uint64_t segment_bytes;           /* size of the whole segment */
    uint64_t slot_bytes;              /* largest message */
    uint64_t array_slots;             /* slots in the array, a power of two */
    uint64_t slot_stride;             /* bytes from one slot to the next */
    uint32_t max_writers;
    uint32_t max_readers;
    uint32_t max_groups;
    uint32_t config_flags;            /* SHM_CONFIG_* */
    uint64_t writers_offset;
    uint64_t readers_offset;
    uint64_t groups_offset;
    uint64_t slots_offset;
    uint64_t initial_sequence;        /* first sequence number of the ring */
    uint32_t creator_pid;
    uint32_t block_bytes;             /* 128: the placement unit */
    uint64_t creator_start_time;      /* clock ticks since boot */
    /* Unread messages (behind the slowest gate) at which writers find the
     * ring full: the slot count the creator asked for, 1..array_slots. */
    uint64_t capacity;
};

struct control {
    /* block 1, writers: next sequence to claim (free-running). */
    atomic_u64 tail;
    uint8_t pad1[SHM_BLOCK - 8];
    /* block 2: readers sleep here for messages (an event count: the low 32
     * bits are the epoch, the futex word; the high 32 bits count sleepers
     * registered in that epoch; see wait.c). */
    atomic_u64 data_wait;
    uint8_t pad2[SHM_BLOCK - 8];
    /* block 3: writers sleep here for free slots (same encoding). */
    atomic_u64 space_wait;
    uint8_t pad3[SHM_BLOCK - 8];
    /* block 4: stream state, read on every slow path, written rarely. */
    atomic_u32 closed;                /* 1 once the stream has ended */
    atomic_u32 writers_open;          /* writers joined and not yet closed */
    atomic_u64 writers_joined;        /* writers that ever joined */
    atomic_u64 skip_floor;            /* readers behind this jump to it */
    uint8_t pad4[SHM_BLOCK - 24];
    /* block 5: participant registry (joins and leaves only). */
    atomic_u32 registry_lock;         /* pid of the holder, 0 = free */
    atomic_u32 writers_high_water;    /* entries [0, hw) may be in use */
    atomic_u32 readers_high_water;
    atomic_u32 groups_high_water;
    /* The holder's (start time << 22) | pid, 0 until it stores it: a
     * waiter trusts the start time only where the pid is the holder's. */
    atomic_u64 registry_lock_owner;
    uint8_t pad5[SHM_BLOCK - 24];
    /* blocks 6-7: ring-wide statistics. */
    atomic_u64 readers_reaped;        /* entries of dead readers freed */
    atomic_u64 writers_reaped;        /* entries of dead writers freed */
    atomic_u64 slots_abandoned;       /* claimed by a dead writer, skipped */
    /* Producers sleep here for readers to join (shmring_wait_for_readers;
     * an event count, encoded as data_wait), bumped by every join. */
    atomic_u64 join_wait;
    uint8_t reserved[2 * SHM_BLOCK - 32];
};

struct writer_entry {
    atomic_u32 state;                 /* SHM_ENTRY_* */
    uint32_t pid;
    uint64_t start_time;              /* the owner's, clock ticks since boot */
    atomic_u64 messages;              /* published by this writer */
    atomic_u64 bytes;
    atomic_u64 waits;                 /* times it slept for space */
    /* stamp_writing(first sequence) of the claim being made or filled;
     * 0 when none (recovery.c). */
    atomic_u64 claim;
    atomic_u64 aborted;               /* reservations aborted */
    uint8_t reserved[SHM_BLOCK - 56];
};

struct reader_entry {
    atomic_u32 state;                 /* SHM_ENTRY_* */
    atomic_u32 kind;                  /* SHM_READER_* */
    uint32_t pid;
    atomic_u32 group_index;           /* group members only */
    uint64_t start_time;
    atomic_u64 position;              /* next sequence (broadcast, lossy) */
    atomic_u64 holding;               /* first sequence held (members) */
    atomic_u32 holding_busy;          /* 1 while holding is in use */
    atomic_u32 adopter;               /* ADOPTED: 1 + the adopting entry */
    atomic_u64 messages;              /* delivered to this reader */
    atomic_u64 missed;                /* lapped or skipped over */
    atomic_u64 waits;                 /* times it slept for data */
    atomic_u64 holding_end;           /* members: end of the held span */
    atomic_u64 redelivered;           /* taken over from dead members */
    uint8_t reserved[SHM_BLOCK - 88];
};

struct group_entry {
    atomic_u32 state;                 /* SHM_ENTRY_* */
    atomic_u32 members;
    char name[SHM_GROUP_NAME_BYTES];  /* NUL-terminated, NUL-padded */
    uint8_t pad[SHM_BLOCK / 2 - 40];
    atomic_u64 next;                  /* next sequence handed to a member */
    atomic_u32 orphans;               /* ORPHAN entries of this group */
    uint8_t reserved[SHM_BLOCK / 2 - 12];
};

/* slot.stamp encodes (sequence, writing): (seq << 1) | writing. It is
 * compared modulo 2^63, which is unambiguous while fewer than 2^62
 * sequences separate any two parties. */
struct slot_header {
    atomic_u64 stamp;
    atomic_u32 length;
    atomic_u32 flags;                 /* SHM_SLOT_* */
    /* payload follows: slot_bytes bytes */
};

_Static_assert(sizeof(struct segment_header) == 128, "header is one block");
_Static_assert(offsetof(struct segment_header, layout_version) == 8, "abi");
_Static_assert(offsetof(struct segment_header, byte_order_mark) ==
                   SHM_BYTE_ORDER_MARK_OFFSET, "abi");
_Static_assert(offsetof(struct segment_header, segment_bytes) == 16, "abi");
_Static_assert(offsetof(struct segment_header, slot_bytes) == 24, "abi");
_Static_assert(offsetof(struct segment_header, array_slots) == 32, "abi");
_Static_assert(offsetof(struct segment_header, slot_stride) == 40, "abi");
_Static_assert(offsetof(struct segment_header, max_writers) == 48, "abi");
_Static_assert(offsetof(struct segment_header, config_flags) == 60, "abi");
_Static_assert(offsetof(struct segment_header, writers_offset) == 64, "abi");
_Static_assert(offsetof(struct segment_header, slots_offset) == 88, "abi");
_Static_assert(offsetof(struct segment_header, initial_sequence) == 96, "abi");
_Static_assert(offsetof(struct segment_header, creator_pid) == 104, "abi");
_Static_assert(offsetof(struct segment_header, block_bytes) == 108, "abi");
_Static_assert(offsetof(struct segment_header, creator_start_time) == 112,
               "abi");
_Static_assert(offsetof(struct segment_header, capacity) == 120, "abi");
_Static_assert(sizeof(struct control) == 7 * SHM_BLOCK, "control blocks");
_Static_assert(offsetof(struct control, tail) == 0, "abi");
_Static_assert(offsetof(struct control, join_wait) == 5 * SHM_BLOCK + 24,
               "abi");
_Static_assert(offsetof(struct control, data_wait) == 128, "abi");
_Static_assert(offsetof(struct control, space_wait) == 256, "abi");
_Static_assert(offsetof(struct control, closed) == 384, "abi");
_Static_assert(offsetof(struct control, writers_joined) == 392, "abi");
_Static_assert(offsetof(struct control, skip_floor) == 400, "abi");
_Static_assert(offsetof(struct control, registry_lock) == 512, "abi");
_Static_assert(offsetof(struct control, groups_high_water) == 524, "abi");
_Static_assert(offsetof(struct control, registry_lock_owner) == 528, "abi");
_Static_assert(offsetof(struct control, readers_reaped) == 640, "abi");
_Static_assert(offsetof(struct control, writers_reaped) == 648, "abi");
_Static_assert(offsetof(struct control, slots_abandoned) == 656, "abi");
_Static_assert(sizeof(struct writer_entry) == SHM_BLOCK, "one block");
_Static_assert(offsetof(struct writer_entry, messages) == 16, "abi");
_Static_assert(offsetof(struct writer_entry, claim) == 40, "abi");
_Static_assert(sizeof(struct reader_entry) == SHM_BLOCK, "one block");
_Static_assert(offsetof(struct reader_entry, position) == 24, "abi");
_Static_assert(offsetof(struct reader_entry, holding) == 32, "abi");
_Static_assert(offsetof(struct reader_entry, holding_busy) == 40, "abi");
_Static_assert(offsetof(struct reader_entry, messages) == 48, "abi");
_Static_assert(offsetof(struct reader_entry, waits) == 64, "abi");
_Static_assert(offsetof(struct reader_entry, adopter) == 44, "abi");
_Static_assert(offsetof(struct reader_entry, holding_end) == 72, "abi");
_Static_assert(offsetof(struct reader_entry, redelivered) == 80, "abi");
_Static_assert(sizeof(struct group_entry) == SHM_BLOCK, "one block");
_Static_assert(offsetof(struct group_entry, name) == 8, "abi");
_Static_assert(offsetof(struct group_entry, next) == 64, "abi");
_Static_assert(offsetof(struct group_entry, orphans) == 72, "abi");
_Static_assert(sizeof(struct slot_header) == SHM_SLOT_HEADER, "abi");
_Static_assert(offsetof(struct slot_header, length) == 8, "abi");
_Static_assert(offsetof(struct slot_header, flags) == 12, "abi");

#define SHM_CONTROL_OFFSET 128u
#define SHM_TABLES_OFFSET (SHM_CONTROL_OFFSET + sizeof(struct control))

#endif /* SHMRING_LAYOUT_H */
