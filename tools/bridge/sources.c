/* Sequence accounting (sources.h). Sequences compare modulo 2^64. */
#include "sources.h"

#include <inttypes.h>
#include <string.h>

#include "log.h"

static int64_t seq_diff(uint64_t a, uint64_t b) { return (int64_t)(a - b); }

/* The source's entry, made (with its first sequence as the baseline) if
 * new. NULL if the table is full. */
static struct source_state *lookup(struct source_table *t, const struct wire_header *h) {
    for (uint32_t i = 0; i < t->count; i++) {
        if (t->entries[i].id == h->source) return &t->entries[i];
    }
    if (t->count == MAX_SOURCES) return NULL;
    struct source_state *st = &t->entries[t->count++];
    memset(st, 0, sizeof *st);
    st->id = h->source;
    st->epoch = h->epoch;
    st->next = h->first_seq;
    stat_add(&t->stats->sources, 1);
    bridge_log("new source %016" PRIx64 " starting at sequence %" PRIu64, h->source,
               h->first_seq);
    return st;
}

/* The source's sender restarted (a later epoch) and this is the new run's
 * first data or end: what the restart lost is a gap (from where the new
 * run joined, its START, if it came), and a sequence that went back is a
 * new ring (a reset). */
static void switch_epoch(struct source_table *t, struct source_state *st,
                         const struct wire_header *h) {
    uint64_t start = st->pending_epoch == h->epoch ? st->pending_start : h->first_seq;
    int64_t ahead = seq_diff(start, st->next);
    if (ahead >= 0) {
        stat_add(&t->stats->gaps, (uint64_t)ahead);
        bridge_log("source %016" PRIx64 " restarted: %" PRId64 " messages lost meanwhile",
                   h->source, ahead);
    } else {
        stat_add(&t->stats->resets, 1);
        bridge_log("source %016" PRIx64 " restarted at an earlier sequence (%" PRIu64
                   " < %" PRIu64 "): a new stream", h->source, start, st->next);
    }
    if (st->ended) t->ended--;
    st->ended = 0;
    st->epoch = h->epoch;
    st->pending_epoch = 0;
    st->next = start;
    st->missed = 0;
}

/* The entry for a batch of h's run: switched to a later run if h is its
 * first data or end; NULL if full or if h is stale (an earlier run's
 * batch arriving after a later run's data: writing it would break the
 * order, and the switch already counted it in the gap). */
static struct source_state *current(struct source_table *t, const struct wire_header *h) {
    struct source_state *st = lookup(t, h);
    if (!st) return NULL;
    if (h->epoch < st->epoch) {
        stat_add(&t->stats->stale, h->count);
        return NULL;
    }
    if (h->epoch > st->epoch) switch_epoch(t, st, h);
    return st;
}

static void note_missed(struct source_table *t, struct source_state *st, uint32_t missed) {
    /* The header carries the low 32 bits; add what is new. */
    uint32_t delta = missed - (uint32_t)st->missed;
    st->missed += delta;
    stat_add(&t->stats->source_missed, delta);
}

int64_t sources_data(struct source_table *t, const struct wire_header *h) {
    if (t->count == MAX_SOURCES && !lookup(t, h)) return -1;
    struct source_state *st = current(t, h);
    if (!st) return h->count; /* stale: none of it */
    note_missed(t, st, h->source_missed);
    int64_t ahead = seq_diff(h->first_seq, st->next);
    int64_t duplicates = 0;
    if (ahead > 0) {
        stat_add(&t->stats->gaps, (uint64_t)ahead);
    } else if (ahead < 0) {
        duplicates = -ahead < (int64_t)h->count ? -ahead : (int64_t)h->count;
        stat_add(&t->stats->duplicates, (uint64_t)duplicates);
    }
    uint64_t end = h->first_seq + h->count;
    if (seq_diff(end, st->next) > 0) st->next = end;
    return duplicates;
}

void sources_start(struct source_table *t, const struct wire_header *h) {
    struct source_state *st = lookup(t, h);
    /* A later run's START waits for its first data: the earlier run's
     * last batches may still arrive, in order, over the old connection. */
    if (st && h->epoch > st->epoch && h->epoch >= st->pending_epoch) {
        st->pending_epoch = h->epoch;
        st->pending_start = h->first_seq;
    }
}

int sources_end(struct source_table *t, const struct wire_header *h, uint32_t needed) {
    struct source_state *st = current(t, h);
    if (st) {
        note_missed(t, st, h->source_missed);
        int64_t ahead = seq_diff(h->first_seq, st->next);
        if (ahead > 0) {
            stat_add(&t->stats->gaps, (uint64_t)ahead);
            st->next = h->first_seq;
        }
        if (!st->ended) {
            st->ended = 1;
            t->ended++;
            stat_add(&t->stats->ended, 1);
            bridge_log("source %016" PRIx64 " ended its stream at sequence %" PRIu64, h->source,
                       h->first_seq);
        }
    }
    return t->ended == t->count && t->ended >= needed;
}
