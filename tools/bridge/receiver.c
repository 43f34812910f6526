/* shmring-bridge recv: binds a PULL socket (every sender connects to it:
 * fan-in) and writes each accepted message into a local ring as one
 * writer. Every batch is checked whole (wire.c) before any of it is
 * written; a refused batch is counted and logged, never written. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "bridge.h"
#include "events.h"
#include "log.h"
#include "sources.h"
#include "stats.h"
#include "wire.h"

#define MAX_FRAMES (WIRE_MAX_BATCH + 2u)
/* Past this many, a refused batch is logged once per thousand. */
#define REFUSAL_LINES 20u

struct receiver {
    const struct bridge_config *cfg;
    shmring_ring_t *ring;
    shmring_writer_t *writer;
    uint64_t slot_bytes;
    void *socket;
    struct bridge_stats stats;
    struct source_table sources;
    struct stats_reporter reporter;
    double last_lag;
    zmq_msg_t frames[MAX_FRAMES];
    size_t frame_sizes[MAX_FRAMES];
    uint32_t lengths[WIRE_MAX_BATCH];
    uint32_t frame_of[WIRE_MAX_BATCH];
    const void *datas[WIRE_MAX_BATCH];
    uint64_t lengths64[WIRE_MAX_BATCH];
};

enum { WRITTEN = 0, STOPPED = -1, FAILED = -2, FINISHED = 1 };

static int open_or_create(struct receiver *r) {
    const struct bridge_config *cfg = r->cfg;
    if (cfg->create) {
        shmring_options_t *options = NULL;
        int rc = shmring_options_create(&options);
        /* The stream ends when the sources say so (END), not when this
         * writer leaves: a restarted receiver goes on with the same ring. */
        if (rc == SHMRING_OK) rc = shmring_options_set_close_on_last_writer(options, 0);
        if (rc == SHMRING_OK) {
            rc = shmring_create(cfg->ring, cfg->slot_bytes, cfg->slot_count, options, &r->ring);
        }
        shmring_options_destroy(options);
        if (rc == SHMRING_OK) {
            bridge_log("created %s: %" PRIu64 " slots of %" PRIu64 " bytes", cfg->ring,
                       cfg->slot_count, cfg->slot_bytes);
            return SHMRING_OK;
        }
        if (rc != SHMRING_EEXISTS) {
            bridge_log("cannot create %s: %s (%s)", cfg->ring, shmring_strerror(rc),
                       shmring_last_error());
            return rc;
        }
    }
    int rc = bridge_open_ring(cfg, &r->ring);
    if (rc != SHMRING_OK) return rc;
    if (cfg->create && (shmring_slot_bytes(r->ring) != cfg->slot_bytes ||
                        shmring_slot_count(r->ring) != cfg->slot_count)) {
        bridge_log("%s exists with %" PRIu64 "x%" PRIu64 ", not the %" PRIu64 "x%" PRIu64
                   " of --create", cfg->ring, shmring_slot_bytes(r->ring),
                   shmring_slot_count(r->ring), cfg->slot_bytes, cfg->slot_count);
        shmring_close(r->ring);
        return SHMRING_EEXISTS;
    }
    if (cfg->create) bridge_log("%s exists: writing into it", cfg->ring);
    return SHMRING_OK;
}

static uint32_t readers_in_use(shmring_ring_t *ring) {
    shmring_stats_t *stats;
    uint64_t readers = 0;
    if (shmring_stats_read(ring, &stats) != SHMRING_OK) return 0;
    shmring_stats_ring(stats, SHMRING_STAT_READERS, &readers);
    shmring_stats_free(stats);
    return (uint32_t)readers;
}

/* The slowest local reader's lag. */
static void update_lag(struct receiver *r) {
    shmring_stats_t *stats;
    if (shmring_stats_read(r->ring, &stats) != SHMRING_OK) return;
    uint64_t worst = 0, lag;
    for (uint32_t i = 0; i < shmring_stats_reader_count(stats); i++) {
        if (shmring_stats_reader(stats, i, SHMRING_STAT_LAG, &lag) == SHMRING_OK && lag > worst) {
            worst = lag;
        }
    }
    shmring_stats_free(stats);
    stat_set(&r->stats.lag, worst);
}

/* --wait-readers N: a message written before any reader joins is seen by
 * nobody, so wait (polling the ring's statistics) for the consumers. */
static int wait_for_readers(struct receiver *r) {
    if (r->cfg->wait_readers == 0) return 0;
    bridge_log("waiting for %u readers on %s", r->cfg->wait_readers, r->cfg->ring);
    const struct timespec pause = {0, 10000000L};
    while (readers_in_use(r->ring) < r->cfg->wait_readers) {
        if (bridge_stopping) return -1;
        nanosleep(&pause, NULL);
    }
    return 0;
}

