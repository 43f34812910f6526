/* array_write.c -- shmring_array_reserve: a reservation with an array
 * message's header already written, for the bindings' typed writes. */
#include "internal.h"

static int array_reserve_by(shmring_writer_t *writer, uint32_t dtype,
                            uint32_t flags, uint32_t ndim,
                            const uint64_t *shape, const void *user,
                            uint32_t user_bytes, void **data_out,
                            uint64_t *message_bytes_out,
                            const struct deadline *deadline) {
    if (!writer || !data_out || !message_bytes_out) {
        return set_error(SHMRING_EINVALID, "writer, data_out or message_bytes_out is NULL");
    }
    uint64_t data_offset, data_bytes;
    int rc = shmring_array_encode_header(NULL, 0, dtype, flags, ndim, shape, user,
                                         user_bytes, &data_offset, &data_bytes);
    if (rc != SHMRING_OK) return rc;
    uint64_t slot_bytes = writer->ring->slot_bytes;
    if (data_bytes > slot_bytes || data_offset > slot_bytes - data_bytes) {
        return set_error(SHMRING_ETOO_LARGE,
                         "an array message of %llu bytes (%llu of header) does "
                         "not fit in a slot of %llu",
                         (unsigned long long)(data_offset + data_bytes),
                         (unsigned long long)data_offset,
                         (unsigned long long)slot_bytes);
    }
    void *slot;
    rc = reserve_by(writer, &slot, deadline);
    if (rc != SHMRING_OK) return rc;
    rc = shmring_array_encode_header(slot, slot_bytes, dtype, flags, ndim, shape,
                                     user, user_bytes, NULL, NULL);
    if (rc != SHMRING_OK) {  /* cannot happen after the first call; never leak the slot */
        shmring_abort(writer);
        return rc;
    }
    *data_out = (uint8_t *)slot + data_offset;
    *message_bytes_out = data_offset + data_bytes;
    return SHMRING_OK;
}

SHMRING_API int shmring_array_reserve(shmring_writer_t *writer, uint32_t dtype,
                                      uint32_t flags, uint32_t ndim,
                                      const uint64_t *shape, const void *user,
                                      uint32_t user_bytes, void **data_out,
                                      uint64_t *message_bytes_out,
                                      int64_t timeout_ns) {
    struct deadline deadline = deadline_in(timeout_ns);
    return array_reserve_by(writer, dtype, flags, ndim, shape, user,
                            user_bytes, data_out, message_bytes_out, &deadline);
}

SHMRING_API int shmring_array_reserve_until(
    shmring_writer_t *writer, uint32_t dtype, uint32_t flags, uint32_t ndim,
    const uint64_t *shape, const void *user, uint32_t user_bytes,
    void **data_out, uint64_t *message_bytes_out, int64_t deadline_ns) {
    struct deadline deadline = deadline_at(deadline_ns);
    return array_reserve_by(writer, dtype, flags, ndim, shape, user,
                            user_bytes, data_out, message_bytes_out, &deadline);
}
