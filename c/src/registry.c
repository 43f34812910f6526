/*
 * registry.c -- the participant tables: writers, readers and groups join and
 * leave, and the entries of processes that died are freed (reaping), under
 * the registry lock (registry_lock.c). Joins and leaves are off the data
 * path; reaping runs on it only for a writer held back, or a reader idle,
 * for SHM_REAP_AFTER_NS (reap_dead_readers; recovery.c for writers).
 *
 * A joiner fills its entry, raises the table's high-water mark, then makes
 * the entry ACTIVE with a seq_cst store: the gate scan (gates.c) and the
 * statistics read entries in that order. A reader reads tail again once its
 * entry is visible (docs/algorithm.md, "Joining and leaving").
 */
#define _GNU_SOURCE
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* Raise a high-water mark (under the registry lock). */
static void raise_high_water(atomic_u32 *high_water, uint32_t index) {
    /* SYNC(high-water): pairs with load_seq_cst in min_reader_gate; raised
     * before the entry becomes ACTIVE, so a scan never misses it. */
    if (load_relaxed(high_water) < index + 1) store_seq_cst(high_water, index + 1);
}

int registry_add_writer(shmring_ring_t *ring, struct writer_entry **out) {
    uint32_t pid = (uint32_t)getpid();
    uint64_t start_time = process_start_time(pid); /* outside the lock */
    int rc = registry_lock(ring);
    if (rc != SHMRING_OK) return rc;
    struct control *c = ring->control;
    /* Relaxed under the registry lock: closed only ever goes 0 -> 1, and a
     * writer that misses it is caught by the check after its claim. */
    if (load_relaxed(&c->closed)) {
        registry_unlock(ring);
        return set_outcome(SHMRING_ECLOSED);
    }
    for (uint32_t i = 0; i < ring->header->max_writers; i++) {
        struct writer_entry *e = &ring->writers[i];
        /* Relaxed: entries change state only under the registry lock. */
        if (load_relaxed(&e->state) != SHM_ENTRY_FREE) continue;
        e->pid = pid;
        e->start_time = start_time;
        /* Relaxed: statistics, read by observers only. */
        store_relaxed(&e->messages, 0);
        store_relaxed(&e->bytes, 0);
        store_relaxed(&e->waits, 0);
        /* Relaxed: published by the state store below; no claim yet. */
        store_relaxed(&e->claim, 0);
        store_relaxed(&e->aborted, 0);
        raise_high_water(&c->writers_high_water, i);
        /* SYNC(entry-active): pairs with load_seq_cst(state) in
         * min_reader_gate and the table scans of stats.c. */
        store_seq_cst(&e->state, SHM_ENTRY_ACTIVE);
        /* Relaxed would do (the counts change only under the registry
         * lock, and leavers read them under it); seq_cst costs nothing
         * here, off the data path. */
        fetch_add_seq_cst(&c->writers_open, 1);
        fetch_add_seq_cst(&c->writers_joined, 1);
        registry_unlock(ring);
        *out = e;
        return SHMRING_OK;
    }
    registry_unlock(ring);
    return set_error(SHMRING_ELIMIT, "all %u writer entries are in use",
                     ring->header->max_writers);
}

/* Free a writer entry (under the registry lock); the last writer to leave
 * ends the stream when the ring was created to. */
static void free_writer_entry(shmring_ring_t *ring, struct writer_entry *e) {
    struct control *c = ring->control;
    /* SYNC(claim-record): a freed entry claims nothing; pairs with
     * load_acquire(claim) in oldest_live_claim. */
    store_release(&e->claim, 0);
    store_seq_cst(&e->state, SHM_ENTRY_FREE); /* SYNC(entry-active) */
    uint32_t left = fetch_sub_seq_cst(&c->writers_open, 1) - 1;
    /* Under the lock, so no writer joins between the count and the end. */
    if (left == 0 &&
        (ring->header->config_flags & SHM_CONFIG_CLOSE_ON_LAST_WRITER)) {
        end_stream(ring);
    }
}

/* 1 if an entry this process joined with is still its own: a peer that
 * scribbled the pid may have had it reaped, and a new participant may hold
 * it now. Relaxed (state): under the registry lock, or past its bound. */
static int still_ours(const atomic_u32 *state, uint32_t pid) {
    return load_relaxed(state) == SHM_ENTRY_ACTIVE && pid == (uint32_t)getpid();
}

static int entry_lost(const char *kind) {
    return set_error(SHMRING_ECORRUPT,
                     "this %s's entry is no longer this process's (freed by "
                     "another process after its pid in the segment was "
                     "overwritten, or a handle used across fork); it is left "
                     "alone",
                     kind);
}

int registry_remove_writer(shmring_ring_t *ring, struct writer_entry *e) {
    int rc = registry_lock(ring);
    int ours = still_ours(&e->state, e->pid);
    if (ours) free_writer_entry(ring, e);
    if (rc == SHMRING_OK) registry_unlock(ring);
    return rc == SHMRING_OK && !ours ? entry_lost("writer") : rc;
}

