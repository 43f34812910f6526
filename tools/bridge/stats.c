/* --stats lines and the --stats-file JSON snapshot. */
#include "stats.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"

double bridge_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void stats_start(struct stats_reporter *rep, struct bridge_stats *stats, const char *role,
                 double interval, const char *file) {
    rep->stats = stats;
    rep->role = role;
    rep->interval = interval;
    rep->file = file;
    rep->last_time = bridge_now();
    rep->last_messages = 0;
    rep->last_bytes = 0;
}

/* Written to FILE.tmp and renamed, so a reader never sees half a file. */
static void write_file(struct stats_reporter *rep, double msg_rate, double byte_rate,
                       int final) {
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", rep->file) >= (int)sizeof tmp) return;
    FILE *f = fopen(tmp, "w");
    if (!f) {
        bridge_log("cannot write %s", tmp);
        return;
    }
    fprintf(f, "{\"role\": \"%s\", \"final\": %s, \"msgs_per_s\": %.1f, \"bytes_per_s\": %.1f",
            rep->role, final ? "true" : "false", msg_rate, byte_rate);
#define BRIDGE_STAT_JSON(name) \
    fprintf(f, ", \"" #name "\": %" PRIu64, stat_get(&rep->stats->name));
    BRIDGE_STAT_FIELDS(BRIDGE_STAT_JSON)
#undef BRIDGE_STAT_JSON
    fputs("}\n", f);
    if (fclose(f) != 0 || rename(tmp, rep->file) != 0) bridge_log("cannot write %s", rep->file);
}

static void report(struct stats_reporter *rep, double now, int final) {
    struct bridge_stats *s = rep->stats;
    double elapsed = now - rep->last_time;
    uint64_t messages = stat_get(&s->messages), bytes = stat_get(&s->bytes);
    double msg_rate = elapsed > 0 ? (double)(messages - rep->last_messages) / elapsed : 0;
    double byte_rate = elapsed > 0 ? (double)(bytes - rep->last_bytes) / elapsed : 0;
    if (rep->interval > 0 || final) {
        char counts[256];
        if (strcmp(rep->role, "send") == 0) {
            snprintf(counts, sizeof counts, "zero-copy frames %" PRIu64 ", missed %" PRIu64,
                     stat_get(&s->zero_copy), stat_get(&s->source_missed));
        } else {
            snprintf(counts, sizeof counts, "gaps %" PRIu64 ", dups %" PRIu64 ", stale %" PRIu64
                     ", missed at sources %" PRIu64 ", refused %" PRIu64,
                     stat_get(&s->gaps), stat_get(&s->duplicates), stat_get(&s->stale),
                     stat_get(&s->source_missed), stat_get(&s->refused_batches));
        }
        uint64_t connects = stat_get(&s->connects);
        bridge_log("%s%.0f msg/s %.1f MB/s | %" PRIu64 " msgs %" PRIu64 " B, lag %" PRIu64
                   ", %s, reconnects %" PRIu64,
                   final ? "final: " : "", msg_rate, byte_rate / 1e6, messages, bytes,
                   stat_get(&s->lag), counts, connects > 1 ? connects - 1 : 0);
    }
    if (rep->file) write_file(rep, msg_rate, byte_rate, final);
    rep->last_time = now;
    rep->last_messages = messages;
    rep->last_bytes = bytes;
}

void stats_tick(struct stats_reporter *rep) {
    double now = bridge_now();
    /* Without --stats the file is still kept current (tests watch it). */
    if (!rep->file && rep->interval <= 0) return;
    double interval = rep->interval > 0 ? rep->interval : 0.2;
    if (now - rep->last_time >= interval) report(rep, now, 0);
}

void stats_final(struct stats_reporter *rep) { report(rep, bridge_now(), 1); }
