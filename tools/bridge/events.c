/* Connection events and the ZAP handler (events.h). */
#include "events.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

#include "log.h"

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
/* Past this many, a handshake failure is logged once per thousand. */
#define FAILURE_LINES 20u

int events_init(struct bridge_events *ev, void *ctx, const struct allow_list *allow,
                struct bridge_stats *stats) {
    memset(ev, 0, sizeof *ev);
    ev->stats = stats;
    ev->allow = allow;
    atomic_init(&ev->stop, 0);
    if (!allow) return 0;
    ev->zap = zmq_socket(ctx, ZMQ_REP);
    if (!ev->zap || zmq_bind(ev->zap, ZAP_ENDPOINT) != 0) {
        bridge_log("cannot start the ZAP handler: %s", zmq_strerror(zmq_errno()));
        return -1;
    }
    return 0;
}

static const char *protocol_error_text(uint32_t code) {
    switch (code) {
    case ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC:
        return "cryptographic error (a wrong server key, or not CURVE)";
    case ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH:
        return "security mechanism mismatch (CURVE on one side, plaintext on the other)";
    case ZMQ_PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE:
        return "key exchange failed";
    default: break;
    }
    if ((code & 0xF0000000u) == 0x10000000u) return "not a valid ZMTP peer (garbage or another protocol)";
    if ((code & 0xF0000000u) == 0x20000000u) return "ZAP error";
    return "protocol error";
}

static void log_failure(struct bridge_events *ev, const char *text) {
    uint64_t n = ++ev->logged_failures;
    if (n <= FAILURE_LINES || n % 1000 == 0) {
        bridge_log("%s%s", text, n == FAILURE_LINES ? " (further ones: every 1000th)" : "");
    }
}

/* A failed handshake: its connection's close follows. */
static void note_failed(struct bridge_events *ev) {
    if (ev->unverified > 0) ev->unverified--;
    ev->failed_open++;
}

static void on_monitor_event(struct bridge_events *ev, uint16_t event, uint32_t value,
                             const char *endpoint) {
    struct bridge_stats *s = ev->stats;
    char text[512];
    switch (event) {
    case ZMQ_EVENT_LISTENING:
        bridge_log("listening on %s", endpoint);
        break;
    case ZMQ_EVENT_CONNECTED:
        /* The previous connection closed during its handshake: the server
         * dropped it (the client sees no other sign of a wrong server key). */
        if (ev->unverified > 0) {
            ev->unverified--;
            stat_add(&s->handshake_failed, 1);
            snprintf(text, sizeof text, "connection to %s closed before the handshake finished "
                     "(a wrong --server-key, or not a shmring-bridge receiver)", endpoint);
            log_failure(ev, text);
        }
        ev->unverified++;
        break;
    case ZMQ_EVENT_ACCEPTED:
        stat_add(&s->connects, 1);
        ev->unverified++;
        break;
    case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
        if (ev->unverified > 0) ev->unverified--;
        if (!ev->server) {
            stat_add(&s->connects, 1);
            bridge_log("%s %s", stat_get(&s->connects) > 1 ? "reconnected to" : "connected to",
                       endpoint);
        }
        break;
    case ZMQ_EVENT_CONNECT_RETRIED: {
        uint64_t n = stat_get(&s->connect_retries) + 1;
        stat_add(&s->connect_retries, 1);
        /* 1st, 2nd, 4th, 8th ... attempt: ZeroMQ backs off up to 5 s. */
        if ((n & (n - 1)) == 0) {
            bridge_log("no connection to %s (attempt %" PRIu64 "); retrying in %u ms", endpoint, n,
                       value);
        }
        break;
    }
    case ZMQ_EVENT_DISCONNECTED:
        stat_add(&s->disconnects, 1);
        if (ev->failed_open > 0) {
            ev->failed_open--; /* logged as its failure */
        } else if (ev->unverified > 0) {
            ev->unverified--;
            stat_add(&s->handshake_failed, 1);
            snprintf(text, sizeof text,
                     "connection on %s closed before the handshake finished (%s)", endpoint,
                     ev->server ? "garbage or another protocol on the port"
                                : "a wrong --server-key, or not a shmring-bridge receiver");
            log_failure(ev, text);
        } else {
            bridge_log("connection on %s closed", endpoint);
        }
        break;
    case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
        note_failed(ev);
        stat_add(&s->handshake_failed, 1);
        snprintf(text, sizeof text,
                 "handshake on %s refused: the receiver does not accept this key (ZAP status %u)",
                 endpoint, value);
        log_failure(ev, text);
        break;
    case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
        note_failed(ev);
        stat_add(&s->handshake_failed, 1);
        snprintf(text, sizeof text, "handshake on %s failed: %s (0x%x); connection dropped",
                 endpoint, protocol_error_text(value), value);
        log_failure(ev, text);
        break;
    case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
        note_failed(ev);
        stat_add(&s->handshake_failed, 1);
        snprintf(text, sizeof text, "handshake on %s failed (%s); connection dropped%s", endpoint,
                 zmq_strerror((int)value),
                 ev->server ? "" : ": the receiver closed it (a wrong --server-key?)");
        log_failure(ev, text);
        break;
    case ZMQ_EVENT_BIND_FAILED:
        bridge_log("cannot bind %s: %s", endpoint, zmq_strerror((int)value));
        break;
    default:
        break;
    }
}