uint32_t reap_dead_writers_locked(shmring_ring_t *ring) {
    uint32_t reaped = 0;
    /* Relaxed: entries change only under the registry lock we hold. */
    uint32_t writers = load_relaxed(&ring->control->writers_high_water);
    if (writers > ring->header->max_writers) writers = ring->header->max_writers;
    for (uint32_t i = 0; i < writers; i++) {
        struct writer_entry *e = &ring->writers[i];
        /* Relaxed: as above. */
        if (load_relaxed(&e->state) == SHM_ENTRY_ACTIVE &&
            participant_is_dead(e->pid, e->start_time)) {
            free_writer_entry(ring, e);
            reaped++;
        }
    }
    /* Relaxed: a statistic, read by observers only. */
    if (reaped) fetch_add_relaxed(&ring->control->writers_reaped, reaped);
    return reaped;
}

static struct group_entry *find_or_add_group(shmring_ring_t *ring,
                                             const char *name, uint32_t *index) {
    struct group_entry *free_entry = NULL;
    uint32_t free_index = 0;
    for (uint32_t i = 0; i < ring->header->max_groups; i++) {
        struct group_entry *g = &ring->groups[i];
        /* Relaxed: group entries change state only under the lock. */
        if (load_relaxed(&g->state) == SHM_ENTRY_ACTIVE) {
            if (strcmp(g->name, name) == 0) {
                *index = i;
                return g;
            }
        } else if (!free_entry) {
            free_entry = g;
            free_index = i;
        }
    }
    if (!free_entry) return NULL;
    memset(free_entry->name, 0, sizeof free_entry->name);
    strcpy(free_entry->name, name);
    /* Relaxed: members changes only under the registry lock we hold. */
    store_relaxed(&free_entry->members, 0);
    /* A new group starts at the next message, like a broadcast reader, and
     * re-reads tail once it is visible (see start_at_tail). No member can
     * move next yet: members join under the registry lock we hold. */
    atomic_u64 *tail = &ring->control->tail;
    /* SYNC(tail-claim): pairs with the cas_seq_cst on tail in claim_slots. */
    store_seq_cst(&free_entry->next, load_seq_cst(tail));
    raise_high_water(&ring->control->groups_high_water, free_index);
    /* SYNC(entry-active): pairs with load_seq_cst(state) in min_reader_gate. */
    store_seq_cst(&free_entry->state, SHM_ENTRY_ACTIVE);
    /* SYNC(tail-claim): as above; the second read closes the join race. */
    store_seq_cst(&free_entry->next, load_seq_cst(tail));
    *index = free_index;
    return free_entry;
}

/* Free a reader entry (under the registry lock): it stops gating writers;
 * what a member was redelivering goes back to its group, and the last
 * member frees the group and the holds kept for it. */
static void free_reader_entry(shmring_ring_t *ring, struct reader_entry *e,
                              struct group_entry *g) {
    if (g) orphans_return_adopted_locked(ring, e, g);
    /* SYNC(member-holding), SYNC(reader-busy): a leaving reader holds
     * nothing; pairs with load_seq_cst(holding_busy) in min_reader_gate. */
    store_seq_cst(&e->holding_busy, 0);
    store_seq_cst(&e->state, SHM_ENTRY_FREE); /* SYNC(entry-active) */
    if (g && fetch_sub_seq_cst(&g->members, 1) == 1) {
        /* The last member leaves: the group stops gating writers. */
        orphans_free_group_locked(ring, (uint32_t)(g - ring->groups), g);
        store_seq_cst(&g->state, SHM_ENTRY_FREE); /* SYNC(entry-active) */
    }
}

/* A dead member holding messages, with other members left to read them:
 * keep its hold for redelivery (under the registry lock). */
static void orphan_member(shmring_ring_t *ring, struct reader_entry *e,
                          struct group_entry *g) {
    orphans_keep_hold_locked(ring, e, g);
    /* SYNC(registry): changed only under the registry lock. */
    fetch_sub_seq_cst(&g->members, 1);
}

/* Free the entries of readers whose processes are gone (under the registry
 * lock); returns how many. */
static uint32_t reap_locked(shmring_ring_t *ring) {
    const struct segment_header *h = ring->header;
    uint32_t reaped = 0;
    /* Relaxed: entries change only under the registry lock we hold. */
    uint32_t readers = load_relaxed(&ring->control->readers_high_water);
    if (readers > h->max_readers) readers = h->max_readers;
    for (uint32_t i = 0; i < readers; i++) {
        struct reader_entry *e = &ring->readers[i];
        /* Relaxed: as above. */
        if (load_relaxed(&e->state) != SHM_ENTRY_ACTIVE ||
            !participant_is_dead(e->pid, e->start_time)) {
            continue;
        }
        struct group_entry *g = NULL;
        /* Relaxed: as above. */
        if (load_relaxed(&e->kind) == SHM_READER_GROUP_MEMBER) {
            uint32_t index = load_relaxed(&e->group_index);
            if (index < h->max_groups) g = &ring->groups[index];
        }
        /* Relaxed: members, busy: under the registry lock, and the dead
         * owner no longer changes its entry. */
        if (g && load_relaxed(&e->holding_busy) && load_relaxed(&g->members) > 1) {
            orphan_member(ring, e, g);
        } else {
            free_reader_entry(ring, e, g);
        }
        reaped++;
    }
    /* Relaxed: a statistic, read by observers only. */
    if (reaped) fetch_add_relaxed(&ring->control->readers_reaped, reaped);
    return reaped;
}

