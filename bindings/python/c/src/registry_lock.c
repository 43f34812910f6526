/*
 * registry_lock.c -- the registry lock that guards joins, leaves and the
 * recovery scans of the participant tables.
 *
 * The lock word holds its owner's pid, and next to it the owner word holds
 * the pid and the owner's process start time (0 until the owner has stored
 * it). It guards a few stores and, in recovery, a scan of the tables, so it
 * is held briefly; a waiter that finds the holder's process gone (pid
 * reuse included), or finds a pid no process can have (a scribbled word),
 * takes the lock over with a CAS from that value, which fails if the lock
 * moved on, and then recounts what the dead holder may have left half
 * updated. A holder that stays alive past the caller's bound (stopped, or a
 * live pid scribbled into the word) makes the caller fail with
 * SHMRING_ETIMEOUT; registry.c then lets joins fail and closes free their
 * entry without the lock (docs/crash-safety.md, "The registry lock").
 */
#define _GNU_SOURCE
#include <time.h>
#include <unistd.h>

#include "internal.h"

/* registry_lock_owner: the holder's pid in the low bits (pid_max is at
 * most 2^22), its start time above, so that a waiter never judges a holder
 * by another process's start time. */
#define OWNER_PID_BITS 22
#define OWNER_PID_MASK ((1u << OWNER_PID_BITS) - 1)

/* The start time the owner word gives for `holder`, or 0 (existence only)
 * when the word names another process or is not stored yet. */
static uint64_t holder_start_time(const struct control *c, uint32_t holder) {
    /* SYNC(registry): after the lock word; pairs with the owner stores in
     * registry_lock_within and registry_unlock. */
    uint64_t owner = load_seq_cst(&c->registry_lock_owner);
    return (owner & OWNER_PID_MASK) == holder ? owner >> OWNER_PID_BITS : 0;
}

/* Counts a dead holder may have left half updated, recounted from the
 * entries (under the lock, after a takeover): writers_open, each group's
 * members and orphans; a group with no member left is freed. */
static void repair_counts_locked(shmring_ring_t *ring) {
    const struct segment_header *h = ring->header;
    struct control *c = ring->control;
    uint32_t writers = 0;
    for (uint32_t i = 0; i < h->max_writers; i++) {
        /* Relaxed: entries change only under the registry lock we hold. */
        writers += load_relaxed(&ring->writers[i].state) == SHM_ENTRY_ACTIVE;
    }
    store_seq_cst(&c->writers_open, writers); /* SYNC(registry) */
    for (uint32_t gi = 0; gi < h->max_groups; gi++) {
        struct group_entry *g = &ring->groups[gi];
        /* Relaxed: as above. */
        if (load_relaxed(&g->state) != SHM_ENTRY_ACTIVE) continue;
        uint32_t members = 0, orphans = 0;
        for (uint32_t i = 0; i < h->max_readers; i++) {
            const struct reader_entry *e = &ring->readers[i];
            /* Relaxed: as above. */
            uint32_t state = load_relaxed(&e->state);
            if (load_relaxed(&e->kind) != SHM_READER_GROUP_MEMBER ||
                load_relaxed(&e->group_index) != gi) {
                continue;
            }
            members += state == SHM_ENTRY_ACTIVE;
            orphans += state == SHM_ENTRY_ORPHAN;
        }
        store_seq_cst(&g->members, members); /* SYNC(registry) */
        store_seq_cst(&g->orphans, orphans); /* SYNC(orphans) */
        if (members == 0) {
            orphans_free_group_locked(ring, gi, g);
            store_seq_cst(&g->state, SHM_ENTRY_FREE); /* SYNC(entry-active) */
        }
    }
}

int registry_lock(shmring_ring_t *ring) {
    return registry_lock_within(ring, REGISTRY_LOCK_TIMEOUT_NS);
}

int registry_lock_within(shmring_ring_t *ring, int64_t timeout_ns) {
    struct control *c = ring->control;
    atomic_u32 *lock = &c->registry_lock;
    uint32_t me = (uint32_t)getpid();
    uint64_t owner = (process_start_time(me) << OWNER_PID_BITS) | me;
    int64_t give_up = monotonic_ns() + timeout_ns;
    int took_over = 0;
    for (;;) {
        uint32_t holder = 0;
        /* SYNC(registry): pairs with store_seq_cst(lock, 0) in
         * registry_unlock; the tables written under the lock are visible. */
        if (cas_seq_cst(lock, &holder, me)) break;
        if (participant_is_dead(holder, holder_start_time(c, holder)) &&
            cas_seq_cst(lock, &holder, me)) { /* SYNC(registry) */
            took_over = 1;
            break;
        }
        if (monotonic_ns() >= give_up) {
            return set_error(SHMRING_ETIMEOUT,
                             "the registry lock of %s is held by pid %u, "
                             "alive, for over %lld ms (stopped, or a pid "
                             "scribbled into the lock word)",
                             ring->name ? ring->name : "(anonymous ring)",
                             holder, (long long)(timeout_ns / 1000000));
        }
        nanosleep(&(struct timespec){0, 20000}, NULL);
    }
    /* SYNC(registry): read by waiters after the lock word. */
    store_seq_cst(&c->registry_lock_owner, owner);
    if (took_over) repair_counts_locked(ring);
    return SHMRING_OK;
}

void registry_unlock(shmring_ring_t *ring) {
    /* SYNC(registry): cleared first, so a waiter that reads our pid never
     * pairs it with a later holder's owner word. */
    store_seq_cst(&ring->control->registry_lock_owner, 0);
    /* SYNC(registry): pairs with the cas_seq_cst in registry_lock_within. */
    store_seq_cst(&ring->control->registry_lock, 0);
}

uint32_t registry_lock_holder(const shmring_ring_t *ring,
                              uint64_t *start_time_out) {
    /* SYNC(registry): pairs with the cas_seq_cst in registry_lock_within. */
    uint32_t holder = load_seq_cst(&ring->control->registry_lock);
    *start_time_out = holder ? holder_start_time(ring->control, holder) : 0;
    return holder;
}
