/* Sequence accounting (sources.h). Sequences compare modulo 2^64. */
#include "sources.h"

#include <inttypes.h>

#include "log.h"

static int64_t seq_diff(uint64_t a, uint64_t b) { return (int64_t)(a - b); }

/* The source's entry, made (with its first sequence as the baseline) if
 * new; on a new epoch (the sender restarted) what the restart lost is a gap,
 * and a sequence that went back is a new ring (a reset). NULL if full. */
static struct source_state *lookup(struct source_table *t, const struct wire_header *h) {
    struct source_state *st = NULL;
    for (uint32_t i = 0; i < t->count; i++) {
        if (t->entries[i].id == h->source) st = &t->entries[i];
    }
    if (!st) {
        if (t->count == MAX_SOURCES) return NULL;
        st = &t->entries[t->count++];
        st->id = h->source;
        st->epoch = h->epoch;
        st->next = h->first_seq;
        st->missed = 0;
        st->ended = 0;
        stat_add(&t->stats->sources, 1);
        bridge_log("new source %016" PRIx64 " starting at sequence %" PRIu64, h->source,
                   h->first_seq);
        return st;
    }
    if (st->epoch != h->epoch) {
        int64_t ahead = seq_diff(h->first_seq, st->next);
        if (ahead >= 0) {
            stat_add(&t->stats->gaps, (uint64_t)ahead);
            bridge_log("source %016" PRIx64 " restarted: %" PRId64 " messages lost meanwhile",
                       h->source, ahead);
        } else {
            stat_add(&t->stats->resets, 1);
            bridge_log("source %016" PRIx64 " restarted at an earlier sequence (%" PRIu64
                       " < %" PRIu64 "): a new stream", h->source, h->first_seq, st->next);
        }
        if (st->ended) t->ended--;
        st->ended = 0;
        st->epoch = h->epoch;
        st->next = h->first_seq;
        st->missed = 0;
    }
    return st;
}

static void note_missed(struct source_table *t, struct source_state *st, uint32_t missed) {
    /* The header carries the low 32 bits; add what is new. */
    uint32_t delta = missed - (uint32_t)st->missed;
    st->missed += delta;
    stat_add(&t->stats->source_missed, delta);
}

int64_t sources_data(struct source_table *t, const struct wire_header *h) {
    struct source_state *st = lookup(t, h);
    if (!st) return -1;
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

int sources_end(struct source_table *t, const struct wire_header *h, uint32_t needed) {
    struct source_state *st = lookup(t, h);
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