/* One monitor event: frame 1 = u16 event + u32 value, frame 2 = endpoint. */
static void read_monitor(struct bridge_events *ev) {
    zmq_msg_t frame;
    unsigned char head[6] = {0};
    char endpoint[256] = "";
    zmq_msg_init(&frame);
    if (zmq_msg_recv(&frame, ev->monitor, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&frame);
        return;
    }
    int good = zmq_msg_size(&frame) == 6;
    if (good) memcpy(head, zmq_msg_data(&frame), 6);
    while (zmq_msg_more(&frame)) {
        if (zmq_msg_recv(&frame, ev->monitor, 0) < 0) break;
        size_t n = zmq_msg_size(&frame);
        if (n >= sizeof endpoint) n = sizeof endpoint - 1;
        memcpy(endpoint, zmq_msg_data(&frame), n);
        endpoint[n] = '\0';
    }
    zmq_msg_close(&frame);
    if (!good) return;
    uint16_t event;
    uint32_t value;
    memcpy(&event, head, 2);
    memcpy(&value, head + 2, 4);
    on_monitor_event(ev, event, value, endpoint);
}

/* ZAP (RFC 27): request = version, request id, domain, address, routing id,
 * mechanism, credentials...; reply = version, request id, status code,
 * status text, user id, metadata. */
