/* consumer: the C reader of the cross-language tests (tests/cross/README.md). */
#include <shmring.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "message.h"

#define SECOND 1000000000ll

#define CHECK(call)                                                              \
    do {                                                                         \
        int rc_ = (call);                                                        \
        if (rc_ != SHMRING_OK) {                                                 \
            fprintf(stderr, "consumer c: %s: %s (%s)\n", #call,                  \
                    shmring_strerror(rc_), shmring_last_error());                \
            return 1;                                                            \
        }                                                                        \
    } while (0)

static void print_info(const shmring_ring_t *ring) {
    printf("slot_bytes=%llu slot_count=%llu max_writers=%u max_readers=%u max_groups=%u "
           "layout_version=%u segment_bytes=%llu version=0x%06x\n",
           (unsigned long long)shmring_slot_bytes(ring), (unsigned long long)shmring_slot_count(ring),
           shmring_max_writers(ring), shmring_max_readers(ring), shmring_max_groups(ring),
           shmring_layout_version(ring), (unsigned long long)shmring_segment_bytes(ring),
           shmring_version());
}

/* Reads the next message (copy or zero-copy) and checks it. Returns
 * SHMRING_OK, SHMRING_ECLOSED at end of stream, or 1 on a failed check. */
static int consume_one(shmring_reader_t *reader, struct msg_checker *checker, uint8_t *buffer,
                       int zero_copy) {
    const void *view = buffer;
    uint64_t length = 0;
    int rc = zero_copy ? shmring_peek(reader, &view, &length, 30 * SECOND)
                       : shmring_read(reader, buffer, checker->slot_bytes, &length, 30 * SECOND);
    if (rc == SHMRING_ECLOSED) return rc;
    CHECK(rc);
    char why[256];
    int bad = msg_check(checker, view, length, why, sizeof why);
    if (zero_copy) CHECK(shmring_release(reader));
    if (bad) {
        fprintf(stderr, "consumer c: message %llu: %s\n", (unsigned long long)checker->messages, why);
        return 1;
    }
    return SHMRING_OK;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: consumer NAME --writers W1,W2 --count N [--group G] [--report FILE]\n"
                        "       consumer NAME --info\n");
        return 2;
    }
    struct msg_checker checker = {0};
    const char *group = NULL, *report = NULL;
    int info = 0;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--info")) info = 1;
        else if (!strcmp(argv[i], "--count") && i + 1 < argc) checker.count = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--group") && i + 1 < argc) group = argv[++i];
        else if (!strcmp(argv[i], "--report") && i + 1 < argc) report = argv[++i];
        else if (!strcmp(argv[i], "--writers") && i + 1 < argc) {
            for (char *p = argv[++i]; *p && checker.nwriters < MSG_MAX_WRITERS; p += *p == ',') {
                checker.last_seq[checker.nwriters] = -1;
                checker.writers[checker.nwriters++] = (uint32_t)strtoul(p, &p, 10);
            }
        } else {
            fprintf(stderr, "consumer c: unknown argument %s\n", argv[i]);
            return 2;
        }
    }
    shmring_ring_t *ring;
    CHECK(shmring_open(argv[1], 10 * SECOND, &ring));
    if (info) {
        print_info(ring);
        return shmring_close(ring) == SHMRING_OK ? 0 : 1;
    }
    checker.slot_bytes = shmring_slot_bytes(ring);
    if (report && !(checker.report = fopen(report, "w"))) {
        perror(report);
        return 1;
    }
    shmring_reader_t *reader;
    CHECK(shmring_reader_open(ring, group, 0, &reader));
    uint8_t *buffer = malloc(checker.slot_bytes);
    int rc;
    for (uint64_t n = 0; (rc = consume_one(reader, &checker, buffer, (int)(n % 2))) == SHMRING_OK; n++) {}
    if (rc != SHMRING_ECLOSED) return 1;
    uint64_t length;
    if (shmring_read(reader, buffer, checker.slot_bytes, &length, 0) != SHMRING_ECLOSED) {
        fprintf(stderr, "consumer c: the stream ended, then did not stay ended\n");
        return 1;
    }
    char why[256];
    if (!group && msg_check_complete(&checker, why, sizeof why)) {
        fprintf(stderr, "consumer c: at end of stream: %s\n", why);
        return 1;
    }
    free(buffer);
    if (checker.report && fclose(checker.report)) {
        perror(report);
        return 1;
    }
    CHECK(shmring_reader_close(reader));
    CHECK(shmring_close(ring));
    printf("consumer c%s%s: %llu messages checked, end of stream\n", group ? " in group " : "",
           group ? group : "", (unsigned long long)checker.messages);
    return 0;
}
