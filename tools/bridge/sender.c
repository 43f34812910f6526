/* shmring-bridge send: joins a local ring as a reader and forwards every
 * message it reads, in batches (wire.h), to one receiver.
 *
 * Lifetime of a zero-copy frame: it points into the reader's peek view,
 * which stays valid until shmring_release(). ZeroMQ calls zc_free() once
 * its I/O thread is done with the frame (written to the kernel, or dropped
 * at close). The batch is released only when every frame of it is freed;
 * at shutdown, zmq_ctx_term() (which frees every queued frame) comes
 * before the release. A lossy reader's slot can be overwritten under a
 * view, so a lossy sender copies and releases first, and sends nothing
 * that release reports as lapped. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "bridge.h"
#include "events.h"
#include "log.h"
#include "stats.h"
#include "wire.h"

struct zc_tracker {
    pthread_mutex_t lock;
    pthread_cond_t freed;
    unsigned outstanding;
};

static void zc_free(void *data, void *hint) {
    (void)data;
    struct zc_tracker *t = hint;
    pthread_mutex_lock(&t->lock);
    t->outstanding--;
    pthread_cond_signal(&t->freed);
    pthread_mutex_unlock(&t->lock);
}

/* Waits until ZeroMQ has freed every zero-copy frame; 0, or -1 if asked to
 * stop meanwhile (then the frames are freed by zmq_ctx_term). */
static int zc_wait(struct zc_tracker *t) {
    int rc = 0;
    pthread_mutex_lock(&t->lock);
    while (t->outstanding > 0) {
        if (bridge_stopping) {
            rc = -1;
            break;
        }
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_nsec += BRIDGE_POLL_NS;
        if (deadline.tv_nsec >= 1000000000L) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&t->freed, &t->lock, &deadline);
    }
    pthread_mutex_unlock(&t->lock);
    return rc;
}

/* FNV-1a 64: the default source identity from host, ring and group, so a
 * restarted sender of the same ring is the same source. */
static uint64_t fnv64(uint64_t h, const char *s) {
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h;
}

static uint64_t default_source(const struct bridge_config *cfg) {
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    uint64_t h = fnv64(0xcbf29ce484222325ull, host);
    h = fnv64(fnv64(h, ":"), cfg->ring);
    if (cfg->group) h = fnv64(fnv64(h, ":"), cfg->group);
    return h ? h : 1;
}

struct sender {
    const struct bridge_config *cfg;
    shmring_ring_t *ring;
    shmring_reader_t *reader;
    void *socket;
    struct bridge_stats stats;
    struct stats_reporter reporter;
    struct zc_tracker zc;
    struct wire_header header;
    uint64_t group_seq; /* a group member numbers what it forwards itself */
    const void *datas[WIRE_MAX_BATCH];
    uint64_t lengths64[WIRE_MAX_BATCH];
    uint32_t lengths[WIRE_MAX_BATCH];
    uint32_t frame_of[WIRE_MAX_BATCH];
    zmq_msg_t frames[WIRE_MAX_BATCH + 2];
};

enum { SENT = 0, STOPPED = -1, FAILED = -2 };

static void update_gauges(struct sender *s) {
    uint64_t position = shmring_reader_position(s->reader);
    stat_set(&s->stats.lag, shmring_next_sequence(s->ring) - position);
    stat_set(&s->stats.source_missed, shmring_reader_missed(s->reader));
}

/* Sends frames[0..count) as one multipart message; waits at the HWM (that
 * is the back-pressure) while not asked to stop. Closes unsent frames. */
static int send_frames(struct sender *s, uint32_t count) {
    uint32_t i = 0;
    int rc = SENT;
    while (i < count) {
        if (zmq_msg_send(&s->frames[i], s->socket, i + 1 < count ? ZMQ_SNDMORE : 0) >= 0) {
            i++;
            continue;
        }
        int err = zmq_errno();
        if ((err == EAGAIN || err == EINTR) && !bridge_stopping) {
            update_gauges(s);
            stats_tick(&s->reporter);
            continue;
        }
        if (err != EAGAIN && err != EINTR) {
            bridge_log("send failed: %s", zmq_strerror(err));
            rc = FAILED;
        } else {
            rc = STOPPED;
        }
        break;
    }
    for (; i < count; i++) zmq_msg_close(&s->frames[i]);
    return rc;
}

