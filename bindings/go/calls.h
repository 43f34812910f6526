/* calls.h -- the Go binding's data-path C calls (Writer and Reader).
 *
 * shmring_last_error() is per OS thread, and a goroutine may move to another
 * thread as soon as a cgo call returns. Each wrapper copies a failure's
 * detail into the caller's buffer within the same call, so the success path
 * is one cgo call with no runtime.LockOSThread. Full, empty and closed have
 * no detail (""), so a poll copies nothing; every other failure has one,
 * which is why these wrappers (and LockOSThread in errors.go's call) stay. */
#ifndef SHMRING_GO_CALLS_H
#define SHMRING_GO_CALLS_H

#include <stdint.h>
#include <stdio.h>
#include "shmring.h"

#define SHMRING_GO_DETAIL_BYTES 256
/* Messages per WriteBatch call: its pointer array lives on the C stack. */
#define SHMRING_GO_WRITE_BATCH_MAX 256

/* Returns status; on failure copies this thread's detail into detail
 * (none after full, empty and closed: nothing to format on a poll). */
static inline int shmring_go_status(int status, char *detail) {
    if (status != SHMRING_OK) {
        const char *text = shmring_last_error();
        if (text[0]) {
            snprintf(detail, SHMRING_GO_DETAIL_BYTES, "%s", text);
        } else {
            detail[0] = '\0';
        }
    }
    return status;
}

static inline int shmring_go_write(shmring_writer_t *writer,
                                   const uint8_t *data, uint64_t length,
                                   int64_t deadline_ns, char *detail) {
    return shmring_go_status(
        shmring_write_until(writer, data, length, deadline_ns), detail);
}

/* count messages back to back in packed (capacity bytes), lengths[i] bytes
 * each. Go may not hand C an array of Go pointers, so the array that
 * shmring_write_batch takes is built here; count <= WRITE_BATCH_MAX. */
static inline int shmring_go_write_batch(shmring_writer_t *writer,
                                         const uint8_t *packed,
                                         uint64_t capacity,
                                         const uint64_t *lengths,
                                         uint32_t count, uint32_t *written_out,
                                         int64_t deadline_ns, char *detail) {
    const void *datas[SHMRING_GO_WRITE_BATCH_MAX];
    uint64_t offset = 0;
    for (uint32_t i = 0; i < count; i++) {
        if (lengths[i] > capacity - offset) {
            snprintf(detail, SHMRING_GO_DETAIL_BYTES,
                     "message %u ends past the %llu bytes given", i,
                     (unsigned long long)capacity);
            return SHMRING_EINVALID;
        }
        datas[i] = packed + offset;
        offset += lengths[i];
    }
    return shmring_go_status(shmring_write_batch_until(writer, datas, lengths, count,
                                                 written_out, deadline_ns),
                             detail);
}

static inline int shmring_go_reserve(shmring_writer_t *writer, void **slot_out,
                                     int64_t deadline_ns, char *detail) {
    return shmring_go_status(shmring_reserve_until(writer, slot_out, deadline_ns),
                             detail);
}

static inline int shmring_go_commit(shmring_writer_t *writer, uint64_t length,
                                    char *detail) {
    return shmring_go_status(shmring_commit(writer, length), detail);
}

static inline int shmring_go_read(shmring_reader_t *reader, uint8_t *buffer,
                                  uint64_t capacity, uint64_t *length_out,
                                  int64_t deadline_ns, char *detail) {
    return shmring_go_status(
        shmring_read_until(reader, buffer, capacity, length_out, deadline_ns),
        detail);
}

static inline int shmring_go_read_batch(shmring_reader_t *reader,
                                        uint8_t *buffer, uint64_t capacity,
                                        uint64_t *lengths, uint32_t max_count,
                                        uint32_t *count_out,
                                        int64_t deadline_ns, char *detail) {
    return shmring_go_status(shmring_read_batch_until(reader, buffer, capacity,
                                                lengths, max_count, count_out,
                                                deadline_ns),
                             detail);
}

static inline int shmring_go_peek(shmring_reader_t *reader,
                                  const void **data_out, uint64_t *length_out,
                                  int64_t deadline_ns, char *detail) {
    return shmring_go_status(
        shmring_peek_until(reader, data_out, length_out, deadline_ns), detail);
}

static inline int shmring_go_release(shmring_reader_t *reader, char *detail) {
    return shmring_go_status(shmring_release(reader), detail);
}

/* Array messages (docs/messages.md): the core's calls, with the detail. */
static inline int shmring_go_array_decode(const uint8_t *message, uint64_t length,
                                          uint32_t *dtype, uint32_t *flags,
                                          uint32_t *ndim, uint64_t *shape,
                                          uint64_t *data_offset, uint64_t *data_bytes,
                                          uint64_t *user_offset, uint32_t *user_bytes,
                                          char *detail) {
    return shmring_go_status(
        shmring_array_decode(message, length, dtype, flags, ndim, shape, data_offset,
                             data_bytes, user_offset, user_bytes),
        detail);
}

static inline int shmring_go_array_reserve(shmring_writer_t *writer, uint32_t dtype,
                                           uint32_t flags, uint32_t ndim,
                                           const uint64_t *shape, const uint8_t *user,
                                           uint32_t user_bytes, void **data_out,
                                           uint64_t *message_bytes_out,
                                           int64_t deadline_ns, char *detail) {
    return shmring_go_status(
        shmring_array_reserve_until(writer, dtype, flags, ndim, shape, user, user_bytes,
                              data_out, message_bytes_out, deadline_ns),
        detail);
}

#endif
