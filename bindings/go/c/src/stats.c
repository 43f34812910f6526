/*
 * stats.c -- a snapshot of a ring's counters for observers (any process).
 *
 * Only loads: an observer never writes shared memory, so it cannot disturb
 * the data path. The counters it reads are statistics written with relaxed
 * stores by their single owner; entry states and positions are read with
 * the orders writers use for their gate scans.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

_Static_assert(SHMRING_KIND_BROADCAST == SHM_READER_BROADCAST, "kinds");
_Static_assert(SHMRING_KIND_GROUP_MEMBER == SHM_READER_GROUP_MEMBER, "kinds");
_Static_assert(SHMRING_KIND_LOSSY == SHM_READER_LOSSY, "kinds");

enum { RING_FIELDS = SHMRING_STAT_SLOTS_ABANDONED + 1 };

struct writer_stats {
    uint64_t entry, pid, alive, messages, waits, bytes, aborted;
};

struct reader_stats {
    uint64_t entry, pid, alive, messages, waits, kind, position, lag, missed;
    uint64_t redelivered;
    char group[SHM_GROUP_NAME_BYTES]; /* "" unless a member */
};

struct shmring_stats {
    uint64_t ring[RING_FIELDS];
    uint32_t writer_count, reader_count;
    struct writer_stats *writers;
    struct reader_stats *readers;
};

static uint32_t bounded(uint32_t high_water, uint32_t max) {
    return high_water < max ? high_water : max;
}

static void read_writers(const shmring_ring_t *ring, shmring_stats_t *s,
                         uint32_t scan) {
    for (uint32_t i = 0; i < scan; i++) {
        const struct writer_entry *e = &ring->writers[i];
        /* SYNC(entry-active): pairs with store_seq_cst(state) in
         * registry_add_writer. */
        if (load_seq_cst(&e->state) != SHM_ENTRY_ACTIVE) continue;
        struct writer_stats *w = &s->writers[s->writer_count++];
        w->entry = i;
        w->pid = e->pid;
        w->alive = !participant_is_dead(e->pid, e->start_time);
        /* Relaxed: statistics (here and below). */
        w->messages = load_relaxed(&e->messages);
        w->waits = load_relaxed(&e->waits);
        w->bytes = load_relaxed(&e->bytes);
        w->aborted = load_relaxed(&e->aborted);
    }
}

/* The cursor of a reader: its own, or its group's next for a member. */
static uint64_t reader_cursor(const shmring_ring_t *ring,
                              const struct reader_entry *e, uint32_t kind,
                              char group[SHM_GROUP_NAME_BYTES]) {
    if (kind != SHM_READER_GROUP_MEMBER) {
        /* SYNC(reader-progress): pairs with the position stores in
         * reader_advance. */
        return load_seq_cst(&e->position);
    }
    /* Relaxed: published by the entry's state store. */
    uint32_t index = load_relaxed(&e->group_index);
    if (index >= ring->header->max_groups) return 0;
    const struct group_entry *g = &ring->groups[index];
    memcpy(group, g->name, SHM_GROUP_NAME_BYTES);
    group[SHM_GROUP_NAME_BYTES - 1] = '\0';
    /* SYNC(group-next): pairs with the cas_seq_cst in member_take. */
    return load_seq_cst(&g->next);
}

/* Where a reader's next read starts: its cursor, or the skip floor once
 * skip_all_to_latest has raised it past the cursor (shmring_reader_position
 * says the same). */
static uint64_t reader_position(const shmring_ring_t *ring,
                                const struct reader_entry *e, uint32_t kind,
                                char group[SHM_GROUP_NAME_BYTES]) {
    uint64_t cursor = reader_cursor(ring, e, kind, group);
    /* SYNC(skip-floor): pairs with the cas_seq_cst in
     * shmring_skip_all_to_latest. */
    return seq_later(cursor, load_seq_cst(&ring->control->skip_floor));
}

