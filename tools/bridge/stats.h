/* The bridge's counters (--stats lines, --stats-file JSON). Written by the
 * data thread and the events thread; they are counts only (nothing is
 * published through them), so every access is relaxed. */
#ifndef SHMRING_BRIDGE_STATS_H
#define SHMRING_BRIDGE_STATS_H

#include <stdatomic.h>
#include <stdint.h>

#define BRIDGE_STAT_FIELDS(X) \
    X(messages)         /* forwarded (send) / written into the ring (recv) */ \
    X(bytes)            /* payload bytes of those */ \
    X(batches)          /* wire batches sent / accepted */ \
    X(zero_copy)        /* send: frames sent straight from a slot */ \
    X(lag)              /* ring messages not yet read: send: this reader's;
                           recv: the slowest local reader's */ \
    X(source_missed)    /* lossy sources: what their readers passed over */ \
    X(gaps)             /* recv: sequence numbers that never arrived */ \
    X(duplicates)       /* recv: messages dropped as already written */ \
    X(stale)            /* recv: a restarted source's predecessor's last
                           messages, arriving after the successor's: dropped
                           (already counted in the restart's gap) */ \
    X(resets)           /* recv: a source restarted its sequence space */ \
    X(sources)          /* recv: sources seen */ \
    X(ended)            /* recv: sources that sent end of stream */ \
    X(refused_batches)  /* recv: batches refused (malformed or oversized) */ \
    X(refused_messages) /* recv: messages in those */ \
    X(oversized)        /* recv: refused batches with a message > slot_bytes */ \
    X(unwritten)        /* recv: received, not written (stopped meanwhile) */ \
    X(auth_accepted)    /* recv: client keys let in */ \
    X(auth_refused)     /* recv: client keys refused */ \
    X(handshake_failed) /* ZMTP/CURVE handshakes that failed */ \
    X(connects)         /* send: handshakes completed; recv: accepted */ \
    X(disconnects)      /* connections lost */ \
    X(connect_retries)  /* send: connection attempts that failed */

struct bridge_stats {
#define BRIDGE_STAT_MEMBER(name) _Atomic uint64_t name;
    BRIDGE_STAT_FIELDS(BRIDGE_STAT_MEMBER)
#undef BRIDGE_STAT_MEMBER
};

static inline void stat_add(_Atomic uint64_t *counter, uint64_t n) {
    atomic_fetch_add_explicit(counter, n, memory_order_relaxed); /* a count only */
}
static inline void stat_set(_Atomic uint64_t *counter, uint64_t v) {
    atomic_store_explicit(counter, v, memory_order_relaxed); /* a count only */
}
static inline uint64_t stat_get(_Atomic uint64_t *counter) {
    return atomic_load_explicit(counter, memory_order_relaxed); /* a count only */
}

/* Periodic reporting: a line on stderr every interval (if > 0) and the JSON
 * file rewritten (if given). stats_tick is cheap to call often. */
struct stats_reporter {
    struct bridge_stats *stats;
    const char *role;
    double interval;
    const char *file;
    double last_time;
    uint64_t last_messages, last_bytes;
};
void stats_start(struct stats_reporter *rep, struct bridge_stats *stats, const char *role,
                 double interval, const char *file);
void stats_tick(struct stats_reporter *rep);
/* The last report (always written to the file; printed if --stats). */
void stats_final(struct stats_reporter *rep);

double bridge_now(void); /* CLOCK_MONOTONIC seconds */

#endif
