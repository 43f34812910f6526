/* arrays: the C writer and reader of the cross-language array suite
 * (tests/cross/README.md, "Arrays"): every element type in every shape,
 * written with shmring_array_reserve, read zero-copy with
 * shmring_array_decode over a peek and checked bit for bit. */
#define _POSIX_C_SOURCE 200809L
#include <shmring.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define SECOND 1000000000ll

static const uint32_t TYPES[] = {
    SHMRING_DTYPE_BOOL,    SHMRING_DTYPE_INT8,    SHMRING_DTYPE_INT16,    SHMRING_DTYPE_INT32,
    SHMRING_DTYPE_INT64,   SHMRING_DTYPE_UINT8,   SHMRING_DTYPE_UINT16,   SHMRING_DTYPE_UINT32,
    SHMRING_DTYPE_UINT64,  SHMRING_DTYPE_FLOAT16, SHMRING_DTYPE_FLOAT32,  SHMRING_DTYPE_FLOAT64,
    SHMRING_DTYPE_BFLOAT16, SHMRING_DTYPE_COMPLEX64, SHMRING_DTYPE_COMPLEX128,
};
#define TYPE_COUNT 15
#define SHAPE_COUNT 5
static const uint32_t NDIMS[SHAPE_COUNT] = {0, 2, 1, 4, 2};
static const uint64_t SHAPES[SHAPE_COUNT][4] = {{0}, {0, 3}, {5}, {2, 3, 2, 2}, {3, 4}};
static const uint64_t COUNTS[SHAPE_COUNT] = {1, 0, 5, 24, 12};
#define STRIDED 4 /* written from columns 0, 2, 4, 6 of a (3, 8) source */

/* Byte k of element e of type t. */
static uint8_t element_byte(uint32_t t, uint64_t e, uint32_t k) {
    return t == 0 ? (uint8_t)(e % 2) : (uint8_t)(e * 7 + k * 3 + t * 11 + 1);
}

#define FAIL(...)                                   \
    do {                                            \
        fprintf(stderr, "arrays c: " __VA_ARGS__);  \
        fprintf(stderr, "\n");                      \
        return 1;                                   \
    } while (0)

static int write_suite(shmring_writer_t *w) {
    for (uint32_t t = 0; t < TYPE_COUNT; t++) {
        uint32_t size = shmring_array_itemsize(TYPES[t]);
        for (uint32_t s = 0; s < SHAPE_COUNT; s++) {
            const uint8_t user[2] = {(uint8_t)t, (uint8_t)s};
            void *data;
            uint64_t bytes;
            int rc = shmring_array_reserve(w, TYPES[t], 0, NDIMS[s], SHAPES[s], user, 2, &data,
                                           &bytes, 30 * SECOND);
            if (rc != SHMRING_OK) FAIL("reserve type %u shape %u: %s", t, s, shmring_last_error());
            uint8_t *out = data;
            if (s == STRIDED) {
                /* The source is (3, 8); the message is its even columns. */
                uint8_t source[3 * 8 * 16];
                for (uint64_t i = 0; i < 24; i++) {
                    uint64_t e = (i / 8) * 4 + (i % 8) / 2; /* the element it becomes */
                    for (uint32_t k = 0; k < size; k++) {
                        source[i * size + k] = i % 2 ? 0xEE : element_byte(t, e, k);
                    }
                }
                for (uint64_t e = 0; e < 12; e++) {
                    memcpy(out + e * size, source + ((e / 4) * 8 + (e % 4) * 2) * size, size);
                }
            } else {
                for (uint64_t e = 0; e < COUNTS[s]; e++) {
                    for (uint32_t k = 0; k < size; k++) out[e * size + k] = element_byte(t, e, k);
                }
            }
            rc = shmring_commit(w, bytes);
            if (rc != SHMRING_OK) FAIL("commit: %s", shmring_last_error());
        }
    }
    return 0;
}

