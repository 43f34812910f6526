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
    int ended;
};

struct source_table {
    struct source_state entries[MAX_SOURCES];
    uint32_t count, ended;
    struct bridge_stats *stats;
};

/* Accounts for a DATA batch; returns how many of its first messages are
 * duplicates (not to be written), or -1 if the table is full (refused). */
int64_t sources_data(struct source_table *t, const struct wire_header *h);
/* Accounts for an END; returns 1 once every source seen has ended and at
 * least `needed` have. */
int sources_end(struct source_table *t, const struct wire_header *h, uint32_t needed);

#endif