static void fill_header(struct sender *s, uint32_t type, uint32_t count, uint64_t first_seq) {
    s->header.type = type;
    s->header.count = count;
    s->header.first_seq = first_seq;
    s->header.source_missed = (uint32_t)shmring_reader_missed(s->reader);
    unsigned char bytes[WIRE_HEADER_BYTES];
    wire_encode_header(&s->header, bytes);
    zmq_msg_init_size(&s->frames[0], WIRE_HEADER_BYTES);
    memcpy(zmq_msg_data(&s->frames[0]), bytes, WIRE_HEADER_BYTES);
}

/* Frames for the n messages at s->datas: header, lengths, payloads; a
 * payload frame of one large message refers to the slot when zero_copy. */
static int build_batch(struct sender *s, uint32_t n, uint64_t first_seq, int zero_copy) {
    fill_header(s, WIRE_TYPE_DATA, n, first_seq);
    zmq_msg_init_size(&s->frames[1], 4u * n);
    unsigned char *lengths = zmq_msg_data(&s->frames[1]);
    for (uint32_t i = 0; i < n; i++) {
        s->lengths[i] = (uint32_t)s->lengths64[i];
        for (int b = 0; b < 4; b++) lengths[4 * i + b] = (unsigned char)(s->lengths[i] >> (8 * b));
    }
    uint32_t frames = wire_layout(s->lengths, n, s->frame_of);
    uint32_t i = 0;
    for (uint32_t f = 0; f < frames; f++) {
        uint32_t end = i;
        uint64_t bytes = 0;
        while (end < n && s->frame_of[end] == f) bytes += s->lengths[end++];
        zmq_msg_t *frame = &s->frames[2 + f];
        if (zero_copy && end == i + 1 && s->lengths[i] >= WIRE_ZERO_COPY_MIN) {
            pthread_mutex_lock(&s->zc.lock);
            s->zc.outstanding++;
            pthread_mutex_unlock(&s->zc.lock);
            zmq_msg_init_data(frame, (void *)s->datas[i], s->lengths[i], zc_free, &s->zc);
            stat_add(&s->stats.zero_copy, 1);
        } else {
            zmq_msg_init_size(frame, bytes);
            unsigned char *out = zmq_msg_data(frame);
            for (uint32_t k = i; k < end; k++) {
                memcpy(out, s->datas[k], s->lengths[k]);
                out += s->lengths[k];
            }
        }
        i = end;
    }
    return (int)(2 + frames);
}

static void close_frames(struct sender *s, int count) {
    for (int i = 0; i < count; i++) zmq_msg_close(&s->frames[i]);
}

/* The sequence of the next message this sender forwards. */
static uint64_t next_seq(const struct sender *s) {
    return s->cfg->group ? s->group_seq : shmring_reader_position(s->reader);
}

/* One batch: peek, send, release. SENT, STOPPED, FAILED, or 1 at end of
 * stream. */
static int forward_batch(struct sender *s) {
    uint32_t n = 0;
    int rc = shmring_peek_batch(s->reader, s->datas, s->lengths64, s->cfg->batch, &n,
                                BRIDGE_POLL_NS);
    if (rc == SHMRING_EEMPTY || rc == SHMRING_ETIMEOUT || rc == SHMRING_EINTERRUPTED) return SENT;
    if (rc == SHMRING_ECLOSED) return 1;
    if (rc != SHMRING_OK) {
        bridge_log("reading %s failed: %s (%s)", s->cfg->ring, shmring_strerror(rc),
                   shmring_last_error());
        return FAILED;
    }
    /* Peeked, not yet released: the position is the first message's. */
    uint64_t first = next_seq(s), bytes = 0;
    for (uint32_t i = 0; i < n; i++) bytes += s->lengths64[i];
    int frames = build_batch(s, n, first, !s->cfg->lossy);
    if (s->cfg->lossy) {
        /* Copied: release now; a lapped copy may be torn and is not sent
         * (the next batch's sequence shows the gap). */
        rc = shmring_release(s->reader);
        if (rc == SHMRING_ELAPPED) {
            close_frames(s, frames);
            return SENT;
        }
    }
    int sent = send_frames(s, (uint32_t)frames);
    if (sent == SENT && zc_wait(&s->zc) != 0) sent = STOPPED;
    if (sent != SENT) return sent; /* released after zmq_ctx_term */
    if (!s->cfg->lossy) rc = shmring_release(s->reader);
    if (rc != SHMRING_OK) {
        bridge_log("release failed: %s (%s)", shmring_strerror(rc), shmring_last_error());
        return FAILED;
    }
    s->group_seq += n;
    stat_add(&s->stats.messages, n);
    stat_add(&s->stats.bytes, bytes);
    stat_add(&s->stats.batches, 1);
    return SENT;
}

