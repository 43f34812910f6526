/* array_format.c -- the array message format (docs/messages.md): encode a
 * header, check and describe a message. Pure functions over bytes: a
 * message is input from shared memory, so every field is checked before it
 * is used, and the reads never go past `length`. */
#include <string.h>

#include "array_format.h"
#include "internal.h"

SHMRING_API uint32_t shmring_array_itemsize(uint32_t dtype) {
    if (SHMRING_DTYPE_LANES(dtype) != 1) return 0;
    uint32_t bits = SHMRING_DTYPE_BITS(dtype);
    switch (SHMRING_DTYPE_CODE(dtype)) {
    case SHMRING_DLPACK_BOOL: return bits == 8 ? 1 : 0;
    case SHMRING_DLPACK_INT:
    case SHMRING_DLPACK_UINT:
        return bits == 8 || bits == 16 || bits == 32 || bits == 64 ? bits / 8 : 0;
    case SHMRING_DLPACK_FLOAT:
        return bits == 16 || bits == 32 || bits == 64 ? bits / 8 : 0;
    case SHMRING_DLPACK_BFLOAT: return bits == 16 ? 2 : 0;
    case SHMRING_DLPACK_COMPLEX: return bits == 64 || bits == 128 ? bits / 8 : 0;
    default: return 0;
    }
}

/* The alignment of an element in memory: a complex number is two floats. */
static uint32_t element_alignment(uint32_t dtype) {
    uint32_t size = shmring_array_itemsize(dtype);
    return SHMRING_DTYPE_CODE(dtype) == SHMRING_DLPACK_COMPLEX ? size / 2 : size;
}

static void put_u16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static void put_u32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static void put_u64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static uint16_t get_u16(const uint8_t *p) {
    return (uint16_t)(p[0] | (p[1] << 8));
}
static uint32_t get_u32(const uint8_t *p) {
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}
static uint64_t get_u64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

/* The header's size: the smallest offset past the shape, strides and user
 * header that puts the elements on a 64-byte boundary of the slot (the
 * payload starts SHM_SLOT_HEADER bytes into a 64-byte aligned slot). */
static uint64_t data_offset_for(uint32_t ndim, uint32_t user_bytes) {
    uint64_t end = SHM_ARRAY_FIXED_BYTES + 16ull * ndim + user_bytes;
    uint64_t in_slot = end + SHM_SLOT_HEADER;
    in_slot += (SHM_ARRAY_DATA_ALIGN - in_slot % SHM_ARRAY_DATA_ALIGN) %
               SHM_ARRAY_DATA_ALIGN;
    return in_slot - SHM_SLOT_HEADER;
}

/* C-order strides (in elements) of shape[], into strides[], and the number
 * of elements; 0 if a stride or the count does not fit in an int64 (DLPack's
 * type for both). */
static int c_order_strides(uint32_t ndim, const uint64_t *shape,
                           uint64_t *strides, uint64_t *count_out) {
    uint64_t stride = 1;
    for (uint32_t i = ndim; i-- > 0;) {
        strides[i] = stride;
        if (shape[i] > (uint64_t)INT64_MAX) return 0;
        if (shape[i] != 0 && stride > (uint64_t)INT64_MAX / shape[i]) return 0;
        stride *= shape[i];
    }
    *count_out = stride;
    return 1;
}

