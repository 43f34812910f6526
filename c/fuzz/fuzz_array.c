/*
 * fuzz_array.c -- libFuzzer target over shmring_array_decode.
 *
 * Each input becomes a message in a buffer of exactly its length (ASan
 * reports any read past it), placed like a slot payload (16 bytes past a
 * 64-byte boundary). The decoder must refuse it with a status and a detail,
 * or describe a message whose shape, user header and elements lie inside
 * it; every byte it describes is then read.
 *
 * Input byte 0 chooses the shape:
 *   even: the rest of the input is the message;
 *   odd:  a valid message is encoded from bytes 1..7 (type, ndim, four
 *         extents, user bytes), then the rest is applied as edits (offset:
 *         1 byte into the header, value: 1 byte), the last edit's offset
 *         byte, if alone, truncating the message -- so mutations reach the
 *         checks behind the magic and version.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shmring.h"

static const uint32_t TYPES[] = {
    SHMRING_DTYPE_BOOL,    SHMRING_DTYPE_INT8,    SHMRING_DTYPE_INT16,    SHMRING_DTYPE_INT32,
    SHMRING_DTYPE_INT64,   SHMRING_DTYPE_UINT8,   SHMRING_DTYPE_UINT16,   SHMRING_DTYPE_UINT32,
    SHMRING_DTYPE_UINT64,  SHMRING_DTYPE_FLOAT16, SHMRING_DTYPE_FLOAT32,  SHMRING_DTYPE_FLOAT64,
    SHMRING_DTYPE_BFLOAT16, SHMRING_DTYPE_COMPLEX64, SHMRING_DTYPE_COMPLEX128,
};

/* A message built from the input: NULL if the input is too short. */
static uint8_t *build(const uint8_t *data, size_t size, uint8_t **block, uint64_t *length) {
    uint64_t header_len, body;
    const uint8_t *edits;
    size_t edit_bytes;
    uint8_t scratch[1024];
    const uint8_t *source;
    if (data[0] & 1) {
        if (size < 8) return NULL;
        uint64_t shape[4] = {data[3] % 5, data[4] % 5, data[5] % 5, data[6] % 5};
        uint32_t ndim = data[2] % 5, user_bytes = data[7] % 40;
        uint8_t user[40] = {0};
        uint64_t offset, bytes;
        uint32_t dtype = TYPES[data[1] % 15];
        /* Only the header goes into scratch (at most 32 + 64 + 40 + 63 bytes);
         * the capacity is the whole message's. */
        if (shmring_array_encode_header(NULL, 0, dtype, 0, ndim, shape, user, user_bytes,
                                        &offset, &bytes) != SHMRING_OK ||
            offset > sizeof scratch ||
            shmring_array_encode_header(scratch, offset + bytes, dtype, 0, ndim, shape, user,
                                        user_bytes, NULL, NULL) != SHMRING_OK) {
            abort(); /* every message of these small shapes can be encoded */
        }
        header_len = offset;
        body = bytes;
        source = scratch;
        edits = data + 8;
        edit_bytes = size - 8;
    } else {
        header_len = size - 1;
        body = 0;
        source = data + 1;
        edits = NULL;
        edit_bytes = 0;
    }
    *length = header_len + body;
    *block = aligned_alloc(64, (size_t)((16 + *length + 63) / 64 * 64));
    if (!*block) abort();
    uint8_t *message = *block + 16;
    memcpy(message, source, (size_t)header_len);
    memset(message + header_len, 0xA5, (size_t)body);
    for (size_t i = 0; i + 1 < edit_bytes; i += 2) message[edits[i] % header_len] = edits[i + 1];
    if (edit_bytes % 2) *length = edits[edit_bytes - 1] % (*length + 1);
    return message;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) return 0;
    uint8_t *block = NULL;
    uint64_t length = 0;
    const uint8_t *message = build(data, size, &block, &length);
    if (!message) return 0;
    uint32_t dtype, flags, ndim, user_bytes;
    uint64_t shape[SHMRING_ARRAY_MAX_NDIM], offset, bytes, user_offset;
    int rc = shmring_array_decode(message, length, &dtype, &flags, &ndim, shape, &offset,
                                  &bytes, &user_offset, &user_bytes);
    if (rc == SHMRING_OK) {
        if (ndim > SHMRING_ARRAY_MAX_NDIM || offset > length || bytes > length - offset ||
            user_offset + user_bytes > offset || shmring_array_itemsize(dtype) == 0) {
            abort(); /* a description outside the message */
        }
        volatile uint8_t sink = 0;
        for (uint64_t i = 0; i < bytes; i++) sink ^= message[offset + i];
        for (uint32_t i = 0; i < user_bytes; i++) sink ^= message[user_offset + i];
        (void)sink;
    } else if (rc != SHMRING_ECORRUPT && rc != SHMRING_EINVALID) {
        abort(); /* no other status is a decoder's */
    } else if (strcmp(shmring_last_error(), "no error") == 0) {
        abort(); /* a refusal says why */
    }
    free(block);
    return 0;
}
