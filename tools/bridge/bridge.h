/* The two halves of shmring-bridge and what they share (docs/bridge.md). */
#ifndef SHMRING_BRIDGE_H
#define SHMRING_BRIDGE_H

#include <signal.h>
#include <stdint.h>

#include "config.h"
#include "security.h"
#include "shmring.h"

/* Set by SIGINT/SIGTERM (main.c); every wait in the bridge is bounded
 * (100 ms) so that it looks at this flag. */
extern volatile sig_atomic_t bridge_stopping;

/* Exit statuses: 0 done, 1 runtime failure, 2 bad usage or set-up. */
int bridge_send(const struct bridge_config *cfg);
int bridge_recv(const struct bridge_config *cfg);

/* 100 ms: how long any wait goes without looking at bridge_stopping. */
#define BRIDGE_POLL_NS 100000000LL
#define BRIDGE_POLL_MS 100

/* The ZeroMQ socket of either half: HWMs, heartbeats, reconnect back-off,
 * linger and keys; a receiver's frames are limited to what a ring of
 * slot_bytes can take. NULL (logged) on failure. */
void *bridge_socket(void *ctx, int type, const struct bridge_config *cfg,
                    const struct bridge_keys *keys, uint64_t slot_bytes);

/* Opens (waiting up to --wait) the local ring, with a clear message. */
int bridge_open_ring(const struct bridge_config *cfg, shmring_ring_t **ring);

#endif
