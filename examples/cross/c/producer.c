/* producer: the C writer of the cross-language tests (tests/cross/README.md). */
#define _POSIX_C_SOURCE 200809L
#include <shmring.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "message.h"

#define SECOND 1000000000ll

#define CHECK(call)                                                              \
    do {                                                                         \
        int rc_ = (call);                                                        \
        if (rc_ != SHMRING_OK) {                                                 \
            fprintf(stderr, "producer c: %s: %s (%s)\n", #call,                  \
                    shmring_strerror(rc_), shmring_last_error());                \
            return 1;                                                            \
        }                                                                        \
    } while (0)

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * SECOND + t.tv_nsec;
}

/* Waits until the ring has `readers` readers and `writers` writers joined. */
static int wait_for_participants(shmring_ring_t *ring, uint64_t readers, uint64_t writers) {
    /* Woken by the readers' joins, whatever their language. */
    CHECK(shmring_wait_for_readers(ring, (uint32_t)readers, NULL, 30 * SECOND));
    int64_t deadline = now_ns() + 30 * SECOND;
    for (;;) {
        shmring_stats_t *stats;
        uint64_t have_readers = 0, have_writers = 0;
        CHECK(shmring_stats_read(ring, &stats));
        shmring_stats_ring(stats, SHMRING_STAT_READERS, &have_readers);
        shmring_stats_ring(stats, SHMRING_STAT_WRITERS_JOINED, &have_writers);
        shmring_stats_free(stats);
        if (have_readers >= readers && have_writers >= writers) return 0;
        if (now_ns() > deadline) {
            fprintf(stderr, "producer c: %llu readers and %llu writers after 30 s, want %llu and %llu\n",
                    (unsigned long long)have_readers, (unsigned long long)have_writers,
                    (unsigned long long)readers, (unsigned long long)writers);
            return 1;
        }
        nanosleep(&(struct timespec){0, 2000000}, NULL);
    }
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: producer NAME --id W --count N [--create SLOT_BYTES SLOT_COUNT] "
                        "[--readers R] [--writers K]\n");
        return 2;
    }
    const char *name = argv[1];
    uint32_t id = 0;
    uint64_t count = 0, slot_bytes = 0, slot_count = 0, readers = 0, writers = 1;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--id") && i + 1 < argc) id = (uint32_t)strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--count") && i + 1 < argc) count = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--readers") && i + 1 < argc) readers = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--writers") && i + 1 < argc) writers = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--create") && i + 2 < argc) {
            slot_bytes = strtoull(argv[++i], NULL, 10);
            slot_count = strtoull(argv[++i], NULL, 10);
        } else {
            fprintf(stderr, "producer c: unknown argument %s\n", argv[i]);
            return 2;
        }
    }
    shmring_ring_t *ring;
    if (slot_bytes) CHECK(shmring_create(name, slot_bytes, slot_count, NULL, &ring));
    else CHECK(shmring_open(name, 10 * SECOND, &ring));
    shmring_writer_t *writer;
    CHECK(shmring_writer_open(ring, &writer));
    if (wait_for_participants(ring, readers, writers)) return 1;
    uint64_t slot = shmring_slot_bytes(ring);
    uint8_t *buffer = malloc(slot ? slot : 1);
    for (uint64_t s = 0; s < count; s++) {
        uint64_t length = msg_length(id, s, slot);
        if (s % 2 == 0) {
            msg_encode(buffer, id, s, length);
            CHECK(shmring_write(writer, buffer, length, 30 * SECOND));
        } else {
            void *place;
            CHECK(shmring_reserve(writer, &place, 30 * SECOND));
            msg_encode(place, id, s, length);
            CHECK(shmring_commit(writer, length));
        }
    }
    free(buffer);
    CHECK(shmring_writer_close(writer));
    CHECK(shmring_close(ring));
    printf("producer c: wrote %llu messages as writer %u\n", (unsigned long long)count, id);
    return 0;
}