static int run(struct sender *s, void *ctx, const struct bridge_keys *keys) {
    const struct bridge_config *cfg = s->cfg;
    struct bridge_events events;
    int status = 1;
    if (events_init(&events, ctx, NULL, &s->stats) != 0) return 1;
    s->socket = bridge_socket(ctx, ZMQ_PUSH, cfg, keys, 0);
    if (!s->socket || events_start(&events, ctx, s->socket, "send") != 0) goto out;
    if (zmq_connect(s->socket, cfg->endpoint) != 0) {
        bridge_log("bad address %s: %s (want tcp://HOST:PORT)", cfg->endpoint,
                   zmq_strerror(zmq_errno()));
        status = 2;
        goto out;
    }
    bridge_log("forwarding %s (%s) to %s, %s, source %016" PRIx64, cfg->ring,
               cfg->lossy ? "lossy reader" : cfg->group ? "group member" : "broadcast reader",
               cfg->endpoint, keys->curve ? "CURVE" : "plaintext", s->header.source);
    stats_start(&s->reporter, &s->stats, "send", cfg->stats_interval, cfg->stats_file);
    /* Where this sender joined: the receiver counts from here. */
    fill_header(s, WIRE_TYPE_START, 0, next_seq(s));
    int rc = send_frames(s, 1);
    while (!bridge_stopping && rc == SENT) {
        rc = forward_batch(s);
        update_gauges(s);
        stats_tick(&s->reporter);
    }
    if (rc == 1) {
        /* End of stream: tell the receiver where the stream ended. */
        fill_header(s, WIRE_TYPE_END, 0, next_seq(s));
        rc = send_frames(s, 1);
        bridge_log("end of stream on %s%s", cfg->ring,
                   rc == SENT ? "; queued the end for the receiver" : "; stopped before telling the receiver");
    }
    status = rc == FAILED ? 1 : 0;
    if (bridge_stopping) bridge_log("stopping: flushing for up to %d ms", cfg->linger_ms);
    stats_final(&s->reporter);
out:
    if (s->socket) zmq_close(s->socket);
    events_stop(&events);
    return status;
}

int bridge_send(const struct bridge_config *cfg) {
    struct bridge_keys keys;
    struct allow_list unused;
    if (bridge_security_setup(cfg, &keys, &unused) != 0) return 2;
    struct sender *s = calloc(1, sizeof *s);
    if (!s) return 1;
    s->cfg = cfg;
    pthread_mutex_init(&s->zc.lock, NULL);
    pthread_cond_init(&s->zc.freed, NULL);
    int status = 2;
    if (bridge_open_ring(cfg, &s->ring) != SHMRING_OK) goto free;
    int rc = shmring_reader_open(s->ring, cfg->group, cfg->lossy ? SHMRING_READER_LOSSY : 0,
                                 &s->reader);
    if (rc != SHMRING_OK) {
        bridge_log("cannot join %s as a reader: %s (%s)", cfg->ring, shmring_strerror(rc),
                   shmring_last_error());
        goto close_ring;
    }
    if (shmring_slot_bytes(s->ring) > UINT32_MAX) {
        bridge_log("%s has slots over 4 GiB; the wire format carries 32-bit lengths", cfg->ring);
        goto close_reader;
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    s->header.source = cfg->source ? cfg->source : default_source(cfg);
    /* A larger epoch per run tells the receiver this is a restart. */
    s->header.epoch = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
    void *ctx = zmq_ctx_new();
    status = run(s, ctx, &keys);
    /* Frees every frame still queued (after --linger), so nothing refers
     * to the peek view any more: only now may it be released. */
    zmq_ctx_term(ctx);
close_reader:
    shmring_reader_close(s->reader);
close_ring:
    shmring_close(s->ring);
free:
    pthread_cond_destroy(&s->zc.freed);
    pthread_mutex_destroy(&s->zc.lock);
    free(s);
    return status;
}