SHMRING_API int shmring_array_encode_header(
    void *buffer, uint64_t capacity, uint32_t dtype, uint32_t flags,
    uint32_t ndim, const uint64_t *shape, const void *user,
    uint32_t user_bytes, uint64_t *data_offset_out, uint64_t *data_bytes_out) {
    uint32_t itemsize = shmring_array_itemsize(dtype);
    if (itemsize == 0) {
        return set_error(SHMRING_EINVALID,
                         "element type (code %u, bits %u, lanes %u) is not "
                         "one shmring arrays support",
                         SHMRING_DTYPE_CODE(dtype), SHMRING_DTYPE_BITS(dtype),
                         SHMRING_DTYPE_LANES(dtype));
    }
    if (flags & ~SHMRING_ARRAY_BIG_ENDIAN) {
        return set_error(SHMRING_EINVALID, "unknown array flags 0x%x", flags);
    }
    if (ndim > SHMRING_ARRAY_MAX_NDIM) {
        return set_error(SHMRING_EINVALID,
                         "an array message has at most %u dimensions, not %u",
                         SHMRING_ARRAY_MAX_NDIM, ndim);
    }
    if (ndim > 0 && !shape) return set_error(SHMRING_EINVALID, "shape is NULL");
    if (user_bytes > SHMRING_ARRAY_MAX_USER_BYTES) {
        return set_error(SHMRING_EINVALID,
                         "a user header has at most %u bytes, not %u",
                         SHMRING_ARRAY_MAX_USER_BYTES, user_bytes);
    }
    if (user_bytes > 0 && !user) return set_error(SHMRING_EINVALID, "user is NULL");
    uint64_t strides[SHMRING_ARRAY_MAX_NDIM], count;
    if (!c_order_strides(ndim, shape, strides, &count) ||
        count > UINT64_MAX / itemsize) {
        return set_error(SHMRING_EINVALID,
                         "the array's size overflows (an extent or a product "
                         "of extents beyond 2^63 - 1 elements)");
    }
    uint64_t data_offset = data_offset_for(ndim, user_bytes);
    uint64_t data_bytes = count * itemsize;
    if (data_offset_out) *data_offset_out = data_offset;
    if (data_bytes_out) *data_bytes_out = data_bytes;
    if (!buffer) return SHMRING_OK;
    if (data_bytes > capacity || data_offset > capacity - data_bytes) {
        return set_error(SHMRING_ETOO_LARGE,
                         "an array message of %llu bytes (%llu of header) "
                         "does not fit in %llu",
                         (unsigned long long)(data_offset + data_bytes),
                         (unsigned long long)data_offset,
                         (unsigned long long)capacity);
    }
    uint8_t *out = buffer;
    memset(out, 0, data_offset);
    memcpy(out, SHM_ARRAY_MAGIC, 4);
    out[4] = SHMRING_ARRAY_FORMAT_VERSION;
    out[5] = (uint8_t)ndim;
    out[6] = (uint8_t)flags;
    out[8] = (uint8_t)SHMRING_DTYPE_CODE(dtype);
    out[9] = (uint8_t)SHMRING_DTYPE_BITS(dtype);
    put_u16(out + 10, (uint16_t)SHMRING_DTYPE_LANES(dtype));
    put_u16(out + 12, (uint16_t)user_bytes);
    put_u32(out + 16, (uint32_t)data_offset);
    put_u64(out + 24, data_bytes);
    for (uint32_t i = 0; i < ndim; i++) {
        put_u64(out + SHM_ARRAY_FIXED_BYTES + 8 * i, shape[i]);
        put_u64(out + SHM_ARRAY_FIXED_BYTES + 8 * (ndim + i), strides[i]);
    }
    if (user_bytes) memcpy(out + SHM_ARRAY_FIXED_BYTES + 16 * ndim, user, user_bytes);
    return SHMRING_OK;
}

static int corrupt(const char *what) {
    return set_error(SHMRING_ECORRUPT, "not a valid array message: %s", what);
}