static int check_message(const uint8_t *message, uint64_t length, uint32_t t, uint32_t s) {
    uint32_t dtype, flags, ndim, user_bytes;
    uint64_t shape[SHMRING_ARRAY_MAX_NDIM], offset, bytes, user_offset;
    if (shmring_array_decode(message, length, &dtype, &flags, &ndim, shape, &offset, &bytes,
                             &user_offset, &user_bytes) != SHMRING_OK) {
        FAIL("message %u/%u: %s", t, s, shmring_last_error());
    }
    if (dtype != TYPES[t] || flags != 0 || ndim != NDIMS[s] ||
        memcmp(shape, SHAPES[s], 8 * ndim) != 0) {
        FAIL("message %u/%u: type 0x%x ndim %u, want type 0x%x ndim %u", t, s, dtype, ndim,
             TYPES[t], NDIMS[s]);
    }
    if (user_bytes != 2 || message[user_offset] != t || message[user_offset + 1] != s) {
        FAIL("message %u/%u: wrong user header", t, s);
    }
    uint32_t size = shmring_array_itemsize(dtype);
    if (bytes != COUNTS[s] * size) FAIL("message %u/%u: %llu bytes", t, s, (unsigned long long)bytes);
    for (uint64_t e = 0; e < COUNTS[s]; e++) {
        for (uint32_t k = 0; k < size; k++) {
            if (message[offset + e * size + k] != element_byte(t, e, k)) {
                FAIL("message %u/%u: element %llu byte %u differs", t, s, (unsigned long long)e, k);
            }
        }
    }
    return 0;
}

static int read_suite(shmring_reader_t *r) {
    for (uint32_t t = 0; t < TYPE_COUNT; t++) {
        for (uint32_t s = 0; s < SHAPE_COUNT; s++) {
            const void *message;
            uint64_t length;
            int rc = shmring_peek(r, &message, &length, 30 * SECOND);
            if (rc != SHMRING_OK) FAIL("peek %u/%u: %s", t, s, shmring_last_error());
            rc = check_message(message, length, t, s);
            shmring_release(r);
            if (rc) return rc;
        }
    }
    const void *message;
    uint64_t length;
    if (shmring_peek(r, &message, &length, 30 * SECOND) != SHMRING_ECLOSED) {
        FAIL("expected the end of stream after %d arrays", TYPE_COUNT * SHAPE_COUNT);
    }
    return 0;
}

static int wait_for_readers(shmring_ring_t *ring, uint64_t readers) {
    for (int i = 0; i < 15000; i++) {
        shmring_stats_t *stats;
        uint64_t have = 0;
        if (shmring_stats_read(ring, &stats) != SHMRING_OK) FAIL("stats: %s", shmring_last_error());
        shmring_stats_ring(stats, SHMRING_STAT_READERS, &have);
        shmring_stats_free(stats);
        if (have >= readers) return 0;
        nanosleep(&(struct timespec){0, 2000000}, NULL);
    }
    FAIL("fewer than %llu readers after 30 s", (unsigned long long)readers);
}

int main(int argc, char **argv) {
    if (argc != 3 || (strcmp(argv[2], "--write") != 0 && strcmp(argv[2], "--read") != 0)) {
        fprintf(stderr, "usage: arrays NAME --write|--read\n");
        return 2;
    }
    shmring_ring_t *ring;
    int rc;
    if (strcmp(argv[2], "--write") == 0) {
        if (shmring_create(argv[1], 1024, 8, NULL, &ring) != SHMRING_OK) FAIL("create: %s", shmring_last_error());
        shmring_writer_t *w;
        if (shmring_writer_open(ring, &w) != SHMRING_OK) FAIL("writer: %s", shmring_last_error());
        rc = wait_for_readers(ring, 1) || write_suite(w);
        shmring_writer_close(w);
    } else {
        if (shmring_open(argv[1], 10 * SECOND, &ring) != SHMRING_OK) FAIL("open: %s", shmring_last_error());
        shmring_reader_t *r;
        if (shmring_reader_open(ring, NULL, 0, &r) != SHMRING_OK) FAIL("reader: %s", shmring_last_error());
        rc = read_suite(r);
        shmring_reader_close(r);
    }
    shmring_close(ring);
    if (rc == 0) printf("arrays c: %s %d arrays\n", argv[2] + 2, TYPE_COUNT * SHAPE_COUNT);
    return rc;
}
