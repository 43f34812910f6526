/* The command line: shmring-bridge (send|recv|keygen) [options]. */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

void bridge_usage(void) {
    fputs(
        "usage:\n"
        "  shmring-bridge keygen NAME            writes NAME.key (secret) and NAME.pub\n"
        "  shmring-bridge send --ring NAME --to tcp://HOST:PORT [--group G | --lossy]\n"
        "                 [--key FILE.key --server-key FILE.pub | --insecure]\n"
        "                 [--batch N] [--hwm N] [--linger MS] [--source-id N] [--wait S]\n"
        "                 [--stats[=S]] [--stats-file FILE]\n"
        "  shmring-bridge recv --bind tcp://*:PORT --ring NAME [--create SLOT_BYTESxSLOT_COUNT]\n"
        "                 [--key FILE.key --allow FILE | --insecure] [--wait-readers N]\n"
        "                 [--sources N] [--hwm N] [--linger MS] [--wait S]\n"
        "                 [--stats[=S]] [--stats-file FILE]\n"
        "Loopback addresses may go without keys; any other address needs CURVE keys\n"
        "or --insecure (plaintext). See docs/bridge.md.\n",
        stderr);
}

static int parse_u64(const char *text, const char *option, uint64_t min, uint64_t max,
                     uint64_t *out) {
    char *end;
    unsigned long long v = strtoull(text, &end, 0);
    if (*text == '\0' || *end != '\0' || *text == '-' || v < min || v > max) {
        fprintf(stderr, "shmring-bridge: %s wants a number in %" PRIu64 "..%" PRIu64
                        ", not '%s'\n", option, min, max, text);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_seconds(const char *text, const char *option, double *out) {
    char *end;
    double v = strtod(text, &end);
    if (*text == '\0' || *end != '\0' || !(v >= 0) || v > 1e6) {
        fprintf(stderr, "shmring-bridge: %s wants seconds (>= 0), not '%s'\n", option, text);
        return -1;
    }
    *out = v;
    return 0;
}

/* SLOT_BYTESxSLOT_COUNT, e.g. 6220800x8. */
static int parse_geometry(const char *text, struct bridge_config *cfg) {
    char *end;
    unsigned long long bytes = strtoull(text, &end, 10);
    if (end == text || (*end != 'x' && *end != 'X')) goto bad;
    const char *count_text = end + 1;
    unsigned long long count = strtoull(count_text, &end, 10);
    if (end == count_text || *end != '\0' || bytes == 0 || bytes > UINT32_MAX || count == 0) goto bad;
    cfg->create = 1;
    cfg->slot_bytes = bytes;
    cfg->slot_count = count;
    return 0;
bad:
    fprintf(stderr, "shmring-bridge: --create wants SLOT_BYTESxSLOT_COUNT (e.g. 6220800x8), "
                    "not '%s'\n", text);
    return -1;
}

enum {
    OPT_RING = 1000, OPT_TO, OPT_BIND, OPT_GROUP, OPT_LOSSY, OPT_CREATE, OPT_WAIT_READERS,
    OPT_SOURCES, OPT_INSECURE, OPT_KEY, OPT_SERVER_KEY, OPT_ALLOW, OPT_HWM, OPT_BATCH,
    OPT_LINGER, OPT_STATS, OPT_STATS_FILE, OPT_SOURCE_ID, OPT_WAIT, OPT_HELP,
};

static const struct option send_options[] = {
    {"ring", required_argument, 0, OPT_RING},
    {"to", required_argument, 0, OPT_TO},
    {"group", required_argument, 0, OPT_GROUP},
    {"lossy", no_argument, 0, OPT_LOSSY},
    {"insecure", no_argument, 0, OPT_INSECURE},
    {"key", required_argument, 0, OPT_KEY},
    {"server-key", required_argument, 0, OPT_SERVER_KEY},
    {"hwm", required_argument, 0, OPT_HWM},
    {"batch", required_argument, 0, OPT_BATCH},
    {"linger", required_argument, 0, OPT_LINGER},
    {"stats", optional_argument, 0, OPT_STATS},
    {"stats-file", required_argument, 0, OPT_STATS_FILE},
    {"source-id", required_argument, 0, OPT_SOURCE_ID},
    {"wait", required_argument, 0, OPT_WAIT},
    {"help", no_argument, 0, OPT_HELP},
    {0, 0, 0, 0},
};

static const struct option recv_options[] = {
    {"ring", required_argument, 0, OPT_RING},
    {"bind", required_argument, 0, OPT_BIND},
    {"create", required_argument, 0, OPT_CREATE},
    {"wait-readers", required_argument, 0, OPT_WAIT_READERS},
    {"sources", required_argument, 0, OPT_SOURCES},
    {"insecure", no_argument, 0, OPT_INSECURE},
    {"key", required_argument, 0, OPT_KEY},
    {"allow", required_argument, 0, OPT_ALLOW},
    {"hwm", required_argument, 0, OPT_HWM},
    {"linger", required_argument, 0, OPT_LINGER},
    {"stats", optional_argument, 0, OPT_STATS},
    {"stats-file", required_argument, 0, OPT_STATS_FILE},
    {"wait", required_argument, 0, OPT_WAIT},
    {"help", no_argument, 0, OPT_HELP},
    {0, 0, 0, 0},
};

static int parse_option(int opt, struct bridge_config *cfg) {
    uint64_t v;
    switch (opt) {
    case OPT_RING: cfg->ring = optarg; return 0;
    case OPT_TO:
    case OPT_BIND: cfg->endpoint = optarg; return 0;
    case OPT_GROUP: cfg->group = optarg; return 0;
    case OPT_LOSSY: cfg->lossy = 1; return 0;
    case OPT_CREATE: return parse_geometry(optarg, cfg);
    case OPT_WAIT_READERS:
        if (parse_u64(optarg, "--wait-readers", 0, 65536, &v)) return -1;
        cfg->wait_readers = (uint32_t)v;
        return 0;
    case OPT_SOURCES:
        if (parse_u64(optarg, "--sources", 1, 256, &v)) return -1;
        cfg->sources = (uint32_t)v;
        return 0;
    case OPT_INSECURE: cfg->insecure = 1; return 0;
    case OPT_KEY: cfg->key_file = optarg; return 0;
    case OPT_SERVER_KEY: cfg->server_key = optarg; return 0;
    case OPT_ALLOW: cfg->allow_file = optarg; return 0;
    case OPT_HWM:
        if (parse_u64(optarg, "--hwm", 1, 1000000, &v)) return -1;
        cfg->hwm = (int)v;
        return 0;
    case OPT_BATCH:
        if (parse_u64(optarg, "--batch", 1, WIRE_MAX_BATCH, &v)) return -1;
        cfg->batch = (uint32_t)v;
        return 0;
    case OPT_LINGER:
        if (parse_u64(optarg, "--linger", 0, 3600000, &v)) return -1;
        cfg->linger_ms = (int)v;
        return 0;
    case OPT_STATS:
        cfg->stats_interval = 1.0;
        if (optarg && parse_seconds(optarg, "--stats", &cfg->stats_interval)) return -1;
        return 0;
    case OPT_STATS_FILE: cfg->stats_file = optarg; return 0;
    case OPT_SOURCE_ID:
        return parse_u64(optarg, "--source-id", 1, UINT64_MAX, &cfg->source);
    case OPT_WAIT: return parse_seconds(optarg, "--wait", &cfg->open_timeout);
    default: return -1;
    }
}

int bridge_parse_args(int argc, char **argv, struct bridge_config *cfg) {
    memset(cfg, 0, sizeof *cfg);
    cfg->hwm = 64;
    cfg->batch = 256;
    cfg->linger_ms = 2000;
    cfg->sources = 1;
    if (argc < 2) {
        bridge_usage();
        return -1;
    }
    const char *command = argv[1];
    if (strcmp(command, "keygen") == 0) {
        if (argc != 3 || argv[2][0] == '-') {
            fputs("shmring-bridge: keygen wants one NAME (writes NAME.key and NAME.pub)\n", stderr);
            return -1;
        }
        cfg->command = CMD_KEYGEN;
        cfg->keygen_name = argv[2];
        return 0;
    }
    const struct option *options;
    if (strcmp(command, "send") == 0) {
        cfg->command = CMD_SEND;
        options = send_options;
    } else if (strcmp(command, "recv") == 0) {
        cfg->command = CMD_RECV;
        options = recv_options;
    } else {
        bridge_usage();
        return -1;
    }
    optind = 2;
    int opt;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (opt == OPT_HELP) {
            bridge_usage();
            exit(0);
        }
        if (opt == '?' || parse_option(opt, cfg) != 0) {
            fprintf(stderr, "shmring-bridge %s: see --help\n", command);
            return -1;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "shmring-bridge %s: unexpected argument '%s'\n", command, argv[optind]);
        return -1;
    }
    const char *missing = !cfg->ring ? "--ring NAME"
                        : !cfg->endpoint ? (cfg->command == CMD_SEND ? "--to tcp://HOST:PORT"
                                                                     : "--bind tcp://*:PORT")
                        : NULL;
    if (missing) {
        fprintf(stderr, "shmring-bridge %s: %s is required\n", command, missing);
        return -1;
    }
    if (cfg->group && cfg->lossy) {
        fputs("shmring-bridge send: --group and --lossy exclude each other\n", stderr);
        return -1;
    }
    return 0;
}
