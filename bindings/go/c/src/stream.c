/*
 * stream.c -- ring-wide stream state: end of stream and skip-to-latest.
 *
 * End of stream is a flag plus a rule: a writer that claimed a sequence
 * re-reads the flag after its claim and turns a late claim into a skipped
 * slot, so a reader that saw the flag and then tail == its position knows
 * that nothing more can arrive (docs/algorithm.md, "End of stream").
 */
#include "internal.h"

void end_stream(shmring_ring_t *ring) {
    struct control *c = ring->control;
    /* SYNC(stream-closed): pairs with load_seq_cst(closed) after the claim
     * in claim_slots and before the tail check in stream_ended_at. */
    store_seq_cst(&c->closed, 1);
    wake_all(&c->data_wait);
    wake_all(&c->space_wait);
}

SHMRING_API int shmring_close_stream(shmring_ring_t *ring) {
    if (!ring) return set_error(SHMRING_EINVALID, "ring is NULL");
    end_stream(ring);
    return SHMRING_OK;
}

SHMRING_API int shmring_is_closed(const shmring_ring_t *ring) {
    /* SYNC(stream-closed): pairs with store_seq_cst in end_stream. */
    return ring ? (int)load_seq_cst(&ring->control->closed) : 0;
}

SHMRING_API uint64_t shmring_next_sequence(const shmring_ring_t *ring) {
    /* SYNC(tail-claim): pairs with the cas_seq_cst in claim_slots. */
    return ring ? load_seq_cst(&ring->control->tail) : 0;
}

SHMRING_API int shmring_skip_all_to_latest(shmring_ring_t *ring) {
    if (!ring) return set_error(SHMRING_EINVALID, "ring is NULL");
    struct control *c = ring->control;
    /* SYNC(tail-claim): pairs with the cas_seq_cst in claim_slots. */
    uint64_t tail = load_seq_cst(&c->tail);
    uint64_t floor = load_seq_cst(&c->skip_floor);
    /* Raise the floor, never lower it; readers apply it at their next
     * read. SYNC(skip-floor): pairs with load_seq_cst in past_skip_floor. */
    while (seq_diff(tail, floor) > 0 &&
           !cas_seq_cst(&c->skip_floor, &floor, tail)) {
    }
    /* Writers waiting on readers that are now skipped may go on. */
    wake_all(&c->space_wait);
    return SHMRING_OK;
}