/* Keeps --stats and the stats file current, also while blocked. */
static void receiver_tick(struct receiver *r) {
    double now = bridge_now();
    if (now - r->last_lag >= 0.2) {
        update_lag(r);
        r->last_lag = now;
    }
    stats_tick(&r->reporter);
}

static void refuse(struct receiver *r, const char *why, uint64_t source, uint32_t messages,
                   int oversized) {
    uint64_t n = stat_get(&r->stats.refused_batches) + 1;
    stat_add(&r->stats.refused_batches, 1);
    stat_add(&r->stats.refused_messages, messages);
    if (oversized) stat_add(&r->stats.oversized, 1);
    if (n <= REFUSAL_LINES || n % 1000 == 0) {
        char from[64] = "with no readable header";
        if (source) snprintf(from, sizeof from, "from source %016" PRIx64, source);
        bridge_log("refused a batch of %u messages %s: %s%s", messages, from, why,
                   n == REFUSAL_LINES ? " (further ones: every 1000th)" : "");
    }
}

/* Writes messages [from, n) of the batch: runs of small ones with
 * shmring_write_batch, a large one into a reserved slot. Waits while the
 * ring is full (that is the back-pressure) unless asked to stop. */
static int write_messages(struct receiver *r, uint32_t from, uint32_t n) {
    uint32_t i = from;
    while (i < n) {
        int rc;
        if (r->lengths[i] >= WIRE_ZERO_COPY_MIN) {
            void *slot;
            rc = shmring_reserve(r->writer, &slot, BRIDGE_POLL_NS);
            if (rc == SHMRING_OK) {
                memcpy(slot, r->datas[i], r->lengths[i]);
                rc = shmring_commit(r->writer, r->lengths[i]);
                if (rc == SHMRING_OK) {
                    stat_add(&r->stats.messages, 1);
                    stat_add(&r->stats.bytes, r->lengths[i]);
                    i++;
                    continue;
                }
            }
        } else {
            uint32_t end = i, written = 0;
            while (end < n && r->lengths[end] < WIRE_ZERO_COPY_MIN) end++;
            rc = shmring_write_batch(r->writer, r->datas + i, r->lengths64 + i, end - i, &written,
                                     BRIDGE_POLL_NS);
            for (uint32_t k = i; k < i + written; k++) stat_add(&r->stats.bytes, r->lengths[k]);
            stat_add(&r->stats.messages, written);
            i += written;
            if (rc == SHMRING_OK) continue;
        }
        if (rc == SHMRING_ETIMEOUT || rc == SHMRING_EFULL || rc == SHMRING_EINTERRUPTED) {
            receiver_tick(r);
            if (!bridge_stopping) continue;
            stat_add(&r->stats.unwritten, n - i);
            return STOPPED;
        }
        bridge_log("writing into %s failed: %s (%s)", r->cfg->ring, shmring_strerror(rc),
                   shmring_last_error());
        stat_add(&r->stats.unwritten, n - i);
        return FAILED;
    }
    return WRITTEN;
}

static int handle_batch(struct receiver *r, uint32_t frames) {
    struct wire_header h;
    enum wire_fault fault = wire_decode_header(zmq_msg_data(&r->frames[0]), r->frame_sizes[0], &h);
    if (fault != WIRE_OK) {
        refuse(r, wire_fault_name(fault), 0, 0, 0);
        return WRITTEN;
    }
    if (h.type == WIRE_TYPE_END || h.type == WIRE_TYPE_START) {
        if (frames != 1) {
            refuse(r, wire_fault_name(WIRE_BAD_FRAMES), h.source, 0, 0);
            return WRITTEN;
        }
        if (h.type == WIRE_TYPE_START) {
            sources_start(&r->sources, &h);
            return WRITTEN;
        }
        return sources_end(&r->sources, &h, r->cfg->sources) ? FINISHED : WRITTEN;
    }
    if (frames < 3) {
        refuse(r, wire_fault_name(WIRE_BAD_FRAMES), h.source, h.count, 0);
        return WRITTEN;
    }
    fault = wire_check_batch(&h, zmq_msg_data(&r->frames[1]), r->frame_sizes[1],
                             r->frame_sizes + 2, frames - 2, r->slot_bytes, r->lengths,
                             r->frame_of);
    if (fault != WIRE_OK) {
        refuse(r, wire_fault_name(fault), h.source, h.count, fault == WIRE_OVERSIZED);
        return WRITTEN;
    }
    int64_t duplicates = sources_data(&r->sources, &h);
    if (duplicates < 0) {
        refuse(r, "too many sources", h.source, h.count, 0);
        return WRITTEN;
    }
    /* Where each message is in its frame. */
    uint32_t frame = UINT32_MAX;
    const unsigned char *at = NULL;
    for (uint32_t i = 0; i < h.count; i++) {
        if (r->frame_of[i] != frame) {
            frame = r->frame_of[i];
            at = zmq_msg_data(&r->frames[2 + frame]);
        }
        r->datas[i] = at;
        r->lengths64[i] = r->lengths[i];
        at += r->lengths[i];
    }
    stat_add(&r->stats.batches, 1);
    return write_messages(r, (uint32_t)duplicates, h.count);
}

