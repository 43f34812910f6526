/* geometry.h -- where everything lives in a segment, derived from the
 * numbers the creator chose. Creators write it; openers recompute and
 * compare, so a segment whose offsets disagree is refused. */
#ifndef SHMRING_GEOMETRY_H
#define SHMRING_GEOMETRY_H

#include <stdint.h>

struct geometry {
    uint64_t slot_bytes;
    uint64_t capacity;                /* the slot count the user asked for */
    uint64_t array_slots;             /* slots in the array: a power of two */
    uint64_t slot_stride;
    uint32_t max_writers, max_readers, max_groups;
    uint64_t writers_offset, readers_offset, groups_offset, slots_offset;
    uint64_t segment_bytes;
};

/* The slot array a creator makes for `capacity` (docs/layout.md). */
uint64_t geometry_array_slots(uint64_t capacity);

/* Checks the first six fields and fills the rest; SHMRING_OK or
 * SHMRING_EINVALID with the reason in shmring_last_error(). */
int geometry_compute(struct geometry *g);

#endif
