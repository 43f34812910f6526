/*
 * gates.c -- the writers' gate scan: the oldest sequence any reader that
 * holds writers back still needs (min_reader_gate). Writers call it on the
 * data path, when their cached gate says the ring is full, and only loads
 * are made here.
 *
 * What gates: each active group at its cursor (group.next), each broadcast
 * reader at its position, and each group member (or a dead member's kept
 * hold) at the first sequence it holds while it holds one. Lossy readers
 * gate nobody. An idle reader or group behind skip_floor gates at the
 * floor, where it jumps at its next read (docs/algorithm.md, "Skipping to
 * the latest"). The scan reads entries up to the tables' high-water marks,
 * each state before the fields it publishes (docs/algorithm.md, "Joining
 * and leaving").
 */
#include "internal.h"

/* Consider one gate: keep the one furthest behind tail. */
static inline void consider(uint64_t tail, uint64_t gate, uint64_t *oldest,
                            int64_t *behind) {
    int64_t d = seq_diff(tail, gate);
    if (d > *behind) {
        *behind = d;
        *oldest = gate;
    }
}

uint64_t min_reader_gate(const shmring_ring_t *ring, uint64_t tail) {
    const struct control *c = ring->control;
    uint64_t oldest = tail;
    int64_t behind = 0;
    /* Idle readers and groups behind skip_floor (skip_all_to_latest) gate
     * at the floor: they will jump there at their next read.
     * SYNC(reader-busy), SYNC(member-holding): read before the busy flags
     * below; pairs with the seq_cst busy stores in begin_reading and
     * member_take. */
    uint64_t floor = load_seq_cst(&c->skip_floor);
    /* Groups first: a member moves group.next only after marking what it
     * holds, so reading next before the members never misses a slot.
     * SYNC(high-water): pairs with store_seq_cst in raise_high_water. */
    uint32_t groups = load_seq_cst(&c->groups_high_water);
    if (groups > ring->header->max_groups) groups = ring->header->max_groups;
    for (uint32_t i = 0; i < groups; i++) {
        struct group_entry *g = &ring->groups[i];
        /* SYNC(entry-active): pairs with store_seq_cst(state) in
         * registry_add_reader. */
        if (load_seq_cst(&g->state) != SHM_ENTRY_ACTIVE) continue;
        /* SYNC(group-next): pairs with the cas_seq_cst on next in
         * member_take. */
        consider(tail, seq_later(load_seq_cst(&g->next), floor), &oldest,
                 &behind);
    }
    uint32_t readers = load_seq_cst(&c->readers_high_water);
    if (readers > ring->header->max_readers) readers = ring->header->max_readers;
    for (uint32_t i = 0; i < readers; i++) {
        struct reader_entry *r = &ring->readers[i];
        /* SYNC(entry-active): pairs with store_seq_cst(state) in
         * registry_add_reader and orphans_keep_hold_locked. ORPHAN and
         * ADOPTED entries are busy members' holds: they gate. */
        if (load_seq_cst(&r->state) == SHM_ENTRY_FREE) continue;
        /* Relaxed: kind is published by the state store read above. */
        uint32_t kind = load_relaxed(&r->kind);
        if (kind == SHM_READER_BROADCAST) {
            /* SYNC(reader-busy): pairs with the busy stores in
             * begin_reading and end_reading. */
            int reading = load_seq_cst(&r->holding_busy) != 0;
            /* SYNC(reader-progress): pairs with store_seq_cst(position) in
             * reader_advance. */
            uint64_t position = load_seq_cst(&r->position);
            consider(tail, reading ? position : seq_later(position, floor),
                     &oldest, &behind);
        } else if (kind == SHM_READER_GROUP_MEMBER &&
                   /* SYNC(member-holding): pairs with store_seq_cst(busy)
                    * in member_take. */
                   load_seq_cst(&r->holding_busy)) {
            /* SYNC(member-holding): pairs with store_release(holding) in
             * member_take; acquire, since holding may be newer than the
             * busy flag just read (a later hold than the one it marked). */
            consider(tail, load_acquire(&r->holding), &oldest, &behind);
        }
    }
    return oldest;
}
