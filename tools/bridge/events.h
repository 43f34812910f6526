/* The events thread: logs and counts a socket's connection events (ZeroMQ
 * socket monitor) and, on a CURVE receiver, answers ZAP requests with the
 * allow list, so that neither waits behind a data thread blocked on a full
 * ring or a full socket. */
#ifndef SHMRING_BRIDGE_EVENTS_H
#define SHMRING_BRIDGE_EVENTS_H

#include <pthread.h>
#include <stdatomic.h>

#include "security.h"
#include "stats.h"

struct bridge_events {
    void *monitor;                  /* PAIR: the socket's monitor events */
    void *zap;                      /* REP on inproc://zeromq.zap.01, or NULL */
    const struct allow_list *allow;
    struct bridge_stats *stats;
    pthread_t thread;
    atomic_int stop;
    int started;
    uint64_t logged_failures;       /* handshake failure lines printed */
    /* Connections whose handshake has not finished, and failed ones whose
     * close is still to come: a close before the handshake is a failure
     * libzmq reports no other way (garbage bytes, a wrong server key seen
     * from the client). Events carry no connection id; with several
     * handshakes at once the attribution is by count. */
    uint32_t unverified, failed_open;
    int server;                     /* the receiver's socket */
};

/* Binds the ZAP handler (allow != NULL) before any server socket exists;
 * libzmq asks it about every CURVE client. 0 or -1. */
int events_init(struct bridge_events *ev, void *ctx, const struct allow_list *allow,
                struct bridge_stats *stats);
/* Monitors `socket` (before its bind/connect) and starts the thread;
 * name is "send" or "recv". */
int events_start(struct bridge_events *ev, void *ctx, void *socket, const char *name);
/* Stops the thread and closes its sockets (before zmq_ctx_term). */
void events_stop(struct bridge_events *ev);

#endif
