/* What the command line asks for (args.c parses it; docs/bridge.md lists
 * every option). */
#ifndef SHMRING_BRIDGE_CONFIG_H
#define SHMRING_BRIDGE_CONFIG_H

#include <stdint.h>

enum bridge_command { CMD_SEND, CMD_RECV, CMD_KEYGEN };

struct bridge_config {
    enum bridge_command command;
    const char *ring;          /* --ring */
    const char *endpoint;      /* send: --to; recv: --bind */
    const char *group;         /* send: --group */
    int lossy;                 /* send: --lossy */
    int create;                /* recv: --create SLOT_BYTESxSLOT_COUNT */
    uint64_t slot_bytes, slot_count;
    uint32_t wait_readers;     /* recv: --wait-readers N */
    uint32_t sources;          /* recv: --sources N (ENDs that end the ring) */
    int insecure;              /* --insecure: plaintext off loopback */
    const char *key_file;      /* --key: own keypair (keygen's NAME.key) */
    const char *server_key;    /* send: --server-key: the receiver's NAME.pub */
    const char *allow_file;    /* recv: --allow: client public keys */
    int hwm;                   /* --hwm: batches queued per connection */
    uint32_t batch;            /* send: --batch: messages per batch */
    int linger_ms;             /* --linger: flush time at shutdown */
    double stats_interval;     /* --stats [SECONDS]; 0 = off */
    const char *stats_file;    /* --stats-file: JSON, rewritten each interval */
    uint64_t source;           /* send: --source-id; 0 = derived */
    double open_timeout;       /* --wait SECONDS for the ring to appear */
    const char *keygen_name;   /* keygen NAME */
};

/* Parses argv; on a usage error prints it and returns -1. */
int bridge_parse_args(int argc, char **argv, struct bridge_config *cfg);
void bridge_usage(void);

#endif
