/* geometry.c -- segment geometry: limits and offsets (docs/layout.md). */
#include "geometry.h"

#include "internal.h"

#define PAGE 4096u

static uint64_t round_up(uint64_t n, uint64_t unit) {
    return (n + unit - 1) / unit * unit;
}

int geometry_compute(struct geometry *g) {
    if (g->slot_bytes < 1 || g->slot_bytes > SHM_MAX_SLOT_BYTES) {
        return set_error(SHMRING_EINVALID,
                         "slot_bytes must be 1..%llu, not %llu",
                         (unsigned long long)SHM_MAX_SLOT_BYTES,
                         (unsigned long long)g->slot_bytes);
    }
    if (g->slot_count < 2 || g->slot_count > SHM_MAX_SLOT_COUNT ||
        (g->slot_count & (g->slot_count - 1)) != 0) {
        return set_error(SHMRING_EINVALID,
                         "slot_count must be a power of two in 2..%llu, not "
                         "%llu",
                         (unsigned long long)SHM_MAX_SLOT_COUNT,
                         (unsigned long long)g->slot_count);
    }
    if (g->max_writers < 1 || g->max_writers > SHM_MAX_PARTICIPANTS ||
        g->max_readers < 1 || g->max_readers > SHM_MAX_PARTICIPANTS ||
        g->max_groups > SHM_MAX_GROUPS) {
        return set_error(SHMRING_EINVALID,
                         "participant limits out of range (writers %u, "
                         "readers %u, groups %u)",
                         g->max_writers, g->max_readers, g->max_groups);
    }
    g->slot_stride = round_up(SHM_SLOT_HEADER + g->slot_bytes, SHM_SLOT_ALIGN);
    g->writers_offset = SHM_TABLES_OFFSET;
    g->readers_offset = g->writers_offset + (uint64_t)g->max_writers * SHM_BLOCK;
    g->groups_offset = g->readers_offset + (uint64_t)g->max_readers * SHM_BLOCK;
    g->slots_offset =
        round_up(g->groups_offset + (uint64_t)g->max_groups * SHM_BLOCK, PAGE);
    /* slot_count <= 2^31 and slot_stride < 2^33: the product fits. */
    g->segment_bytes = g->slots_offset + g->slot_count * g->slot_stride;
    return SHMRING_OK;
}