static void read_readers(const shmring_ring_t *ring, shmring_stats_t *s,
                         uint32_t scan) {
    uint64_t tail = s->ring[SHMRING_STAT_NEXT_SEQUENCE];
    for (uint32_t i = 0; i < scan; i++) {
        const struct reader_entry *e = &ring->readers[i];
        /* SYNC(entry-active): pairs with store_seq_cst(state) in
         * registry_add_reader. */
        if (load_seq_cst(&e->state) != SHM_ENTRY_ACTIVE) continue;
        struct reader_stats *r = &s->readers[s->reader_count++];
        r->entry = i;
        r->pid = e->pid;
        r->alive = !participant_is_dead(e->pid, e->start_time);
        /* Relaxed: published by the state load above. */
        r->kind = load_relaxed(&e->kind);
        r->position = reader_position(ring, e, (uint32_t)r->kind, r->group);
        int64_t lag = seq_diff(tail, r->position);
        r->lag = lag > 0 ? (uint64_t)lag : 0;
        /* Relaxed: statistics. */
        r->messages = load_relaxed(&e->messages);
        r->waits = load_relaxed(&e->waits);
        r->missed = load_relaxed(&e->missed);
        r->redelivered = load_relaxed(&e->redelivered);
    }
}

static void read_ring(const shmring_ring_t *ring, shmring_stats_t *s) {
    const struct control *c = ring->control;
    /* SYNC(tail-claim): pairs with the cas_seq_cst in claim_slots. */
    s->ring[SHMRING_STAT_NEXT_SEQUENCE] = load_seq_cst(&c->tail);
    /* SYNC(stream-closed): pairs with store_seq_cst in end_stream. */
    s->ring[SHMRING_STAT_CLOSED] = load_seq_cst(&c->closed);
    /* Relaxed: counters for observers (here and below). */
    s->ring[SHMRING_STAT_WRITERS_JOINED] = load_relaxed(&c->writers_joined);
    s->ring[SHMRING_STAT_WRITERS_REAPED] = load_relaxed(&c->writers_reaped);
    s->ring[SHMRING_STAT_READERS_REAPED] = load_relaxed(&c->readers_reaped);
    s->ring[SHMRING_STAT_SLOTS_ABANDONED] = load_relaxed(&c->slots_abandoned);
}

SHMRING_API int shmring_stats_read(const shmring_ring_t *ring,
                                   shmring_stats_t **stats_out) {
    if (!ring || !stats_out) {
        return set_error(SHMRING_EINVALID, "ring or stats_out is NULL");
    }
    *stats_out = NULL;
    const struct control *c = ring->control;
    /* SYNC(high-water): pairs with store_seq_cst in raise_high_water. */
    uint32_t writers = bounded(load_seq_cst(&c->writers_high_water),
                               ring->header->max_writers);
    uint32_t readers = bounded(load_seq_cst(&c->readers_high_water),
                               ring->header->max_readers);
    shmring_stats_t *s = calloc(1, sizeof *s);
    if (s) {
        s->writers = calloc(writers ? writers : 1, sizeof *s->writers);
        s->readers = calloc(readers ? readers : 1, sizeof *s->readers);
    }
    if (!s || !s->writers || !s->readers) {
        shmring_stats_free(s);
        return set_error(SHMRING_ENOMEM, "cannot allocate a stats snapshot");
    }
    read_ring(ring, s);
    read_writers(ring, s, writers);
    read_readers(ring, s, readers);
    s->ring[SHMRING_STAT_WRITERS] = s->writer_count;
    s->ring[SHMRING_STAT_READERS] = s->reader_count;
    *stats_out = s;
    return SHMRING_OK;
}

SHMRING_API void shmring_stats_free(shmring_stats_t *stats) {
    if (!stats) return;
    free(stats->writers);
    free(stats->readers);
    free(stats);
}

SHMRING_API uint32_t shmring_stats_writer_count(const shmring_stats_t *stats) {
    return stats ? stats->writer_count : 0;
}