static void answer_zap(struct bridge_events *ev) {
    enum { MAX_PARTS = 8 };
    zmq_msg_t parts[MAX_PARTS];
    int count = 0, more = 1;
    while (more) {
        zmq_msg_t part;
        zmq_msg_init(&part);
        if (zmq_msg_recv(&part, ev->zap, count == 0 ? ZMQ_DONTWAIT : 0) < 0) {
            zmq_msg_close(&part);
            break;
        }
        more = zmq_msg_more(&part);
        if (count < MAX_PARTS) parts[count++] = part;
        else zmq_msg_close(&part);
    }
    if (count == 0) return;
    char address[64] = "?";
    if (count > 3) {
        size_t n = zmq_msg_size(&parts[3]);
        if (n >= sizeof address) n = sizeof address - 1;
        memcpy(address, zmq_msg_data(&parts[3]), n);
        address[n] = '\0';
    }
    int curve = count >= 7 && zmq_msg_size(&parts[5]) == 5 &&
                memcmp(zmq_msg_data(&parts[5]), "CURVE", 5) == 0 && zmq_msg_size(&parts[6]) == 32;
    int allowed = curve && allow_list_contains(ev->allow, zmq_msg_data(&parts[6]));
    char key[KEY_Z85_CHARS + 1] = "(none)";
    if (curve) zmq_z85_encode(key, zmq_msg_data(&parts[6]), 32);
    if (allowed) {
        stat_add(&ev->stats->auth_accepted, 1);
        bridge_log("client key %s from %s accepted", key, address);
    } else {
        stat_add(&ev->stats->auth_refused, 1);
        char text[256];
        snprintf(text, sizeof text, "refused client key %s from %s: not in --allow", key, address);
        log_failure(ev, text);
    }
    const char *status = allowed ? "200" : "400";
    const char *text = allowed ? "OK" : "key not allowed";
    zmq_send(ev->zap, "1.0", 3, ZMQ_SNDMORE);
    if (count > 1) {
        zmq_send(ev->zap, zmq_msg_data(&parts[1]), zmq_msg_size(&parts[1]), ZMQ_SNDMORE);
    } else {
        zmq_send(ev->zap, "", 0, ZMQ_SNDMORE);
    }
    zmq_send(ev->zap, status, 3, ZMQ_SNDMORE);
    zmq_send(ev->zap, text, strlen(text), ZMQ_SNDMORE);
    zmq_send(ev->zap, allowed ? key : "", allowed ? KEY_Z85_CHARS : 0, ZMQ_SNDMORE);
    zmq_send(ev->zap, "", 0, 0);
    for (int i = 0; i < count; i++) zmq_msg_close(&parts[i]);
}

static void *events_main(void *arg) {
    struct bridge_events *ev = arg;
    zmq_pollitem_t items[2] = {{ev->monitor, 0, ZMQ_POLLIN, 0}, {ev->zap, 0, ZMQ_POLLIN, 0}};
    int n = ev->zap ? 2 : 1;
    /* The flag is only a request to stop; nothing is published through it. */
    while (!atomic_load_explicit(&ev->stop, memory_order_relaxed)) {
        if (zmq_poll(items, n, 100) < 0) continue;
        if (items[0].revents & ZMQ_POLLIN) read_monitor(ev);
        if (n > 1 && (items[1].revents & ZMQ_POLLIN)) answer_zap(ev);
    }
    while (zmq_poll(items, 1, 0) > 0) read_monitor(ev); /* the last events */
    return NULL;
}

int events_start(struct bridge_events *ev, void *ctx, void *socket, const char *name) {
    ev->server = strcmp(name, "recv") == 0;
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "inproc://monitor-%s", name);
    if (zmq_socket_monitor(socket, endpoint, ZMQ_EVENT_ALL) != 0) {
        bridge_log("cannot monitor the socket: %s", zmq_strerror(zmq_errno()));
        return -1;
    }
    ev->monitor = zmq_socket(ctx, ZMQ_PAIR);
    if (!ev->monitor || zmq_connect(ev->monitor, endpoint) != 0) {
        bridge_log("cannot monitor the socket: %s", zmq_strerror(zmq_errno()));
        return -1;
    }
    if (pthread_create(&ev->thread, NULL, events_main, ev) != 0) {
        bridge_log("cannot start the events thread");
        return -1;
    }
    ev->started = 1;
    return 0;
}

void events_stop(struct bridge_events *ev) {
    if (ev->started) {
        atomic_store_explicit(&ev->stop, 1, memory_order_relaxed); /* see events_main */
        pthread_join(ev->thread, NULL);
        ev->started = 0;
    }
    int zero = 0;
    if (ev->monitor) {
        zmq_setsockopt(ev->monitor, ZMQ_LINGER, &zero, sizeof zero);
        zmq_close(ev->monitor);
    }
    if (ev->zap) {
        zmq_setsockopt(ev->zap, ZMQ_LINGER, &zero, sizeof zero);
        zmq_close(ev->zap);
    }
    ev->monitor = ev->zap = NULL;
}
