/* geometry.h -- where everything lives in a segment, derived from the five
 * numbers the creator chose. Creators write it; openers recompute and
 * compare, so a segment whose offsets disagree is refused. */
#ifndef SHMRING_GEOMETRY_H
#define SHMRING_GEOMETRY_H

#include <stdint.h>

struct geometry {
    uint64_t slot_bytes, slot_count, slot_stride;
    uint32_t max_writers, max_readers, max_groups;
    uint64_t writers_offset, readers_offset, groups_offset, slots_offset;
    uint64_t segment_bytes;
};

/* Fills g from its first five fields; SHMRING_OK or SHMRING_EINVALID with
 * the reason in shmring_last_error(). */
int geometry_compute(struct geometry *g);

#endif
