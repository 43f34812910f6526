/* CURVE keys and the plaintext policy (docs/bridge.md, "Security"). */
#ifndef SHMRING_BRIDGE_SECURITY_H
#define SHMRING_BRIDGE_SECURITY_H

#include <stddef.h>

#include "config.h"

#define KEY_Z85_CHARS 40

/* The keys a socket uses; `curve` 0 means plaintext. */
struct bridge_keys {
    int curve;
    char public_key[KEY_Z85_CHARS + 1];
    char secret_key[KEY_Z85_CHARS + 1];
    char server_key[KEY_Z85_CHARS + 1]; /* send only */
};

/* Client public keys a receiver lets in (binary, 32 bytes each). */
struct allow_list {
    unsigned char (*keys)[32];
    size_t count;
};

/* shmring-bridge keygen NAME: exit status. */
int bridge_keygen(const char *name);

/* 1 for tcp:// on 127.0.0.0/8, localhost or ::1, and for ipc:// (this
 * host only); 0 otherwise (including tcp://ANY). */
int endpoint_is_local(const char *endpoint);

/* Decides CURVE or plaintext from the options and the address, loads the
 * key files (and the receiver's allow list). Prints why and returns -1 if
 * the combination is refused. */
int bridge_security_setup(const struct bridge_config *cfg, struct bridge_keys *keys,
                          struct allow_list *allow);
void allow_list_free(struct allow_list *allow);
int allow_list_contains(const struct allow_list *allow, const unsigned char key[32]);

/* Applies keys to a ZeroMQ socket (client or server side). 0 or -1. */
int bridge_apply_keys(void *socket, const struct bridge_keys *keys, int server);

#endif
