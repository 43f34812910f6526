/*
 * registry.c -- the participant tables: writers, readers and groups join and
 * leave under a small registry lock (never on the data path), and writers
 * compute the oldest sequence any gating reader still needs.
 *
 * The registry lock holds its owner's pid, and next to it the owner's
 * process start time (0 until the owner has stored it). It guards a few
 * stores and, in recovery, a scan of the tables, so it is held briefly; a
 * waiter that finds the holder's process gone (pid reuse included), or
 * finds a pid no process can have (a scribbled word), takes the lock over
 * with a CAS from that value, which fails if the lock moved on. A holder
 * that stays alive past REGISTRY_LOCK_TIMEOUT_NS (stopped, or a live pid
 * scribbled into the word) makes joins fail with SHMRING_ETIMEOUT; closes
 * then free their entry without the lock and say so (docs/crash-safety.md,
 * "The registry lock").
 */
#define _GNU_SOURCE
#include <string.h>
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
        return set_error(SHMRING_ECLOSED, "the stream has ended");
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

/* Consider one gate: keep the one furthest behind tail. */
static inline void consider(uint64_t tail, uint64_t gate, uint64_t *oldest,
                            int64_t *behind) {
    int64_t d = seq_diff(tail, gate);
    if (d > *behind) {
        *behind = d;
        *oldest = gate;
    }
}

/* The later of two sequences. */
static inline uint64_t later(uint64_t a, uint64_t b) {
    return seq_diff(a, b) >= 0 ? a : b;
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
        consider(tail, later(load_seq_cst(&g->next), floor), &oldest, &behind);
    }
    uint32_t readers = load_seq_cst(&c->readers_high_water);
    if (readers > ring->header->max_readers) readers = ring->header->max_readers;
    for (uint32_t i = 0; i < readers; i++) {
        struct reader_entry *r = &ring->readers[i];
        /* SYNC(entry-active): pairs with store_seq_cst(state) in
         * registry_add_reader and orphans_keep_hold_locked. ORPHAN and ADOPTED entries are busy members' holds: they gate. */
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
            consider(tail, reading ? position : later(position, floor), &oldest,
                     &behind);
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

uint32_t registry_lock_holder(const shmring_ring_t *ring,
                              uint64_t *start_time_out) {
    /* SYNC(registry): pairs with the cas_seq_cst in registry_lock_within. */
    uint32_t holder = load_seq_cst(&ring->control->registry_lock);
    *start_time_out = holder ? holder_start_time(ring->control, holder) : 0;
    return holder;
}
