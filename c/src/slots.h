/*
 * slots.h -- a slot's stamp and where a sequence's slot is: the stamp
 * encoding (sequence << 1, odd while being written), slot addressing, and
 * the two stamp stores around filling a claimed slot, used by writers
 * (writer.c), by recovery for a dead writer's slots (recovery.c), by the
 * creator for the first stamps (segment.c), and read by readers
 * (reader.c). The stamp is also the lossy readers' seqlock.
 */
#ifndef SHMRING_SLOTS_H
#define SHMRING_SLOTS_H

#include "internal.h"

static inline uint64_t stamp_published(uint64_t sequence) {
    return sequence << 1;
}
static inline uint64_t stamp_writing(uint64_t sequence) {
    return (sequence << 1) | 1u;
}
/* How far the stamp's sequence is ahead of `sequence` (mod 2^63). */
static inline int64_t stamp_distance(uint64_t stamp, uint64_t sequence) {
    return (int64_t)((stamp & ~(uint64_t)1) - (sequence << 1)) >> 1;
}
static inline struct slot_header *slot_at(const shmring_ring_t *ring,
                                          uint64_t sequence) {
    return (struct slot_header *)(ring->slots +
                                  (sequence & ring->slot_mask) *
                                      ring->slot_stride);
}
static inline uint8_t *slot_payload(struct slot_header *slot) {
    return (uint8_t *)slot + SHM_SLOT_HEADER;
}
/* Mark a claimed slot as being written (the seqlock's odd state: a lossy
 * reader that copied any byte written after this sees the stamp change). */
static inline void begin_slot(const shmring_ring_t *ring, uint64_t sequence) {
    struct slot_header *slot = slot_at(ring, sequence);
    /* Relaxed plus the release fence: the stamp change is ordered before
     * the payload writes. SYNC(seqlock): pairs with seqlock_fence_acquire
     * in lossy_validate. */
    store_relaxed(&slot->stamp, stamp_writing(sequence));
    seqlock_fence_release();
}
/* Publish a filled slot: its length and flags, then its stamp. */
static inline void publish_slot(const shmring_ring_t *ring, uint64_t sequence,
                                uint64_t length, uint32_t flags) {
    struct slot_header *slot = slot_at(ring, sequence);
    /* Relaxed: published by the stamp store below. */
    store_relaxed(&slot->length, (uint32_t)length);
    store_relaxed(&slot->flags, flags);
    /* SYNC(slot-published): pairs with load_seq_cst(stamp) in
     * collect_batch; seq_cst for the store-load pair with data_wait. */
    store_seq_cst(&slot->stamp, stamp_published(sequence));
}

#endif /* SHMRING_SLOTS_H */