/* Receives one whole multipart message (ZeroMQ delivers its parts
 * together). Returns the frame count, 0 on timeout, or -1 if a message had
 * more frames than any valid batch (refused and drained). */
static int receive_frames(struct receiver *r) {
    uint32_t n = 0;
    int more = 1, too_many = 0;
    while (more) {
        zmq_msg_t *frame = &r->frames[n < MAX_FRAMES ? n : MAX_FRAMES - 1];
        if (n >= MAX_FRAMES) {
            too_many = 1;
            zmq_msg_close(frame);
        }
        zmq_msg_init(frame);
        if (zmq_msg_recv(frame, r->socket, 0) < 0) {
            zmq_msg_close(frame);
            if (n == 0) return 0; /* timeout or signal */
            /* A multipart message arrives whole; only a stop can cut it. */
            break;
        }
        more = zmq_msg_more(frame);
        if (n < MAX_FRAMES) r->frame_sizes[n] = zmq_msg_size(frame);
        n++;
    }
    uint32_t kept = n < MAX_FRAMES ? n : MAX_FRAMES;
    if (too_many || more) {
        for (uint32_t i = 0; i < kept; i++) zmq_msg_close(&r->frames[i]);
        if (too_many) refuse(r, "more frames than a batch has", 0, 0, 0);
        return -1;
    }
    return (int)kept;
}

static int run(struct receiver *r, void *ctx, const struct bridge_keys *keys,
               const struct allow_list *allow) {
    const struct bridge_config *cfg = r->cfg;
    struct bridge_events events;
    int status = 1;
    /* The ZAP handler must exist before the socket can accept anybody. */
    if (events_init(&events, ctx, keys->curve ? allow : NULL, &r->stats) != 0) return 1;
    r->socket = bridge_socket(ctx, ZMQ_PULL, cfg, keys, r->slot_bytes);
    if (!r->socket || events_start(&events, ctx, r->socket, "recv") != 0) goto out;
    if (wait_for_readers(r) != 0) {
        status = 0;
        goto out;
    }
    if (zmq_bind(r->socket, cfg->endpoint) != 0) {
        int err = zmq_errno();
        bridge_log("cannot bind %s: %s%s", cfg->endpoint, zmq_strerror(err),
                   err == EINVAL ? " (want tcp://*:PORT or tcp://ADDRESS:PORT)" : "");
        status = 2;
        goto out;
    }
    bridge_log("writing into %s what arrives on %s, %s%s", cfg->ring, cfg->endpoint,
               keys->curve ? "CURVE, keys of --allow only" : "plaintext",
               keys->curve ? "" : " (anybody who can connect can write)");
    stats_start(&r->reporter, &r->stats, "recv", cfg->stats_interval, cfg->stats_file);
    int rc = WRITTEN;
    while (!bridge_stopping && rc == WRITTEN) {
        int frames = receive_frames(r);
        if (frames > 0) {
            rc = handle_batch(r, (uint32_t)frames);
            for (int i = 0; i < frames; i++) zmq_msg_close(&r->frames[i]);
        }
        receiver_tick(r);
    }
    if (rc == FINISHED) {
        shmring_close_stream(r->ring);
        bridge_log("every source ended: closed the stream of %s", cfg->ring);
    }
    status = rc == FAILED ? 1 : 0;
    update_lag(r);
    stats_final(&r->reporter);
out:
    if (r->socket) {
        int zero = 0; /* a receiver has nothing to flush */
        zmq_setsockopt(r->socket, ZMQ_LINGER, &zero, sizeof zero);
        zmq_close(r->socket);
    }
    events_stop(&events);
    return status;
}

int bridge_recv(const struct bridge_config *cfg) {
    struct bridge_keys keys;
    struct allow_list allow;
    if (bridge_security_setup(cfg, &keys, &allow) != 0) return 2;
    struct receiver *r = calloc(1, sizeof *r);
    if (!r) return 1;
    r->cfg = cfg;
    r->sources.stats = &r->stats;
    int status = 2;
    if (open_or_create(r) != SHMRING_OK) goto free;
    r->slot_bytes = shmring_slot_bytes(r->ring);
    int rc = shmring_writer_open(r->ring, &r->writer);
    if (rc != SHMRING_OK) {
        bridge_log("cannot join %s as a writer: %s (%s)", cfg->ring, shmring_strerror(rc),
                   shmring_last_error());
        shmring_close(r->ring);
        goto free;
    }
    void *ctx = zmq_ctx_new();
    status = run(r, ctx, &keys, &allow);
    zmq_ctx_term(ctx);
    shmring_writer_close(r->writer);
    shmring_close(r->ring);
free:
    allow_list_free(&allow);
    free(r);
    return status;
}
