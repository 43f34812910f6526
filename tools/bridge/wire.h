/* The bridge's wire format, version 1 (docs/bridge.md, "Wire format").
 *
 * One ZeroMQ multipart message per batch:
 *   frame 0        header, WIRE_HEADER_BYTES, little-endian (below)
 *   frame 1        DATA only: count u32 lengths, one per message
 *   frames 2..     DATA only: the payloads in order, back to back, in the
 *                  frames wire_layout() assigns them (small ones packed
 *                  together, a large one alone, sent zero-copy)
 * A START (sent once when a sender starts: where it joined the ring) and an
 * END (the source's stream ended: where) are the header alone. */
#ifndef SHMRING_BRIDGE_WIRE_H
#define SHMRING_BRIDGE_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define WIRE_MAGIC 0x42524853u /* "SHRB" */
#define WIRE_VERSION 1u
#define WIRE_HEADER_BYTES 40u
#define WIRE_TYPE_DATA 1u
#define WIRE_TYPE_END 2u
#define WIRE_TYPE_START 3u
/* Messages per batch, and so the most frames a batch has (2 + count). */
#define WIRE_MAX_BATCH 1024u
/* Small messages are packed into frames of at most this many bytes; a
 * message of at least WIRE_ZERO_COPY_MIN bytes travels in a frame of its
 * own, straight from the ring's slot. */
#define WIRE_PACK_BYTES (256u * 1024u)
#define WIRE_ZERO_COPY_MIN (32u * 1024u)

struct wire_header {
    uint32_t type;          /* WIRE_TYPE_* */
    uint32_t count;         /* messages in the batch (0 for START, END) */
    uint64_t source;        /* the source's identity */
    uint64_t epoch;         /* the sender process's run (new on restart) */
    uint64_t first_seq;     /* DATA: sequence of the first message;
                               START: the first sequence it will read;
                               END: the sequence after the last one */
    uint32_t source_missed; /* low 32 bits of what the source's reader
                               passed over so far (lossy) */
};

/* Encodes h into out[WIRE_HEADER_BYTES]. */
void wire_encode_header(const struct wire_header *h, unsigned char *out);

/* Why a batch is refused. */
enum wire_fault {
    WIRE_OK = 0,
    WIRE_BAD_HEADER,    /* size, magic or type */
    WIRE_BAD_VERSION,   /* another wire version */
    WIRE_BAD_FRAMES,    /* frame count, lengths frame, or payload layout */
    WIRE_OVERSIZED,     /* a message longer than the ring's slots */
};
const char *wire_fault_name(enum wire_fault fault);

/* Decodes and checks a header frame. */
enum wire_fault wire_decode_header(const void *frame, size_t size,
                                   struct wire_header *h);

/* The payload frame of each message, the same on both ends: a message of
 * at least WIRE_ZERO_COPY_MIN bytes has a frame of its own; smaller ones
 * fill frames of up to WIRE_PACK_BYTES in order. Sets frame_of[0..count)
 * and returns the number of payload frames. */
uint32_t wire_layout(const uint32_t *lengths, uint32_t count, uint32_t *frame_of);

/* Checks a DATA batch's frames against its header: a lengths frame of
 * lengths_size bytes, every length <= slot_bytes, and `frames` payload
 * frames of exactly the sizes wire_layout() gives. On WIRE_OK,
 * lengths[0..count) hold the lengths (host order) and frame_of[] the
 * layout. */
enum wire_fault wire_check_batch(const struct wire_header *h,
                                 const void *lengths_frame, size_t lengths_size,
                                 const size_t *frame_sizes, size_t frames,
                                 uint64_t slot_bytes, uint32_t *lengths,
                                 uint32_t *frame_of);

#endif
