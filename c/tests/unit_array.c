/*
 * unit_array.c -- the array message format (docs/messages.md):
 * shmring_array_itemsize, _encode_header, _decode and _reserve, every error
 * they name, and a randomized corruption of every header byte (run under
 * ASan: a decode of a damaged message reads nothing past its end and
 * returns a clear error or a description that stays inside the message).
 *
 * Exit status: 0 all passed, 1 some check failed.
 */
#define UNIT_SEGMENT_TAG "uy" /* segment names /shmring_uy_... */
#include "unit_checks.h"      /* first: it defines _GNU_SOURCE */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shmring.h"

static const uint32_t ALL_TYPES[] = {
    SHMRING_DTYPE_BOOL,    SHMRING_DTYPE_INT8,      SHMRING_DTYPE_INT16,
    SHMRING_DTYPE_INT32,   SHMRING_DTYPE_INT64,     SHMRING_DTYPE_UINT8,
    SHMRING_DTYPE_UINT16,  SHMRING_DTYPE_UINT32,    SHMRING_DTYPE_UINT64,
    SHMRING_DTYPE_FLOAT16, SHMRING_DTYPE_FLOAT32,   SHMRING_DTYPE_FLOAT64,
    SHMRING_DTYPE_BFLOAT16, SHMRING_DTYPE_COMPLEX64, SHMRING_DTYPE_COMPLEX128,
};
static const uint32_t ALL_SIZES[] = {1, 1, 2, 4, 8, 1, 2, 4, 8, 2, 4, 8, 2, 8, 16};
#define TYPE_COUNT (sizeof ALL_TYPES / sizeof ALL_TYPES[0])

/* A message in a buffer of exactly its length (so ASan sees any read past
 * it), placed like a slot payload: 16 bytes past a 64-byte boundary. */
struct message {
    uint8_t *block;
    uint8_t *bytes;
    uint64_t length;
};

static int message_alloc(struct message *m, uint64_t length) {
    /* The payload's address is 16 mod 64; ASan still bounds the block. */
    m->block = aligned_alloc(64, (size_t)((16 + length + 63) / 64 * 64));
    if (!m->block) return 0;
    m->bytes = m->block + 16;
    m->length = length;
    return 1;
}

/* Encode a message of dtype/shape/user with element bytes i * 7 + 1. */
static int message_make(struct message *m, uint32_t dtype, uint32_t ndim,
                        const uint64_t *shape, const void *user,
                        uint32_t user_bytes) {
    uint64_t offset, bytes;
    if (shmring_array_encode_header(NULL, 0, dtype, 0, ndim, shape, user,
                                    user_bytes, &offset, &bytes) != SHMRING_OK) {
        return 0;
    }
    if (!message_alloc(m, offset + bytes)) return 0;
    if (shmring_array_encode_header(m->bytes, m->length, dtype, 0, ndim, shape,
                                    user, user_bytes, NULL, NULL) != SHMRING_OK) {
        free(m->block);
        return 0;
    }
    for (uint64_t i = 0; i < bytes; i++) m->bytes[offset + i] = (uint8_t)(i * 7 + 1);
    return 1;
}

static int decode(const struct message *m) {
    return shmring_array_decode(m->bytes, m->length, NULL, NULL, NULL, NULL,
                                NULL, NULL, NULL, NULL);
}

