/* geometry.c -- segment geometry: limits and offsets (docs/layout.md). */
#include "geometry.h"

#include "internal.h"

#define PAGE 4096u

static uint64_t round_up(uint64_t n, uint64_t unit) {
    return (n + unit - 1) / unit * unit;
}

/* The smallest power of two >= capacity, and at least 2: sequences map to
 * slots by a mask, which stays right across the 2^64 wrap; the second slot
 * keeps a lossy reader at tail - 1 from being lapped by the very next claim
 * (reader.c). Out-of-range capacities give 0, which geometry_compute
 * refuses after the capacity itself. */
uint64_t geometry_array_slots(uint64_t capacity) {
    if (capacity > SHM_MAX_SLOT_COUNT) return 0;
    uint64_t slots = 2;
    while (slots < capacity) slots <<= 1;
    return slots;
}

int geometry_compute(struct geometry *g) {
    if (g->slot_bytes < 1 || g->slot_bytes > SHM_MAX_SLOT_BYTES) {
        return set_error(SHMRING_EINVALID,
                         "slot_bytes must be 1..%llu, not %llu",
                         (unsigned long long)SHM_MAX_SLOT_BYTES,
                         (unsigned long long)g->slot_bytes);
    }
    if (g->capacity < 1 || g->capacity > SHM_MAX_SLOT_COUNT) {
        return set_error(SHMRING_EINVALID, "slot_count must be 1..%llu, not %llu",
                         (unsigned long long)SHM_MAX_SLOT_COUNT,
                         (unsigned long long)g->capacity);
    }
    if (g->array_slots < 2 || g->array_slots > SHM_MAX_SLOT_COUNT ||
        (g->array_slots & (g->array_slots - 1)) != 0 ||
        g->array_slots < g->capacity) {
        return set_error(SHMRING_EINVALID,
                         "the slot array must be a power of two in 2..%llu "
                         "holding the capacity %llu, not %llu slots",
                         (unsigned long long)SHM_MAX_SLOT_COUNT,
                         (unsigned long long)g->capacity,
                         (unsigned long long)g->array_slots);
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
    /* array_slots <= 2^31 and slot_stride < 2^33: the product fits. */
    g->segment_bytes = g->slots_offset + g->array_slots * g->slot_stride;
    return SHMRING_OK;
}
