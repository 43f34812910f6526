/* Per-source sequence tracking of a receiver: gaps, duplicates, restarts
 * and end of stream (docs/bridge.md, "Sequence numbers"). */
#ifndef SHMRING_BRIDGE_SOURCES_H
#define SHMRING_BRIDGE_SOURCES_H

#include <stdint.h>

#include "stats.h"
#include "wire.h"

#define MAX_SOURCES 256u

struct source_state {
    uint64_t id, epoch;
    uint64_t next;    /* the sequence expected next */
    uint64_t missed;  /* what its reader passed over, as last reported */
    uint64_t pending_epoch, pending_start; /* a restarted run's START */
    int ended;
};

struct source_table {
    struct source_state entries[MAX_SOURCES];
    uint32_t count, ended;
    struct bridge_stats *stats;
};

/* Accounts for a DATA batch; returns how many of its first messages are
 * not to be written (duplicates, or all of a stale batch), or -1 if the
 * table is full (refused). Epochs order a source's runs: a sender's epoch
 * is its start time, so a restart's epoch is larger. */
int64_t sources_data(struct source_table *t, const struct wire_header *h);
/* Accounts for a START: a new source's baseline is where its reader
 * joined (so what it skips before its first message counts); for a
 * restarted one, where the new run joined is kept until its first data
 * (then the gap is what the restart lost). */
void sources_start(struct source_table *t, const struct wire_header *h);
/* Accounts for an END; returns 1 once every source seen has ended and at
 * least `needed` have. */
int sources_end(struct source_table *t, const struct wire_header *h, uint32_t needed);

#endif