static void put_u64_le(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* ---- tests ----------------------------------------------------------------- */

static void test_itemsize_of_every_type_and_refusals(void) {
    for (size_t i = 0; i < TYPE_COUNT; i++) {
        CHECK_EQ_U64(shmring_array_itemsize(ALL_TYPES[i]), ALL_SIZES[i]);
    }
    CHECK_EQ_U64(shmring_array_itemsize(SHMRING_DTYPE(SHMRING_DLPACK_FLOAT, 8, 1)), 0);
    CHECK_EQ_U64(shmring_array_itemsize(SHMRING_DTYPE(SHMRING_DLPACK_FLOAT, 32, 4)), 0);
    CHECK_EQ_U64(shmring_array_itemsize(SHMRING_DTYPE(3, 64, 1)), 0); /* opaque handle */
    CHECK_EQ_U64(shmring_array_itemsize(SHMRING_DTYPE(SHMRING_DLPACK_BOOL, 1, 1)), 0);
    CHECK_EQ_U64(shmring_array_itemsize(SHMRING_DTYPE(SHMRING_DLPACK_BFLOAT, 32, 1)), 0);
    CHECK_EQ_U64(shmring_array_itemsize(SHMRING_DTYPE(SHMRING_DLPACK_COMPLEX, 32, 1)), 0);
}

static void test_every_type_and_shape_round_trips(void) {
    const uint64_t shapes[][4] = {{0}, {0, 3}, {5}, {2, 3, 4, 5}};
    const uint32_t ndims[] = {0, 2, 1, 4};
    const uint64_t counts[] = {1, 0, 5, 120};
    const uint8_t user[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    for (size_t t = 0; t < TYPE_COUNT; t++) {
        for (size_t s = 0; s < 4; s++) {
            for (uint32_t user_bytes = 0; user_bytes <= 12; user_bytes += 12) {
                struct message m;
                CHECK(message_make(&m, ALL_TYPES[t], ndims[s], shapes[s], user, user_bytes));
                uint32_t dtype = 0, flags = 9, ndim = 99, user_got = 99;
                uint64_t shape[SHMRING_ARRAY_MAX_NDIM] = {0}, offset, bytes, user_offset;
                int rc = shmring_array_decode(m.bytes, m.length, &dtype, &flags, &ndim,
                                              shape, &offset, &bytes, &user_offset,
                                              &user_got);
                int ok = rc == SHMRING_OK && dtype == ALL_TYPES[t] && flags == 0 &&
                         ndim == ndims[s] && bytes == counts[s] * ALL_SIZES[t] &&
                         offset + bytes == m.length && user_got == user_bytes &&
                         memcmp(m.bytes + user_offset, user, user_bytes) == 0 &&
                         (uintptr_t)(m.bytes + offset) % 64 == 0 &&
                         memcmp(shape, shapes[s], 8 * ndim) == 0;
                free(m.block);
                if (!ok) FAILF("type %zu shape %zu user %u: rc %s", t, s, user_bytes, rc_name(rc));
                CHECK(ok);
            }
        }
    }
}

static void test_header_bytes_are_the_documented_ones(void) {
    /* docs/messages.md's example: float32 of shape (2, 3), 4 user bytes. */
    const uint64_t shape[2] = {2, 3};
    const uint8_t user[4] = {0xAA, 0xBB, 0xCC, 0xDD};
    uint8_t out[200];
    uint64_t offset, bytes;
    CHECK_OK(shmring_array_encode_header(out, sizeof out, SHMRING_DTYPE_FLOAT32,
                                         SHMRING_ARRAY_BIG_ENDIAN, 2, shape, user, 4,
                                         &offset, &bytes));
    CHECK_EQ_U64(offset, 112); /* 32 + 2 * 16 + 4 = 68, then to 48 mod 64 */
    CHECK_EQ_U64(bytes, 24);
    const uint8_t fixed[32] = {'S', 'H', 'M', 'A', 2, 2, 1, 0, 2, 32, 1, 0, 4, 0, 0, 0,
                               112, 0, 0, 0, 0, 0, 0, 0, 24, 0, 0, 0, 0, 0, 0, 0};
    CHECK(memcmp(out, fixed, 32) == 0);
    uint8_t tail[36] = {0};
    put_u64_le(tail, 2);
    put_u64_le(tail + 8, 3);
    put_u64_le(tail + 16, 3);
    put_u64_le(tail + 24, 1);
    memcpy(tail + 32, user, 4);
    CHECK(memcmp(out + 32, tail, 36) == 0);
    for (int i = 68; i < 112; i++) CHECK(out[i] == 0);
}

static void test_encode_refuses_bad_arguments(void) {
    uint8_t out[256];
    uint64_t shape[SHMRING_ARRAY_MAX_NDIM + 1] = {0};
    for (int i = 0; i <= (int)SHMRING_ARRAY_MAX_NDIM; i++) shape[i] = 1;
    CHECK_RC(shmring_array_encode_header(out, sizeof out, SHMRING_DTYPE(2, 8, 1), 0, 1,
                                         shape, NULL, 0, NULL, NULL),
             SHMRING_EINVALID);
    CHECK(strstr(shmring_last_error(), "code 2, bits 8") != NULL);
    CHECK_RC(shmring_array_encode_header(out, sizeof out, SHMRING_DTYPE_INT8, 2, 1, shape,
                                         NULL, 0, NULL, NULL),
             SHMRING_EINVALID);
    CHECK(strstr(shmring_last_error(), "flags") != NULL);
    CHECK_RC(shmring_array_encode_header(NULL, 0, SHMRING_DTYPE_INT8, 0,
                                         SHMRING_ARRAY_MAX_NDIM + 1, shape, NULL, 0,
                                         NULL, NULL),
             SHMRING_EINVALID);
    CHECK(strstr(shmring_last_error(), "at most 32 dimensions") != NULL);
    CHECK_OK(shmring_array_encode_header(NULL, 0, SHMRING_DTYPE_INT8, 0,
                                         SHMRING_ARRAY_MAX_NDIM, shape, NULL, 0, NULL,
                                         NULL));
    CHECK_RC(shmring_array_encode_header(NULL, 0, SHMRING_DTYPE_INT8, 0, 1, NULL, NULL, 0,
                                         NULL, NULL),
             SHMRING_EINVALID);
    CHECK_RC(shmring_array_encode_header(NULL, 0, SHMRING_DTYPE_INT8, 0, 0, NULL, out,
                                         SHMRING_ARRAY_MAX_USER_BYTES + 1, NULL, NULL),
             SHMRING_EINVALID);
    CHECK(strstr(shmring_last_error(), "user header") != NULL);
    CHECK_RC(shmring_array_encode_header(NULL, 0, SHMRING_DTYPE_INT8, 0, 0, NULL, NULL, 4,
                                         NULL, NULL),
             SHMRING_EINVALID);
    const uint64_t huge[3] = {1ull << 32, 1ull << 31, 2};
    CHECK_RC(shmring_array_encode_header(NULL, 0, SHMRING_DTYPE_INT8, 0, 3, huge, NULL, 0,
                                         NULL, NULL),
             SHMRING_EINVALID);
    CHECK(strstr(shmring_last_error(), "overflows") != NULL);
    const uint64_t too_many_bytes[1] = {1ull << 62};
    CHECK_RC(shmring_array_encode_header(NULL, 0, SHMRING_DTYPE_COMPLEX128, 0, 1,
                                         too_many_bytes, NULL, 0, NULL, NULL),
             SHMRING_EINVALID);
    const uint64_t extent_too_big[2] = {0, UINT64_MAX};
    CHECK_RC(shmring_array_encode_header(NULL, 0, SHMRING_DTYPE_INT8, 0, 2,
                                         extent_too_big, NULL, 0, NULL, NULL),
             SHMRING_EINVALID);
    const uint64_t fits[1] = {100};
    uint64_t offset, bytes;
    CHECK_RC(shmring_array_encode_header(out, 48 + 99, SHMRING_DTYPE_INT8, 0, 1,
                                         fits, NULL, 0, &offset, &bytes),
             SHMRING_ETOOLARGE);
    CHECK(strstr(shmring_last_error(), "does not fit") != NULL);
    CHECK_OK(shmring_array_encode_header(out, sizeof out, SHMRING_DTYPE_INT8, 0, 1, fits,
                                         NULL, 0, &offset, &bytes));
    CHECK_EQ_U64(offset, 48);
    CHECK_EQ_U64(bytes, 100);
}

/* Corrupt one field of a valid message and expect `want` with `detail`. */
static void expect_refusal(const char *field, size_t at, const uint8_t *value, size_t n,
                           int want, const char *detail) {
    const uint64_t shape[2] = {2, 3};
    const uint8_t user[8] = {0};
    struct message m;
    CHECK(message_make(&m, SHMRING_DTYPE_INT32, 2, shape, user, 8));
    memcpy(m.bytes + at, value, n);
    int rc = decode(&m);
    const char *error = shmring_last_error();
    int ok = rc == want && strstr(error, detail) != NULL;
    if (!ok) FAILF("%s: %s \"%s\", want %s \"%s\"", field, rc_name(rc), error, rc_name(want), detail);
    free(m.block);
}

static void test_decode_names_every_bad_field(void) {
    const uint8_t b0 = 0, b1 = 1, b3 = 3, b33 = 33, b7 = 7, b113 = 113, b255 = 255;
    uint8_t u64[8];
    expect_refusal("magic", 0, (const uint8_t *)"NPY", 3, SHMRING_ECORRUPT, "\"SHMA\"");
    expect_refusal("version", 4, &b1, 1, SHMRING_ECORRUPT, "format version 1");
    expect_refusal("ndim", 5, &b33, 1, SHMRING_ECORRUPT, "33 dimensions");
    expect_refusal("flags", 6, &b3, 1, SHMRING_ECORRUPT, "unknown flags");
    expect_refusal("reserved", 7, &b1, 1, SHMRING_ECORRUPT, "reserved");
    expect_refusal("type code", 8, &b7, 1, SHMRING_ECORRUPT, "unknown element type (code 7");
    expect_refusal("type bits", 9, &b7, 1, SHMRING_ECORRUPT, "bits 7");
    expect_refusal("lanes", 10, &b0, 1, SHMRING_ECORRUPT, "lanes 0");
    expect_refusal("user bytes", 12, &b255, 1, SHMRING_ECORRUPT, "user header");
    expect_refusal("reserved 14", 14, &b1, 1, SHMRING_ECORRUPT, "reserved");
    expect_refusal("data offset misaligned", 16, &b113, 1, SHMRING_ECORRUPT,
                   "not on a 64-byte boundary");
    expect_refusal("data offset inside header", 16, &b0, 1, SHMRING_ECORRUPT,
                   "inside the header");
    expect_refusal("reserved 20", 21, &b1, 1, SHMRING_ECORRUPT, "reserved");
    expect_refusal("data bytes", 24, &b7, 1, SHMRING_ECORRUPT, "does not match");
    put_u64_le(u64, 1ull << 62);
    expect_refusal("shape overflow", 32, u64, 8, SHMRING_ECORRUPT, "overflows");
    put_u64_le(u64, 4);
    expect_refusal("shape", 40, u64, 8, SHMRING_ECORRUPT, "not C order");
    put_u64_le(u64, 2);
    expect_refusal("stride", 56, u64, 8, SHMRING_ECORRUPT, "not C order");
    /* A whole header that says more data than there is. */
    const uint64_t shape[1] = {10};
    struct message m;
    CHECK(message_make(&m, SHMRING_DTYPE_UINT8, 1, shape, NULL, 0));
    m.length -= 1;
    CHECK_RC(decode(&m), SHMRING_ECORRUPT);
    CHECK(strstr(shmring_last_error(), "run past its end") != NULL);
    m.length = 20;
    CHECK_RC(decode(&m), SHMRING_ECORRUPT);
    CHECK(strstr(shmring_last_error(), "shorter than the 32-byte header") != NULL);
    m.length = 40;
    CHECK_RC(decode(&m), SHMRING_ECORRUPT);
    CHECK(strstr(shmring_last_error(), "past the message's end") != NULL);
    free(m.block);
    CHECK_RC(shmring_array_decode(NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
             SHMRING_ECORRUPT);
    CHECK_RC(shmring_array_decode(NULL, 8, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
             SHMRING_EINVALID);
}

static void test_decode_refuses_elements_at_an_odd_address(void) {
    const uint64_t shape[1] = {4};
    struct message m;
    CHECK(message_make(&m, SHMRING_DTYPE_FLOAT64, 1, shape, NULL, 0));
    uint8_t *copy = malloc(m.length + 1);
    CHECK(copy != NULL);
    memcpy(copy + 1, m.bytes, m.length);
    int rc = shmring_array_decode(copy + 1, m.length, NULL, NULL, NULL, NULL, NULL, NULL,
                                  NULL, NULL);
    int said = strstr(shmring_last_error(), "not 8-byte aligned") != NULL;
    free(copy);
    free(m.block);
    CHECK_RC(rc, SHMRING_EINVALID);
    CHECK(said);
}

static uint64_t xorshift(uint64_t *state) {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

/* What a decode of a damaged message must give: a refusal with a detail,
 * or a description that lies inside the message. */
static int decode_is_sane(const struct message *m) {
    uint32_t dtype, ndim, user_bytes;
    uint64_t offset, bytes, user_offset, shape[SHMRING_ARRAY_MAX_NDIM];
    int rc = shmring_array_decode(m->bytes, m->length, &dtype, NULL, &ndim, shape, &offset,
                                  &bytes, &user_offset, &user_bytes);
    if (rc == SHMRING_ECORRUPT || rc == SHMRING_EINVALID) {
        return strcmp(shmring_last_error(), "no error") != 0;
    }
    if (rc != SHMRING_OK) return 0;
    uint64_t count = 1;
    for (uint32_t i = 0; i < ndim; i++) count *= shape[i];
    return ndim <= SHMRING_ARRAY_MAX_NDIM && offset + bytes <= m->length &&
           user_offset + user_bytes <= offset && shmring_array_itemsize(dtype) * count == bytes;
}

static void test_every_header_byte_corrupted_is_refused_or_sane(void) {
    const uint64_t shape[3] = {3, 1, 4};
    const uint8_t user[16] = {9, 8, 7};
    struct message good;
    CHECK(message_make(&good, SHMRING_DTYPE_UINT16, 3, shape, user, 16));
    uint64_t offset;
    CHECK_OK(shmring_array_decode(good.bytes, good.length, NULL, NULL, NULL, NULL, &offset,
                                  NULL, NULL, NULL));
    struct message m;
    CHECK(message_alloc(&m, good.length));
    int insane = 0;
    uint64_t refused = 0;
    /* Every value of every header byte. */
    for (uint64_t at = 0; at < offset && !insane; at++) {
        for (int value = 0; value < 256; value++) {
            memcpy(m.bytes, good.bytes, good.length);
            if (m.bytes[at] == value) continue;
            m.bytes[at] = (uint8_t)value;
            if (!decode_is_sane(&m)) {
                FAILF("byte %llu = %d: decode not sane", (unsigned long long)at, value);
                insane = 1;
                break;
            }
            refused += decode(&m) != SHMRING_OK;
        }
    }
    /* Random damage to several bytes at once, and every truncation. */
    uint64_t state = 0x9E3779B97F4A7C15ull;
    for (int round = 0; round < 200000 && !insane; round++) {
        memcpy(m.bytes, good.bytes, good.length);
        int hits = 1 + (int)(xorshift(&state) % 6);
        for (int h = 0; h < hits; h++) {
            m.bytes[xorshift(&state) % offset] = (uint8_t)xorshift(&state);
        }
        m.length = xorshift(&state) % 4 ? good.length : xorshift(&state) % (good.length + 1);
        if (!decode_is_sane(&m)) {
            FAILF("random round %d: decode not sane", round);
            insane = 1;
        }
    }
    m.length = good.length;
    for (uint64_t length = 0; length < good.length && !insane; length++) {
        memcpy(m.bytes, good.bytes, good.length);
        m.length = length;
        if (decode(&m) != SHMRING_ECORRUPT) {
            FAILF("truncated to %llu: not refused", (unsigned long long)length);
            insane = 1;
        }
    }
    free(m.block);
    free(good.block);
    CHECK(!insane);
    /* The user header and padding are free bytes; everything else is checked. */
    CHECK(refused > 30 * 255);
}

static void test_reserve_writes_the_header_into_a_slot(void) {
    const char *name = unique_name();
    shmring_ring_t *ring;
    CHECK_OK(shmring_create(name, 512, 4, NULL, &ring));
    shmring_writer_t *w;
    shmring_reader_t *r;
    CHECK_OK(shmring_writer_open(ring, &w));
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &r));
    const uint64_t shape[2] = {4, 5};
    const uint64_t frame[2] = {77, 1234567};
    void *data;
    uint64_t message_bytes;
    CHECK_OK(shmring_array_reserve(w, SHMRING_DTYPE_FLOAT32, 0, 2, shape, frame,
                                   sizeof frame, &data, &message_bytes, 0));
    CHECK((uintptr_t)data % 64 == 0);
    for (int i = 0; i < 20; i++) ((float *)data)[i] = (float)i * 0.5f;
    CHECK_OK(shmring_commit(w, message_bytes));
    const uint64_t too_big[2] = {100, 2};
    CHECK_RC(shmring_array_reserve(w, SHMRING_DTYPE_FLOAT32, 0, 2, too_big, NULL, 0, &data,
                                   &message_bytes, 0),
             SHMRING_ETOOLARGE);
    CHECK(strstr(shmring_last_error(), "slot of 512") != NULL);
    CHECK_RC(shmring_array_reserve(w, 12345, 0, 0, NULL, NULL, 0, &data, &message_bytes, 0),
             SHMRING_EINVALID);
    CHECK_RC(shmring_array_reserve(NULL, SHMRING_DTYPE_FLOAT32, 0, 0, NULL, NULL, 0, &data,
                                   &message_bytes, 0),
             SHMRING_EINVALID);
    const void *message;
    uint64_t length;
    CHECK_OK(shmring_peek(r, &message, &length, 0));
    uint32_t dtype, ndim, user_bytes;
    uint64_t got_shape[SHMRING_ARRAY_MAX_NDIM], offset, bytes, user_offset;
    CHECK_OK(shmring_array_decode(message, length, &dtype, NULL, &ndim, got_shape, &offset,
                                  &bytes, &user_offset, &user_bytes));
    CHECK(dtype == SHMRING_DTYPE_FLOAT32 && ndim == 2 && got_shape[0] == 4 &&
          got_shape[1] == 5 && bytes == 80 && user_bytes == sizeof frame);
    CHECK(memcmp((const uint8_t *)message + user_offset, frame, sizeof frame) == 0);
    CHECK((uintptr_t)((const uint8_t *)message + offset) % 64 == 0);
    CHECK(((const float *)((const uint8_t *)message + offset))[19] == 9.5f);
    CHECK_OK(shmring_release(r));
    CHECK_RC(shmring_try_read(r, NULL, 0, &length), SHMRING_EEMPTY);  /* nothing else */
    CHECK_OK(shmring_reader_close(r));
    CHECK_OK(shmring_writer_close(w));
    CHECK_OK(shmring_close(ring));
    CHECK_OK(shmring_unlink(name));
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    atexit(cleanup_names);
    RUN(test_itemsize_of_every_type_and_refusals);
    RUN(test_every_type_and_shape_round_trips);
    RUN(test_header_bytes_are_the_documented_ones);
    RUN(test_encode_refuses_bad_arguments);
    RUN(test_decode_names_every_bad_field);
    RUN(test_decode_refuses_elements_at_an_odd_address);
    RUN(test_every_header_byte_corrupted_is_refused_or_sane);
    RUN(test_reserve_writes_the_header_into_a_slot);
    printf("%s\n", g_failures ? "FAILED" : "PASSED");
    return g_failures ? 1 : 0;
}