/* The fixed fields: magic, version, reserved bytes, type, flags, ndim. */
static int check_fixed(const uint8_t *in, uint64_t length, uint32_t *dtype,
                       uint32_t *ndim, uint32_t *user_bytes) {
    if (length < SHM_ARRAY_FIXED_BYTES) {
        return set_error(SHMRING_ECORRUPT,
                         "not a valid array message: %llu bytes is shorter "
                         "than the %u-byte header",
                         (unsigned long long)length, SHM_ARRAY_FIXED_BYTES);
    }
    if (memcmp(in, SHM_ARRAY_MAGIC, 4) != 0) {
        return corrupt("it does not start with \"SHMA\"");
    }
    if (in[4] != SHMRING_ARRAY_FORMAT_VERSION) {
        return set_error(SHMRING_ECORRUPT,
                         "array message format version %u; this library "
                         "reads version %u",
                         in[4], SHMRING_ARRAY_FORMAT_VERSION);
    }
    if (in[7] || get_u16(in + 14) || get_u32(in + 20)) {
        return corrupt("reserved header bytes are not zero");
    }
    *ndim = in[5];
    if (*ndim > SHMRING_ARRAY_MAX_NDIM) {
        return set_error(SHMRING_ECORRUPT,
                         "not a valid array message: %u dimensions (at most %u)",
                         *ndim, SHMRING_ARRAY_MAX_NDIM);
    }
    if (in[6] & ~SHMRING_ARRAY_BIG_ENDIAN) return corrupt("unknown flags set");
    *dtype = SHMRING_DTYPE(in[8], in[9], get_u16(in + 10));
    if (shmring_array_itemsize(*dtype) == 0) {
        return set_error(SHMRING_ECORRUPT,
                         "not a valid array message: unknown element type "
                         "(code %u, bits %u, lanes %u)",
                         in[8], in[9], get_u16(in + 10));
    }
    *user_bytes = get_u16(in + 12);
    if (*user_bytes > SHMRING_ARRAY_MAX_USER_BYTES) {
        return corrupt("user header longer than the bound");
    }
    return SHMRING_OK;
}

SHMRING_API int shmring_array_decode(
    const void *message, uint64_t length, uint32_t *dtype_out,
    uint32_t *flags_out, uint32_t *ndim_out, uint64_t *shape_out,
    uint64_t *data_offset_out, uint64_t *data_bytes_out,
    uint64_t *user_offset_out, uint32_t *user_bytes_out) {
    if (!message && length > 0) return set_error(SHMRING_EINVALID, "message is NULL");
    const uint8_t *in = message;
    uint32_t dtype = 0, ndim = 0, user_bytes = 0;
    int rc = check_fixed(in, length, &dtype, &ndim, &user_bytes);
    if (rc != SHMRING_OK) return rc;
    uint64_t user_offset = SHM_ARRAY_FIXED_BYTES + 16ull * ndim;
    uint64_t data_offset = get_u32(in + 16);
    if (user_offset + user_bytes > length) {
        return corrupt("shape, strides or user header past the message's end");
    }
    if (data_offset < user_offset + user_bytes) {
        return corrupt("data offset inside the header");
    }
    if ((data_offset + SHM_SLOT_HEADER) % SHM_ARRAY_DATA_ALIGN != 0) {
        return set_error(SHMRING_ECORRUPT,
                         "not a valid array message: data offset %llu is not "
                         "on a %u-byte boundary of the slot",
                         (unsigned long long)data_offset, SHM_ARRAY_DATA_ALIGN);
    }
    uint64_t shape[SHMRING_ARRAY_MAX_NDIM], strides[SHMRING_ARRAY_MAX_NDIM], count;
    for (uint32_t i = 0; i < ndim; i++) {
        shape[i] = get_u64(in + SHM_ARRAY_FIXED_BYTES + 8 * i);
    }
    uint32_t itemsize = shmring_array_itemsize(dtype);
    if (!c_order_strides(ndim, shape, strides, &count) ||
        count > UINT64_MAX / itemsize) {
        return corrupt("the shape's size overflows");
    }
    for (uint32_t i = 0; i < ndim; i++) {
        if (get_u64(in + SHM_ARRAY_FIXED_BYTES + 8 * (ndim + i)) != strides[i]) {
            return corrupt("strides that are not C order");
        }
    }
    uint64_t data_bytes = get_u64(in + 24);
    if (data_bytes != count * itemsize) {
        return corrupt("data size does not match the shape and element type");
    }
    if (data_offset > length || data_bytes > length - data_offset) {
        return set_error(SHMRING_ECORRUPT,
                         "not a valid array message: %llu bytes of data at "
                         "offset %llu run past its end (%llu bytes)",
                         (unsigned long long)data_bytes,
                         (unsigned long long)data_offset,
                         (unsigned long long)length);
    }
    uint32_t alignment = element_alignment(dtype);
    if (((uintptr_t)in + data_offset) % alignment != 0) {
        return set_error(SHMRING_EINVALID,
                         "the array's elements are not %u-byte aligned in "
                         "memory (the message was copied to an odd address)",
                         alignment);
    }
    if (dtype_out) *dtype_out = dtype;
    if (flags_out) *flags_out = in[6];
    if (ndim_out) *ndim_out = ndim;
    if (shape_out) memcpy(shape_out, shape, sizeof shape[0] * ndim);
    if (data_offset_out) *data_offset_out = data_offset;
    if (data_bytes_out) *data_bytes_out = data_bytes;
    if (user_offset_out) *user_offset_out = user_offset;
    if (user_bytes_out) *user_bytes_out = user_bytes;
    return SHMRING_OK;
}

