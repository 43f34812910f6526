/* Encoding and checking of the wire format (wire.h, docs/bridge.md). Every
 * byte from the network is checked here before anything is written. */
#include "wire.h"

#include <string.h>

static void put32(unsigned char *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static void put64(unsigned char *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static uint32_t get32(const unsigned char *p) {
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}
static uint64_t get64(const unsigned char *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

/* Layout: magic u32 @0, version u16 @4, type u16 @6, count u32 @8,
 * source_missed u32 @12, source u64 @16, epoch u64 @24, first_seq u64 @32. */
void wire_encode_header(const struct wire_header *h, unsigned char *out) {
    put32(out, WIRE_MAGIC);
    out[4] = (unsigned char)WIRE_VERSION;
    out[5] = 0;
    out[6] = (unsigned char)h->type;
    out[7] = 0;
    put32(out + 8, h->count);
    put32(out + 12, h->source_missed);
    put64(out + 16, h->source);
    put64(out + 24, h->epoch);
    put64(out + 32, h->first_seq);
}

const char *wire_fault_name(enum wire_fault fault) {
    switch (fault) {
    case WIRE_OK: return "ok";
    case WIRE_BAD_HEADER: return "bad header";
    case WIRE_BAD_VERSION: return "unsupported wire version";
    case WIRE_BAD_FRAMES: return "bad frame layout";
    case WIRE_OVERSIZED: return "message larger than the ring's slots";
    }
    return "unknown fault";
}

enum wire_fault wire_decode_header(const void *frame, size_t size,
                                   struct wire_header *h) {
    const unsigned char *p = frame;
    if (size != WIRE_HEADER_BYTES || get32(p) != WIRE_MAGIC) return WIRE_BAD_HEADER;
    if ((p[4] | (p[5] << 8)) != WIRE_VERSION) return WIRE_BAD_VERSION;
    h->type = (uint32_t)(p[6] | (p[7] << 8));
    h->count = get32(p + 8);
    h->source_missed = get32(p + 12);
    h->source = get64(p + 16);
    h->epoch = get64(p + 24);
    h->first_seq = get64(p + 32);
    if (h->type == WIRE_TYPE_DATA) {
        if (h->count == 0 || h->count > WIRE_MAX_BATCH) return WIRE_BAD_HEADER;
    } else if (h->type == WIRE_TYPE_END || h->type == WIRE_TYPE_START) {
        if (h->count != 0) return WIRE_BAD_HEADER;
    } else {
        return WIRE_BAD_HEADER;
    }
    return WIRE_OK;
}

uint32_t wire_layout(const uint32_t *lengths, uint32_t count, uint32_t *frame_of) {
    uint32_t frames = 0;
    uint64_t packed = 0;
    int packing = 0;
    for (uint32_t i = 0; i < count; i++) {
        if (lengths[i] >= WIRE_ZERO_COPY_MIN) {
            frame_of[i] = frames++;
            packing = 0;
            continue;
        }
        if (!packing || packed + lengths[i] > WIRE_PACK_BYTES) {
            frames++;
            packed = 0;
            packing = 1;
        }
        frame_of[i] = frames - 1;
        packed += lengths[i];
    }
    return frames;
}

enum wire_fault wire_check_batch(const struct wire_header *h,
                                 const void *lengths_frame, size_t lengths_size,
                                 const size_t *frame_sizes, size_t frames,
                                 uint64_t slot_bytes, uint32_t *lengths,
                                 uint32_t *frame_of) {
    if (lengths_size != (size_t)h->count * 4u) return WIRE_BAD_FRAMES;
    const unsigned char *p = lengths_frame;
    enum wire_fault oversized = WIRE_OK;
    for (uint32_t i = 0; i < h->count; i++) {
        lengths[i] = get32(p + 4u * i);
        if (lengths[i] > slot_bytes) oversized = WIRE_OVERSIZED;
    }
    if (oversized != WIRE_OK) return oversized;
    if (wire_layout(lengths, h->count, frame_of) != frames) return WIRE_BAD_FRAMES;
    /* Every frame holds exactly its messages' bytes. */
    size_t frame = 0;
    uint64_t bytes = 0;
    for (uint32_t i = 0; i < h->count; i++) {
        if (frame_of[i] != frame) {
            if (bytes != frame_sizes[frame]) return WIRE_BAD_FRAMES;
            frame = frame_of[i];
            bytes = 0;
        }
        bytes += lengths[i];
    }
    if (bytes != frame_sizes[frame]) return WIRE_BAD_FRAMES;
    return WIRE_OK;
}