SHMRING_API uint32_t shmring_stats_reader_count(const shmring_stats_t *stats) {
    return stats ? stats->reader_count : 0;
}

static int unknown_field(uint32_t field) {
    return set_error(SHMRING_EINVALID, "unknown statistics field %u", field);
}

SHMRING_API int shmring_stats_ring(const shmring_stats_t *stats,
                                   uint32_t field, uint64_t *value_out) {
    if (!stats || !value_out) {
        return set_error(SHMRING_EINVALID, "stats or value_out is NULL");
    }
    if (field >= RING_FIELDS) return unknown_field(field);
    *value_out = stats->ring[field];
    return SHMRING_OK;
}

static int check_index(const shmring_stats_t *stats, uint32_t index,
                       uint32_t count, const void *value_out) {
    if (!stats || !value_out) {
        return set_error(SHMRING_EINVALID, "stats or value_out is NULL");
    }
    if (index >= count) {
        return set_error(SHMRING_EINVALID,
                         "participant index %u out of range (%u in snapshot)",
                         index, count);
    }
    return SHMRING_OK;
}

SHMRING_API int shmring_stats_writer(const shmring_stats_t *stats,
                                     uint32_t index, uint32_t field,
                                     uint64_t *value_out) {
    int rc = check_index(stats, index, stats ? stats->writer_count : 0,
                         value_out);
    if (rc != SHMRING_OK) return rc;
    const struct writer_stats *w = &stats->writers[index];
    switch (field) {
    case SHMRING_STAT_ENTRY: *value_out = w->entry; break;
    case SHMRING_STAT_PID: *value_out = w->pid; break;
    case SHMRING_STAT_ALIVE: *value_out = w->alive; break;
    case SHMRING_STAT_MESSAGES: *value_out = w->messages; break;
    case SHMRING_STAT_WAITS: *value_out = w->waits; break;
    case SHMRING_STAT_BYTES: *value_out = w->bytes; break;
    case SHMRING_STAT_ABORTED: *value_out = w->aborted; break;
    default: return unknown_field(field);
    }
    return SHMRING_OK;
}

SHMRING_API int shmring_stats_reader(const shmring_stats_t *stats,
                                     uint32_t index, uint32_t field,
                                     uint64_t *value_out) {
    int rc = check_index(stats, index, stats ? stats->reader_count : 0,
                         value_out);
    if (rc != SHMRING_OK) return rc;
    const struct reader_stats *r = &stats->readers[index];
    switch (field) {
    case SHMRING_STAT_ENTRY: *value_out = r->entry; break;
    case SHMRING_STAT_PID: *value_out = r->pid; break;
    case SHMRING_STAT_ALIVE: *value_out = r->alive; break;
    case SHMRING_STAT_MESSAGES: *value_out = r->messages; break;
    case SHMRING_STAT_WAITS: *value_out = r->waits; break;
    case SHMRING_STAT_KIND: *value_out = r->kind; break;
    case SHMRING_STAT_POSITION: *value_out = r->position; break;
    case SHMRING_STAT_LAG: *value_out = r->lag; break;
    case SHMRING_STAT_MISSED: *value_out = r->missed; break;
    case SHMRING_STAT_REDELIVERED: *value_out = r->redelivered; break;
    default: return unknown_field(field);
    }
    return SHMRING_OK;
}

SHMRING_API const char *shmring_stats_reader_group(const shmring_stats_t *stats,
                                                   uint32_t index) {
    if (!stats || index >= stats->reader_count) return NULL;
    const struct reader_stats *r = &stats->readers[index];
    return r->kind == SHM_READER_GROUP_MEMBER ? r->group : NULL;
}

SHMRING_API uint32_t shmring_writer_entry_index(const shmring_writer_t *w) {
    return w ? (uint32_t)(w->entry - w->ring->writers) : UINT32_MAX;
}

SHMRING_API uint32_t shmring_reader_entry_index(const shmring_reader_t *r) {
    return r ? (uint32_t)(r->entry - r->ring->readers) : UINT32_MAX;
}
