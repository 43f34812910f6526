/*
 * orphans.c -- at-least-once inside a group: what a dead member had taken
 * and not finished is redelivered to another member.
 *
 * A member's hold is its entry's [holding, holding_end) with holding_busy
 * set, and it gates writers. When the member dies, the reaper (under the
 * registry lock) does not free the entry: it turns it into an ORPHAN, still
 * busy, so the slots stay gated, and counts it in its group's `orphans`.
 * A member that sees orphans adopts one (under the lock: ADOPTED, with
 * `adopter` naming it), reads its messages like its own, moves the orphan's
 * `holding` past each batch it finishes (a release store: writers may reuse
 * those slots), and frees the entry once it is drained. If the adopter
 * leaves or dies first, the entry becomes an ORPHAN again. When a group's
 * last member goes, its orphans go with it: nobody is left to read them.
 * docs/algorithm.md, "Dead group members", has the argument.
 */
#include "internal.h"

static uint32_t reader_scan_bound(const shmring_ring_t *ring) {
    /* Relaxed: entries change only under the registry lock the callers
     * hold (or, in min_reader_gate, are read with seq_cst elsewhere). */
    uint32_t readers = load_relaxed(&ring->control->readers_high_water);
    return readers < ring->header->max_readers ? readers
                                               : ring->header->max_readers;
}

static uint32_t adopter_tag(const shmring_ring_t *ring,
                            const struct reader_entry *member) {
    return (uint32_t)(member - ring->readers) + 1;
}

/* 1 if e is a kept hold (ORPHAN or ADOPTED) of group `group_index`. */
static int kept_hold_of(const struct reader_entry *e, uint32_t group_index,
                        uint32_t state) {
    /* Relaxed: under the registry lock (callers). */
    return load_relaxed(&e->state) == state &&
           load_relaxed(&e->group_index) == group_index;
}

void orphans_return_adopted_locked(shmring_ring_t *ring,
                                   const struct reader_entry *member,
                                   struct group_entry *g) {
    uint32_t tag = adopter_tag(ring, member);
    /* Relaxed: under the registry lock. */
    uint32_t group_index = load_relaxed(&member->group_index);
    uint32_t bound = reader_scan_bound(ring);
    for (uint32_t i = 0; i < bound; i++) {
        struct reader_entry *e = &ring->readers[i];
        /* Relaxed: under the registry lock. */
        if (!kept_hold_of(e, group_index, SHM_ENTRY_ADOPTED) ||
            load_relaxed(&e->adopter) != tag) {
            continue;
        }
        store_relaxed(&e->adopter, 0); /* Relaxed: under the lock */
        /* SYNC(entry-active): the hold still gates (busy stays 1). */
        store_seq_cst(&e->state, SHM_ENTRY_ORPHAN);
        /* SYNC(orphans): pairs with load_seq_cst(orphans) in take_orphaned. */
        fetch_add_seq_cst(&g->orphans, 1);
    }
}

void orphans_free_group_locked(shmring_ring_t *ring, uint32_t group_index,
                               struct group_entry *g) {
    uint32_t bound = reader_scan_bound(ring);
    for (uint32_t i = 0; i < bound; i++) {
        struct reader_entry *e = &ring->readers[i];
        if (!kept_hold_of(e, group_index, SHM_ENTRY_ORPHAN) &&
            !kept_hold_of(e, group_index, SHM_ENTRY_ADOPTED)) {
            continue;
        }
        /* SYNC(member-holding): pairs with load_seq_cst(holding_busy) in
         * min_reader_gate; the slots are free again. */
        store_seq_cst(&e->holding_busy, 0);
        store_relaxed(&e->adopter, 0); /* Relaxed: under the lock */
        store_seq_cst(&e->state, SHM_ENTRY_FREE); /* SYNC(entry-active) */
    }
    store_seq_cst(&g->orphans, 0); /* SYNC(orphans) */
}

void orphans_keep_hold_locked(shmring_ring_t *ring, struct reader_entry *e,
                              struct group_entry *g) {
    /* The hold (holding_busy, holding, holding_end) stays and gates.
     * SYNC(entry-active): pairs with load_seq_cst(state) in min_reader_gate
     * and the table scans of stats.c. */
    store_seq_cst(&e->state, SHM_ENTRY_ORPHAN);
    fetch_add_seq_cst(&g->orphans, 1); /* SYNC(orphans) */
    orphans_return_adopted_locked(ring, e, g);
}

struct reader_entry *orphans_adopt(shmring_ring_t *ring,
                                   struct reader_entry *member,
                                   struct group_entry *g) {
    /* On the data path: a lock busy for longer means "none now", tried
     * again at the next read. */
    if (registry_lock_within(ring, REGISTRY_LOCK_DATA_PATH_NS) != SHMRING_OK) {
        return NULL;
    }
    struct reader_entry *found = NULL;
    /* Relaxed: under the registry lock. */
    uint32_t group_index = load_relaxed(&member->group_index);
    uint32_t bound = reader_scan_bound(ring);
    for (uint32_t i = 0; i < bound && !found; i++) {
        struct reader_entry *e = &ring->readers[i];
        if (!kept_hold_of(e, group_index, SHM_ENTRY_ORPHAN)) continue;
        store_relaxed(&e->adopter, adopter_tag(ring, member)); /* lock */
        store_seq_cst(&e->state, SHM_ENTRY_ADOPTED); /* SYNC(entry-active) */
        fetch_sub_seq_cst(&g->orphans, 1); /* SYNC(orphans) */
        found = e;
    }
    /* None left although counted (a damaged count): the entries are the
     * truth, so members do not keep looking. SYNC(orphans). */
    if (!found) store_seq_cst(&g->orphans, 0);
    registry_unlock(ring);
    return found;
}

void orphans_release_adopted(shmring_ring_t *ring,
                             const struct reader_entry *member,
                             struct reader_entry *adopted) {
    if (registry_lock(ring) != SHMRING_OK) return;
    /* Still ours? (Relaxed: under the registry lock.) */
    if (load_relaxed(&adopted->state) == SHM_ENTRY_ADOPTED &&
        load_relaxed(&adopted->adopter) == adopter_tag(ring, member)) {
        /* SYNC(member-holding): after our reads of its slots; pairs with
         * load_seq_cst(holding_busy) in min_reader_gate. */
        store_seq_cst(&adopted->holding_busy, 0);
        store_relaxed(&adopted->adopter, 0); /* Relaxed: under the lock */
        store_seq_cst(&adopted->state, SHM_ENTRY_FREE); /* SYNC(entry-active) */
    }
    registry_unlock(ring);
    wake_all(&ring->control->space_wait);
}
