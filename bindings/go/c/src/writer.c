/*
 * writer.c -- writers: open and close, write and write_batch, and
 * reserve, commit and abort: claiming, filling and publishing slots.
 *
 * A writer claims k sequences with one CAS on tail, after checking against
 * its cached reader gate that they are free (the Disruptor's tryNext: a
 * claim is never made that would have to wait). It marks each slot
 * "writing" (begin_slot), fills it, and publishes it with a seq_cst store
 * of its stamp (publish_slot). Writers never wait for each other: each
 * publishes only its own slots. A writer records each claim in its entry
 * before making it, for recovery.c; one held back for SHM_REAP_AFTER_NS
 * looks for dead readers, or for dead writers of the slot it would lap.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "slots.h"

SHMRING_API int shmring_writer_open(shmring_ring_t *ring,
                                    shmring_writer_t **writer_out) {
    if (!ring || !writer_out) {
        return set_error(SHMRING_EINVALID, "ring or writer_out is NULL");
    }
    *writer_out = NULL;
    shmring_writer_t *w = calloc(1, sizeof *w);
    if (!w) return set_error(SHMRING_ENOMEM, "cannot allocate writer");
    int rc = registry_add_writer(ring, &w->entry);
    if (rc != SHMRING_OK) {
        free(w);
        return rc;
    }
    w->ring = ring;
    /* SYNC(tail-claim): pairs with the cas_seq_cst in claim_slots; a gate
     * cache no newer than tail is a valid lower bound of every gate. */
    w->gate_cache = min_reader_gate(ring, load_seq_cst(&ring->control->tail));
    spinner_init(&w->spin);
    interrupt_init(&w->interrupt, &ring->control->space_wait, NULL);
    *writer_out = w;
    return SHMRING_OK;
}

/* How many of the k slots from sequence `first` on hold a published
 * previous message. Readers' gates never pass an unpublished message, but
 * a gate can be past one (no gating reader, only lossy ones, or an idle
 * reader gated at skip_floor), and a writer must never lap a slot whose
 * claimer has not published it yet: not begun (the stamp is still from the
 * lap before), or being filled. */
static uint32_t reusable_prefix(const shmring_ring_t *ring, uint64_t first,
                                uint32_t k) {
    uint64_t initial = ring->header->initial_sequence;
    for (uint32_t i = 0; i < k; i++) {
        uint64_t previous = first + i - ring->array_slots;
        if (seq_diff(previous, initial) < 0) continue; /* first lap */
        /* SYNC(slot-published): pairs with store_seq_cst(stamp) in
         * publish_slot: the other writer's payload happens before ours. */
        uint64_t stamp = load_acquire(&slot_at(ring, first + i)->stamp);
        /* A newer stamp: our tail is stale, the CAS will fail anyway. */
        if (stamp != stamp_published(previous) &&
            stamp_distance(stamp, previous) <= 0) {
            return i;
        }
    }
    return k;
}

/* The ring is full: free the entries of readers whose processes are gone
 * (they can hold writers back forever). */
static void reap_if_stuck(shmring_writer_t *w) {
    if (stuck_timer_due(&w->stuck, 0) && reap_dead_readers(w->ring) > 0) {
        /* SYNC(tail-claim): pairs with the cas_seq_cst in claim_slots. */
        w->gate_cache = min_reader_gate(w->ring,
                                        load_seq_cst(&w->ring->control->tail));
    }
}

/* Forget the claim record (recovery.c): nothing of ours is unpublished. */
static void clear_claim(shmring_writer_t *w) {
    /* SYNC(claim-record): release, after the stamps it covered were
     * published; pairs with load_acquire(claim) in oldest_live_claim. */
    store_release(&w->entry->claim, 0);
}

static int claim_failed(shmring_writer_t *w, int status) {
    clear_claim(w);
    return status;
}