int registry_add_reader(shmring_ring_t *ring, uint32_t kind,
                        const char *group_name, struct reader_entry **out,
                        struct group_entry **group_out) {
    uint32_t pid = (uint32_t)getpid();
    uint64_t start_time = process_start_time(pid); /* outside the lock */
    int rc = registry_lock(ring);
    if (rc != SHMRING_OK) return rc;
    struct control *c = ring->control;
    struct reader_entry *e = NULL;
    uint32_t index = 0;
    /* A full table may hold entries of dead readers: free them, look again. */
    for (int pass = 0; pass < 2 && !e && (pass == 0 || reap_locked(ring)); pass++) {
        for (uint32_t i = 0; i < ring->header->max_readers && !e; i++) {
            /* Relaxed: entries change state only under the registry lock. */
            if (load_relaxed(&ring->readers[i].state) == SHM_ENTRY_FREE) {
                e = &ring->readers[i];
                index = i;
            }
        }
    }
    if (!e) {
        registry_unlock(ring);
        return set_error(SHMRING_ELIMIT, "all %u reader entries are in use",
                         ring->header->max_readers);
    }
    uint32_t group_index = 0;
    struct group_entry *g = NULL;
    if (kind == SHM_READER_GROUP_MEMBER) {
        g = find_or_add_group(ring, group_name, &group_index);
        if (!g) {
            registry_unlock(ring);
            return set_error(SHMRING_ELIMIT, "all %u group entries are in use",
                             ring->header->max_groups);
        }
    }
    e->pid = pid;
    e->start_time = start_time;
    /* Relaxed: published by the seq_cst store of state below. */
    store_relaxed(&e->kind, kind);
    store_relaxed(&e->group_index, group_index);
    store_relaxed(&e->holding_busy, 0);
    store_relaxed(&e->adopter, 0);
    store_relaxed(&e->holding_end, 0);
    store_relaxed(&e->redelivered, 0);
    /* Relaxed: statistics, published with the rest by the state store. */
    store_relaxed(&e->messages, 0);
    store_relaxed(&e->missed, 0);
    store_relaxed(&e->waits, 0);
    /* A reader starts at the next sequence to be claimed. A writer that
     * scanned the gates before this entry became ACTIVE may still claim up
     * to its old gate + capacity, overwriting sequences up to the tail it
     * then claims from; so the position is read from tail again once the
     * entry is visible (the Disruptor's addSequences). Every sequence a
     * writer overwrites without having seen this reader is older than it.
     * SYNC(tail-claim): pairs with the cas_seq_cst on tail in claim_slots. */
    store_seq_cst(&e->position, load_seq_cst(&c->tail));
    raise_high_water(&c->readers_high_water, index);
    /* Counted next to the state store: a joiner that dies in between
     * leaves a count the next takeover of the lock repairs.
     * SYNC(registry): changed only under the registry lock. */
    if (g) fetch_add_seq_cst(&g->members, 1);
    /* SYNC(entry-active): pairs with load_seq_cst(state) in min_reader_gate. */
    store_seq_cst(&e->state, SHM_ENTRY_ACTIVE);
    /* SYNC(tail-claim): as above; SYNC(reader-progress) for the store. */
    store_seq_cst(&e->position, load_seq_cst(&c->tail));
    registry_unlock(ring);
    *out = e;
    *group_out = g;
    return SHMRING_OK;
}

int registry_remove_reader(shmring_ring_t *ring, struct reader_entry *e,
                           struct group_entry *g) {
    int rc = registry_lock(ring);
    int ours = still_ours(&e->state, e->pid);
    if (ours) free_reader_entry(ring, e, g);
    if (rc == SHMRING_OK) registry_unlock(ring);
    /* Writers waiting on this reader's gate may go on. */
    wake_all(&ring->control->space_wait);
    return rc == SHMRING_OK && !ours ? entry_lost("reader") : rc;
}

int reap_dead_readers(shmring_ring_t *ring) {
    /* Periodic, on the data path: a lock busy for longer is tried again
     * next time. */
    if (registry_lock_within(ring, REGISTRY_LOCK_DATA_PATH_NS) != SHMRING_OK) {
        return 0;
    }
    uint32_t reaped = reap_locked(ring);
    registry_unlock(ring);
    /* Writers waiting on the dead readers' gates may go on. */
    if (reaped) wake_all(&ring->control->space_wait);
    return (int)reaped;
}