/* The header spells the supported types out; they must be the packing. */
_Static_assert(SHMRING_DTYPE_BOOL == SHMRING_DTYPE(SHMRING_DLPACK_BOOL, 8, 1), "dtype");
_Static_assert(SHMRING_DTYPE_INT8 == SHMRING_DTYPE(SHMRING_DLPACK_INT, 8, 1), "dtype");
_Static_assert(SHMRING_DTYPE_INT16 == SHMRING_DTYPE(SHMRING_DLPACK_INT, 16, 1), "dtype");
_Static_assert(SHMRING_DTYPE_INT32 == SHMRING_DTYPE(SHMRING_DLPACK_INT, 32, 1), "dtype");
_Static_assert(SHMRING_DTYPE_INT64 == SHMRING_DTYPE(SHMRING_DLPACK_INT, 64, 1), "dtype");
_Static_assert(SHMRING_DTYPE_UINT8 == SHMRING_DTYPE(SHMRING_DLPACK_UINT, 8, 1), "dtype");
_Static_assert(SHMRING_DTYPE_UINT16 == SHMRING_DTYPE(SHMRING_DLPACK_UINT, 16, 1), "dtype");
_Static_assert(SHMRING_DTYPE_UINT32 == SHMRING_DTYPE(SHMRING_DLPACK_UINT, 32, 1), "dtype");
_Static_assert(SHMRING_DTYPE_UINT64 == SHMRING_DTYPE(SHMRING_DLPACK_UINT, 64, 1), "dtype");
_Static_assert(SHMRING_DTYPE_FLOAT16 == SHMRING_DTYPE(SHMRING_DLPACK_FLOAT, 16, 1), "dtype");
_Static_assert(SHMRING_DTYPE_FLOAT32 == SHMRING_DTYPE(SHMRING_DLPACK_FLOAT, 32, 1), "dtype");
_Static_assert(SHMRING_DTYPE_FLOAT64 == SHMRING_DTYPE(SHMRING_DLPACK_FLOAT, 64, 1), "dtype");
_Static_assert(SHMRING_DTYPE_BFLOAT16 == SHMRING_DTYPE(SHMRING_DLPACK_BFLOAT, 16, 1), "dtype");
_Static_assert(SHMRING_DTYPE_COMPLEX64 == SHMRING_DTYPE(SHMRING_DLPACK_COMPLEX, 64, 1), "dtype");
_Static_assert(SHMRING_DTYPE_COMPLEX128 == SHMRING_DTYPE(SHMRING_DLPACK_COMPLEX, 128, 1),
               "dtype");
