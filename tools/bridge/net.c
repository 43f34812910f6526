/* What both halves set up the same way: the socket's options and opening
 * the local ring. */
#include <stdio.h>
#include <time.h>
#include <zmq.h>

#include "bridge.h"
#include "log.h"
#include "stats.h"
#include "wire.h"

void *bridge_socket(void *ctx, int type, const struct bridge_config *cfg,
                    const struct bridge_keys *keys, uint64_t slot_bytes) {
    void *socket = zmq_socket(ctx, type);
    if (!socket) {
        bridge_log("cannot make a socket: %s", zmq_strerror(zmq_errno()));
        return NULL;
    }
    int server = type == ZMQ_PULL;
    int hwm = cfg->hwm, linger = cfg->linger_ms, timeout = BRIDGE_POLL_MS;
    /* Heartbeats find a peer that vanished without closing (a cable pulled,
     * a host down) within ~6 s; reconnects back off from 100 ms to 5 s. */
    int heartbeat = 2000, heartbeat_timeout = 6000, reconnect = 100, reconnect_max = 5000;
    int64_t max_frame = WIRE_PACK_BYTES > 4u * WIRE_MAX_BATCH ? WIRE_PACK_BYTES : 4u * WIRE_MAX_BATCH;
    if (slot_bytes > (uint64_t)max_frame) max_frame = (int64_t)slot_bytes;
    max_frame += 1024;
    int rc = zmq_setsockopt(socket, server ? ZMQ_RCVHWM : ZMQ_SNDHWM, &hwm, sizeof hwm) |
             zmq_setsockopt(socket, ZMQ_LINGER, &linger, sizeof linger) |
             zmq_setsockopt(socket, server ? ZMQ_RCVTIMEO : ZMQ_SNDTIMEO, &timeout, sizeof timeout) |
             zmq_setsockopt(socket, ZMQ_HEARTBEAT_IVL, &heartbeat, sizeof heartbeat) |
             zmq_setsockopt(socket, ZMQ_HEARTBEAT_TIMEOUT, &heartbeat_timeout,
                            sizeof heartbeat_timeout) |
             zmq_setsockopt(socket, ZMQ_RECONNECT_IVL, &reconnect, sizeof reconnect) |
             zmq_setsockopt(socket, ZMQ_RECONNECT_IVL_MAX, &reconnect_max, sizeof reconnect_max);
    /* A receiver knows its slot size: ZeroMQ drops a peer whose frame is
     * larger than any valid one before buffering it. The limit applies to
     * a CURVE frame as encrypted: leave room for its box overhead. */
    if (server) rc |= zmq_setsockopt(socket, ZMQ_MAXMSGSIZE, &max_frame, sizeof max_frame);
    if (rc != 0 || bridge_apply_keys(socket, keys, server) != 0) {
        bridge_log("cannot set up the socket: %s", zmq_strerror(zmq_errno()));
        zmq_close(socket);
        return NULL;
    }
    return socket;
}

/* shmring_open waits for a ring being created, not for one that does not
 * exist yet: --wait polls for the name to appear too. */
int bridge_open_ring(const struct bridge_config *cfg, shmring_ring_t **ring) {
    const struct timespec pause = {0, 10000000L};
    double deadline = bridge_now() + cfg->open_timeout;
    int rc;
    for (;;) {
        double left = deadline - bridge_now();
        rc = shmring_open(cfg->ring, left > 0 ? (int64_t)(left * 1e9) : 0, ring);
        if (rc != SHMRING_ENOT_FOUND || left <= 0 || bridge_stopping) break;
        nanosleep(&pause, NULL);
    }
    if (rc != SHMRING_OK) {
        bridge_log("cannot open ring %s: %s (%s)%s", cfg->ring, shmring_strerror(rc),
                   shmring_last_error(),
                   cfg->open_timeout > 0 ? "" : "; --wait SECONDS waits for it to appear");
    }
    return rc;
}