/* Claim up to want free sequences. SHMRING_EFULL when none is free. */
static int claim_slots(shmring_writer_t *w, uint32_t want, uint64_t *first,
                       uint32_t *got) {
    shmring_ring_t *ring = w->ring;
    struct control *c = ring->control;
    /* Relaxed: an early exit only; the check after the claim decides. */
    if (load_relaxed(&c->closed)) {
        return claim_failed(w, set_outcome(SHMRING_ECLOSED));
    }
    /* SYNC(tail-claim): seq_cst, not relaxed, although the CAS below
     * validates the value: the gate scan that follows must not see a tail
     * newer than a joining reader's second tail read (J-c) unless it also
     * sees that reader (docs/algorithm.md, "Joining and leaving"). */
    uint64_t tail = load_seq_cst(&c->tail);
    for (;;) {
        int64_t used = seq_diff(tail, w->gate_cache);
        if (used >= (int64_t)ring->capacity) {
            w->gate_cache = min_reader_gate(ring, tail);
            used = seq_diff(tail, w->gate_cache);
            if (used >= (int64_t)ring->capacity) {
                reap_if_stuck(w);
                return claim_failed(w, SHMRING_EFULL);
            }
        }
        uint64_t space = ring->capacity - (uint64_t)used;
        uint32_t k = want < space ? want : (uint32_t)space;
        k = reusable_prefix(ring, tail, k);
        if (k == 0) {
            /* Lapping a slot nobody publishes: its writer may be dead.
             * Our own stale record must not hold the recovery back. */
            clear_claim(w);
            if (stuck_timer_due(&w->stuck, 0)) {
                recover_abandoned(ring, tail - ring->array_slots);
            }
            return SHMRING_EFULL;
        }
        /* Record the claim before making it. SYNC(claim-record): the CAS
         * below publishes it to a recoverer's load of tail; release, so a
         * recoverer reading it also sees our earlier claims' stamps. */
        store_release(&w->entry->claim, stamp_writing(tail));
        /* SYNC(tail-claim), SYNC(claim-record): pairs with load_seq_cst(tail)
         * in registry_add_reader, stream_ended_at and recover_abandoned,
         * which then see the claim record stored above. */
        if (cas_seq_cst(&c->tail, &tail, tail + k)) {
            *first = tail;
            *got = k;
            stuck_timer_reset(&w->stuck);
            break;
        }
    }
    for (uint32_t i = 0; i < *got; i++) begin_slot(ring, *first + i);
    /* SYNC(stream-closed): pairs with store_seq_cst in end_stream. A claim
     * made after the stream ended is published as skipped. */
    if (load_seq_cst(&c->closed)) {
        for (uint32_t i = 0; i < *got; i++) {
            publish_slot(ring, *first + i, 0, SHM_SLOT_SKIP);
        }
        clear_claim(w);
        wake_waiters(&c->data_wait);
        return set_outcome(SHMRING_ECLOSED);
    }
    return SHMRING_OK;
}

static void count_published(shmring_writer_t *w, uint64_t messages,
                            uint64_t bytes) {
    /* Relaxed: statistics with a single writer (this handle). */
    store_relaxed(&w->entry->messages, load_relaxed(&w->entry->messages) + messages);
    store_relaxed(&w->entry->bytes, load_relaxed(&w->entry->bytes) + bytes);
}

struct batch_job {
    shmring_writer_t *writer;
    const void *const *datas;
    const uint64_t *lengths;
    uint32_t count;
    uint32_t written;
};

static int write_attempt(void *context) {
    struct batch_job *job = context;
    shmring_writer_t *w = job->writer;
    shmring_ring_t *ring = w->ring;
    uint64_t first;
    uint32_t got;
    int rc = claim_slots(w, job->count, &first, &got);
    if (rc != SHMRING_OK) return rc;
    uint64_t bytes = 0;
    for (uint32_t i = 0; i < got; i++) {
        uint64_t n = job->lengths[i];
        if (n) memcpy(slot_payload(slot_at(ring, first + i)), job->datas[i], n);
        publish_slot(ring, first + i, n, 0);
        bytes += n;
    }
    clear_claim(w);
    wake_waiters(&ring->control->data_wait);
    count_published(w, got, bytes);
    job->written = got;
    return SHMRING_OK;
}

static int check_writer(const shmring_writer_t *w) {
    if (!w) return set_error(SHMRING_EINVALID, "writer is NULL");
    if (w->reserved) {
        return set_error(SHMRING_EINVALID,
                         "a reservation is open: commit or abort it first");
    }
    return SHMRING_OK;
}

static int check_message(const shmring_writer_t *w, const void *data,
                         uint64_t length) {
    if (length > w->ring->slot_bytes) {
        return set_error(SHMRING_ETOO_LARGE,
                         "message of %llu bytes exceeds slot_bytes %llu",
                         (unsigned long long)length,
                         (unsigned long long)w->ring->slot_bytes);
    }
    if (!data && length) return set_error(SHMRING_EINVALID, "data is NULL");
    return SHMRING_OK;
}

static int write_batch_by(shmring_writer_t *w, const void *const *datas,
                          const uint64_t *lengths, uint32_t count,
                          uint32_t *written_out, struct deadline deadline) {
    int rc = check_writer(w);
    if (rc != SHMRING_OK) return rc;
    if (written_out) *written_out = 0;
    if (count == 0) return SHMRING_OK;
    if (!datas || !lengths) {
        return set_error(SHMRING_EINVALID, "datas or lengths is NULL");
    }
    for (uint32_t i = 0; i < count; i++) {
        if ((rc = check_message(w, datas[i], lengths[i])) != SHMRING_OK) {
            return rc;
        }
    }
    struct batch_job job = {w, datas, lengths, count, 0};
    rc = wait_until_ready(write_attempt, &job, SHMRING_EFULL,
                          &w->ring->control->space_wait, &deadline,
                          &w->spin, &w->entry->waits, &w->interrupt);
    if (written_out) *written_out = job.written;
    if (rc == SHMRING_EFULL) set_outcome(rc);
    return rc;
}

