/*
 * recovery.c -- slots claimed by writers that died before publishing them.
 *
 * A writer records the first sequence of the claim it is about to make in
 * its entry (writer_entry.claim) before its CAS on tail, and clears the
 * record after publishing every slot of the claim. So a claimed sequence
 * that is still unpublished is covered by its writer's record; if it lies
 * below the record of every live writer, its writer is dead and nobody will
 * ever publish it.
 *
 * A participant stuck behind such a slot for SHM_REAP_AFTER_NS (a reader
 * waiting at it, a writer that would lap it) calls recover_abandoned: under
 * the registry lock (so recoverers do not race each other) it frees the
 * entries of dead writers, then publishes every claimed, unpublished slot
 * from the stuck sequence up to the oldest live claim as an abandoned skip.
 * Readers pass over it like an aborted reservation; the total order goes on.
 * docs/algorithm.md, "Dead writers", has the argument.
 */
#include "internal.h"
#include "slots.h"

/* The distance from `from` to the oldest claim a live writer may still be
 * making or filling (INT64_MAX when none). The caller holds the registry
 * lock, so the set of ACTIVE entries is fixed; their records are not. */
static int64_t oldest_live_claim(const shmring_ring_t *ring, uint64_t from) {
    int64_t oldest = INT64_MAX;
    /* Relaxed: entries change state only under the registry lock we hold. */
    uint32_t writers = load_relaxed(&ring->control->writers_high_water);
    if (writers > ring->header->max_writers) writers = ring->header->max_writers;
    for (uint32_t i = 0; i < writers; i++) {
        struct writer_entry *e = &ring->writers[i];
        /* Relaxed: as above. */
        if (load_relaxed(&e->state) != SHM_ENTRY_ACTIVE) continue;
        /* SYNC(claim-record): pairs with the release stores of claim in
         * claim_slots and clear_claim: a record read here comes after the
         * stamps of every earlier claim of that writer. */
        uint64_t claim = load_acquire(&e->claim);
        if (claim == 0) continue;
        int64_t distance = stamp_distance(claim, from);
        if (distance < oldest) oldest = distance;
    }
    return oldest;
}

/* Publish one claimed, unpublished slot as abandoned: no writer is left to
 * touch it, so the stores are the ones its writer would have made. */
static void abandon_slot(shmring_ring_t *ring, uint64_t sequence) {
    begin_slot(ring, sequence);
    publish_slot(ring, sequence, 0, SHM_SLOT_SKIP | SHM_SLOT_ABANDONED);
}

uint32_t recover_abandoned(shmring_ring_t *ring, uint64_t from) {
    /* Periodic, on the data path: a lock busy for longer is tried again
     * next time. */
    if (registry_lock_within(ring, REGISTRY_LOCK_DATA_PATH_NS) != SHMRING_OK) {
        return 0;
    }
    reap_dead_writers_locked(ring);
    /* Tail first: every claim below it was recorded before its CAS, so the
     * record scan that follows sees it (or its clearing).
     * SYNC(tail-claim), SYNC(claim-record): pairs with the cas_seq_cst in
     * claim_slots, which publishes the record's release store before it. */
    uint64_t tail = load_seq_cst(&ring->control->tail);
    int64_t claimed = seq_diff(tail, from);
    int64_t limit = oldest_live_claim(ring, from);
    if (limit > claimed) limit = claimed;
    if (limit > (int64_t)ring->array_slots) limit = (int64_t)ring->array_slots;
    uint32_t abandoned = 0;
    for (int64_t i = 0; i < limit; i++) {
        uint64_t sequence = from + (uint64_t)i;
        /* SYNC(slot-published): pairs with store_seq_cst(stamp) in
         * publish_slot; after the record scan, so a writer that cleared
         * its record has published here. */
        uint64_t stamp = load_seq_cst(&slot_at(ring, sequence)->stamp);
        if (stamp == stamp_published(sequence)) continue;
        if (stamp_distance(stamp, sequence) > 0) break; /* reused: stale */
        abandon_slot(ring, sequence);
        abandoned++;
    }
    if (abandoned) {
        /* Relaxed: a statistic, read by observers only. */
        fetch_add_relaxed(&ring->control->slots_abandoned, abandoned);
    }
    registry_unlock(ring);
    if (abandoned) {
        wake_all(&ring->control->data_wait);
        wake_all(&ring->control->space_wait);
    }
    return abandoned;
}