/* Each blocking write in both forms: a relative timeout, an absolute
 * deadline. */
SHMRING_API int shmring_write_batch(shmring_writer_t *w,
                                    const void *const *datas,
                                    const uint64_t *lengths, uint32_t count,
                                    uint32_t *written_out, int64_t timeout_ns) {
    return write_batch_by(w, datas, lengths, count, written_out,
                          deadline_in(timeout_ns));
}

SHMRING_API int shmring_write_batch_until(shmring_writer_t *w,
                                          const void *const *datas,
                                          const uint64_t *lengths,
                                          uint32_t count, uint32_t *written_out,
                                          int64_t deadline_ns) {
    return write_batch_by(w, datas, lengths, count, written_out,
                          deadline_at(deadline_ns));
}

SHMRING_API int shmring_write(shmring_writer_t *w, const void *data,
                              uint64_t length, int64_t timeout_ns) {
    return write_batch_by(w, &data, &length, 1, NULL, deadline_in(timeout_ns));
}

SHMRING_API int shmring_write_until(shmring_writer_t *w, const void *data,
                                    uint64_t length, int64_t deadline_ns) {
    return write_batch_by(w, &data, &length, 1, NULL,
                          deadline_at(deadline_ns));
}

SHMRING_API int shmring_try_write(shmring_writer_t *w, const void *data,
                                  uint64_t length) {
    return write_batch_by(w, &data, &length, 1, NULL, deadline_in(0));
}

static int reserve_attempt(void *context) {
    shmring_writer_t *w = context;
    uint32_t got;
    return claim_slots(w, 1, &w->reserved_sequence, &got);
}

int reserve_by(shmring_writer_t *w, void **slot_out,
               const struct deadline *deadline) {
    int rc = check_writer(w);
    if (rc != SHMRING_OK) return rc;
    if (!slot_out) return set_error(SHMRING_EINVALID, "slot_out is NULL");
    rc = wait_until_ready(reserve_attempt, w, SHMRING_EFULL,
                          &w->ring->control->space_wait, deadline,
                          &w->spin, &w->entry->waits, &w->interrupt);
    if (rc == SHMRING_EFULL) set_outcome(rc);
    if (rc != SHMRING_OK) return rc;
    w->reserved = 1;
    *slot_out = slot_payload(slot_at(w->ring, w->reserved_sequence));
    return SHMRING_OK;
}

SHMRING_API int shmring_reserve(shmring_writer_t *w, void **slot_out,
                                int64_t timeout_ns) {
    struct deadline deadline = deadline_in(timeout_ns);
    return reserve_by(w, slot_out, &deadline);
}

SHMRING_API int shmring_reserve_until(shmring_writer_t *w, void **slot_out,
                                      int64_t deadline_ns) {
    struct deadline deadline = deadline_at(deadline_ns);
    return reserve_by(w, slot_out, &deadline);
}

static int finish_reservation(shmring_writer_t *w, uint64_t length,
                              uint32_t flags) {
    publish_slot(w->ring, w->reserved_sequence, length, flags);
    clear_claim(w);
    wake_waiters(&w->ring->control->data_wait);
    w->reserved = 0;
    return SHMRING_OK;
}

SHMRING_API int shmring_commit(shmring_writer_t *w, uint64_t length) {
    if (!w || !w->reserved) {
        return set_error(SHMRING_EINVALID, "no reservation to commit");
    }
    if (length > w->ring->slot_bytes) {
        return set_error(SHMRING_ETOO_LARGE,
                         "commit of %llu bytes exceeds slot_bytes %llu; the "
                         "reservation is still open",
                         (unsigned long long)length,
                         (unsigned long long)w->ring->slot_bytes);
    }
    count_published(w, 1, length);
    return finish_reservation(w, length, 0);
}

SHMRING_API int shmring_abort(shmring_writer_t *w) {
    if (!w || !w->reserved) {
        return set_error(SHMRING_EINVALID, "no reservation to abort");
    }
    /* Relaxed: a statistic with a single writer (this handle). */
    store_relaxed(&w->entry->aborted, load_relaxed(&w->entry->aborted) + 1);
    return finish_reservation(w, 0, SHM_SLOT_SKIP);
}

SHMRING_API int shmring_writer_close(shmring_writer_t *w) {
    if (!w) return set_error(SHMRING_EINVALID, "writer is NULL");
    if (w->reserved) shmring_abort(w);
    int rc = registry_remove_writer(w->ring, w->entry);
    free(w);
    return rc;
}
