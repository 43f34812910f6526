/*
 * reader.c -- readers: open and close, the read, peek and release calls,
 * skip_to_latest and position, for the three kinds of reader.
 *
 *   broadcast  position in its entry gates writers; sees every message.
 *   member     takes the next sequences of its group with a CAS on
 *              group.next; what it holds gates writers until it is done.
 *   lossy      gates nobody; checks each copy with the slot stamp as a
 *              seqlock and jumps ahead when a writer has lapped it.
 *
 * Every read first collects a batch of views of consecutive published
 * slots (collect_batch), then copies them out or hands them to the caller,
 * then advances (reader_advance / group release) and wakes writers.
 * What a peer scribbled (a slot's length or stamp, a group's cursor) is
 * SHMRING_ECORRUPT and passed over; a member redelivers what dead members
 * of its group held (orphans.c); a reader that finds nothing for
 * SHM_REAP_AFTER_NS recovers dead writers' slots (recovery.c).
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "slots.h"

#if defined(__SANITIZE_THREAD__)
/* A lossy reader's copy may race with a writer by design; the seqlock
 * check after the copy discards what a race touched. */
void AnnotateIgnoreReadsBegin(const char *file, int line);
void AnnotateIgnoreReadsEnd(const char *file, int line);
#define RACY_COPY_BEGIN() AnnotateIgnoreReadsBegin(__FILE__, __LINE__)
#define RACY_COPY_END() AnnotateIgnoreReadsEnd(__FILE__, __LINE__)
#else
#define RACY_COPY_BEGIN() ((void)0)
#define RACY_COPY_END() ((void)0)
#endif

SHMRING_API int shmring_reader_open(shmring_ring_t *ring, const char *group,
                                    uint32_t flags,
                                    shmring_reader_t **reader_out) {
    if (!ring || !reader_out) {
        return set_error(SHMRING_EINVALID, "ring or reader_out is NULL");
    }
    *reader_out = NULL;
    if (flags & ~SHMRING_READER_LOSSY) {
        return set_error(SHMRING_EINVALID, "unknown reader flags 0x%x", flags);
    }
    uint32_t kind = SHM_READER_BROADCAST;
    if (group) {
        size_t n = strlen(group);
        if (n == 0 || n >= SHM_GROUP_NAME_BYTES) {
            return set_error(SHMRING_EINVALID,
                             "group name must be 1..%u bytes",
                             SHM_GROUP_NAME_BYTES - 1);
        }
        if (flags & SHMRING_READER_LOSSY) {
            return set_error(SHMRING_EINVALID,
                             "a group member cannot be lossy");
        }
        kind = SHM_READER_GROUP_MEMBER;
    } else if (flags & SHMRING_READER_LOSSY) {
        kind = SHM_READER_LOSSY;
    }
    shmring_reader_t *r = calloc(1, sizeof *r);
    if (!r) return set_error(SHMRING_ENOMEM, "cannot allocate reader");
    int rc = registry_add_reader(ring, kind, group, &r->entry, &r->group);
    if (rc != SHMRING_OK) {
        free(r);
        return rc;
    }
    r->ring = ring;
    r->kind = kind;
    /* Relaxed: this process wrote it under the registry lock. */
    r->position = load_relaxed(&r->entry->position);
    spinner_init(&r->spin);
    interrupt_init(&r->interrupt, &ring->control->data_wait, NULL);
    /* After the entry's seq_cst ACTIVE store: a producer waiting for
     * readers counts this one or is woken (join.c). */
    wake_waiters(&ring->control->join_wait);
    *reader_out = r;
    return SHMRING_OK;
}

SHMRING_API int shmring_reader_close(shmring_reader_t *r) {
    if (!r) return set_error(SHMRING_EINVALID, "reader is NULL");
    int rc = registry_remove_reader(r->ring, r->entry, r->group);
    free(r->scratch_datas);
    free(r->scratch_sequences);
    free(r);
    return rc;
}

/* Room for n views in the reader's scratch arrays. */
static int reserve_scratch(shmring_reader_t *r, uint32_t n) {
    if (n <= r->scratch_capacity) return SHMRING_OK;
    const void **datas = realloc(r->scratch_datas, n * sizeof *datas);
    if (datas) r->scratch_datas = datas;
    uint64_t *sequences = realloc(r->scratch_sequences, n * sizeof *sequences);
    if (sequences) r->scratch_sequences = sequences;
    if (!datas || !sequences) {
        return set_error(SHMRING_ENOMEM, "cannot allocate a batch of %u", n);
    }
    r->scratch_capacity = n;
    return SHMRING_OK;
}

/* ---- collecting views -------------------------------------------------- */

struct batch {
    const void **datas;       /* out: views */
    uint64_t *lengths;        /* out */
    uint64_t *sequences;      /* out, lossy validation */
    uint32_t max_count;
    uint64_t capacity;        /* bytes the caller can take */
    uint32_t count;           /* messages collected */
    uint64_t span;            /* sequences covered, skipped slots included */
    uint64_t bytes;
    uint64_t first_length;    /* when the first message does not fit */
    int lapped;               /* the first slot holds a newer sequence */
    uint64_t lapped_stamp;    /* that slot's stamp */
    /* The slot after the batch claims a length over slot_bytes (confirmed
     * against its stamp): a peer scribbled it, and it is never handed out. */
    int bad_length;
    uint64_t bad_length_value;
};

/* 1 if the slot's stamp is no longer `stamp` (noting a lap), else 0. A
 * lossy reader's slot can be rewritten under it, so what it read from the
 * slot header after the stamp (flags, length) is only acted on once the
 * stamp is confirmed. */
static int slot_rewritten(const struct slot_header *slot, uint64_t stamp,
                          uint64_t s, struct batch *b) {
    /* SYNC(seqlock): pairs with seqlock_fence_release in begin_slot.
     * Relaxed: ordered after the header reads by the fence. */
    seqlock_fence_acquire();
    uint64_t again = load_relaxed(&slot->stamp);
    if (again == stamp) return 0;
    b->lapped = b->span == 0 && stamp_distance(again, s) > 0;
    b->lapped_stamp = again;
    return 1;
}

/* Collect views of consecutive published slots in [from, from + limit). */
static void collect_batch(const shmring_ring_t *ring, uint64_t from,
                          uint64_t limit, struct batch *b) {
    b->count = 0;
    b->span = 0;
    b->bytes = 0;
    b->lapped = 0;
    b->first_length = 0;
    b->bad_length = 0;
    if (limit > ring->array_slots) limit = ring->array_slots;
    while (b->count < b->max_count && b->span < limit) {
        uint64_t s = from + b->span;
        struct slot_header *slot = slot_at(ring, s);
        /* SYNC(slot-published): pairs with store_seq_cst(stamp) in
         * publish_slot; seq_cst for the re-check after registering as a
         * waiter (wait.c W3). */
        uint64_t stamp = load_seq_cst(&slot->stamp);
        if (stamp != stamp_published(s)) {
            b->lapped = b->span == 0 && stamp_distance(stamp, s) > 0;
            b->lapped_stamp = stamp;
            return;
        }
        /* Relaxed: published by the stamp load above. */
        uint32_t flags = load_relaxed(&slot->flags);
        uint64_t length = load_relaxed(&slot->length);
        if (flags & SHM_SLOT_SKIP) {
            /* The flags of a newer, aborted message would make this one
             * look skipped: lost, and not counted as missed. */
            if (slot_rewritten(slot, stamp, s, b)) return;
            b->span++;
            continue;
        }
        if (length > ring->slot_bytes) {
            /* A lossy reader's length may be a newer message's torn by a
             * rewrite: only a length that was current is corrupt. */
            if (!slot_rewritten(slot, stamp, s, b)) {
                b->bad_length = 1;
                b->bad_length_value = length;
            }
            return;
        }
        if (b->bytes + length > b->capacity) {
            /* Report only a length that was current. */
            if (b->count == 0 && !slot_rewritten(slot, stamp, s, b)) {
                b->first_length = length;
            }
            return;
        }
        b->datas[b->count] = slot_payload(slot);
        b->lengths[b->count] = length;
        b->sequences[b->count] = s;
        b->bytes += length;
        b->count++;
        b->span++;
    }
}

/* End of stream for a reader at `position`: closed, and nothing claimed
 * beyond it. SYNC(stream-closed): pairs with store_seq_cst in end_stream
 * and with the writer's post-claim check in claim_slots. */
static int stream_ended_at(const shmring_ring_t *ring, uint64_t position) {
    if (!load_seq_cst(&ring->control->closed)) return 0;
    /* SYNC(tail-claim): pairs with the cas_seq_cst in claim_slots. */
    return seq_diff(load_seq_cst(&ring->control->tail), position) <= 0;
}

/* The later of position and skip_floor (skip_all_to_latest). */
static uint64_t past_skip_floor(const shmring_reader_t *r, uint64_t position) {
    /* SYNC(skip-floor): pairs with the cas_seq_cst in
     * shmring_skip_all_to_latest. seq_cst, not just acquire: it must not be
     * ordered before our earlier seq_cst busy store (SYNC(reader-busy)). */
    uint64_t floor = load_seq_cst(&r->ring->control->skip_floor);
    return seq_diff(floor, position) > 0 ? floor : position;
}

/* Apply skip_all_to_latest to a reader's own position. */
static void apply_skip_floor(shmring_reader_t *r, uint64_t *position) {
    uint64_t floor = past_skip_floor(r, *position);
    r->missed += floor - *position;
    *position = floor;
}

/* Move a group past skip_floor; the member whose CAS does it counts the
 * skipped messages, so they are counted once. */
static void skip_group(shmring_reader_t *r, uint64_t next, uint64_t floor) {
    /* SYNC(group-next): pairs with load_seq_cst(next) in min_reader_gate
     * and in other members. */
    if (cas_seq_cst(&r->group->next, &next, floor)) r->missed += floor - next;
}

/* Nothing to read at `position`. After SHM_REAP_AFTER_NS of that, the
 * writer that claimed it (or every writer) may have died: free dead
 * writers' entries and recover what they left unpublished. Only this path
 * pays for the clock: a reader with messages never gets here. */
static int watch_stuck(shmring_reader_t *r, uint64_t position) {
    if (!stuck_timer_due(&r->stuck, position)) return 0;
    recover_abandoned(r->ring, position);
    /* An idle group may have a dead member whose messages wait. */
    if (r->kind == SHM_READER_GROUP_MEMBER) reap_dead_readers(r->ring);
    return 1;
}

/* ---- advancing ----------------------------------------------------------- */

static void count_delivered(shmring_reader_t *r, uint32_t count) {
    /* Relaxed: statistics with a single writer (this handle). */
    store_relaxed(&r->entry->messages, load_relaxed(&r->entry->messages) + count);
    store_relaxed(&r->entry->missed, r->missed);
    store_relaxed(&r->entry->redelivered, r->redelivered);
}

/* Broadcast and lossy readers: move the position past a batch. */
static void reader_advance(shmring_reader_t *r, uint64_t position) {
    r->position = position;
    if (r->kind == SHM_READER_BROADCAST) {
        /* SYNC(reader-progress): pairs with load_seq_cst(position) in
         * min_reader_gate; seq_cst for the store-load pair with
         * space_wait (wait.c K1). */
        store_seq_cst(&r->entry->position, position);
        wake_waiters(&r->ring->control->space_wait);
    } else {
        /* Relaxed: a lossy position is information only. */
        store_relaxed(&r->entry->position, position);
    }
}

/* A member is done with the batch it took: `span` sequences, `count`
 * messages. */
static void member_release(shmring_reader_t *r, uint64_t span, uint32_t count) {
    if (r->from_adopted) {
        struct reader_entry *o = r->adopted;
        r->from_adopted = 0;
        r->redelivered += count;
        /* Relaxed load: ours since the adoption. SYNC(member-holding):
         * release, after our reads of the slots; pairs with
         * load_acquire(holding) in min_reader_gate. */
        uint64_t holding = load_relaxed(&o->holding) + span;
        store_release(&o->holding, holding);
        /* Relaxed: written once, before the hold was marked busy. */
        if (seq_diff(load_relaxed(&o->holding_end), holding) <= 0) {
            orphans_release_adopted(r->ring, r->entry, o);
            r->adopted = NULL;
        }
    } else {
        /* SYNC(member-holding): pairs with load_seq_cst(holding_busy) in
         * min_reader_gate; seq_cst for the pair with space_wait. */
        store_seq_cst(&r->entry->holding_busy, 0);
    }
    wake_waiters(&r->ring->control->space_wait);
}

/* ---- slots and cursors a peer scribbled ---------------------------------- */

/* Every process that maps the ring can write any byte of it. What a reader
 * finds impossible there is SHMRING_ECORRUPT, and the reader passes over
 * the message it cannot deliver (counted as missed), so that its next read
 * goes on and writers are not held back behind it. */

static int bad_length_error(const shmring_reader_t *r, uint64_t sequence,
                            const struct batch *b) {
    return set_error(SHMRING_ECORRUPT,
                     "the slot of sequence %llu claims a message of %llu "
                     "bytes, more than slot_bytes %llu: the segment was "
                     "written by something else; the message is skipped",
                     (unsigned long long)sequence,
                     (unsigned long long)b->bad_length_value,
                     (unsigned long long)r->ring->slot_bytes);
}

/* A broadcast or lossy reader passes over the message at `position`. */
static int own_pass_corrupt(shmring_reader_t *r, uint64_t position) {
    r->missed++;
    reader_advance(r, position + 1);
    count_delivered(r, 0);
    return SHMRING_ECORRUPT;
}

/* A member moves its group's cursor from `from` to `to` over what cannot
 * be delivered. 0 if another member moved it first (look again). */
static int member_pass_corrupt(shmring_reader_t *r, uint64_t from,
                               uint64_t to) {
    /* SYNC(group-next): pairs with load_seq_cst(next) in min_reader_gate
     * and in other members. */
    if (!cas_seq_cst(&r->group->next, &from, to)) return 0;
    if (seq_diff(to, from) > 0) r->missed += to - from;
    count_delivered(r, 0);
    return 1;
}

/* The slot at the group's cursor `next` holds a newer sequence. That is a
 * race when other members moved the cursor on, or skip_floor passed it:
 * 0, look again. Otherwise the group's gate kept writers off that slot, so
 * tail <= next + capacity, and a newer stamp is impossible: either the
 * cursor or the stamp was scribbled. 1: passed over it (error set). */
static int member_found_lapped(shmring_reader_t *r, uint64_t next,
                               uint64_t stamp) {
    /* SYNC(tail-claim): pairs with the cas_seq_cst in claim_slots. Tail
     * first: next and the floor read after it were so when tail was. */
    uint64_t tail = load_seq_cst(&r->ring->control->tail);
    /* SYNC(group-next): pairs with the cas_seq_cst in member_take. */
    if (load_seq_cst(&r->group->next) != next) return 0;
    if (past_skip_floor(r, next) != next) return 0;
    if (seq_diff(tail, next) > (int64_t)r->ring->capacity) {
        set_error(SHMRING_ECORRUPT,
                  "the group is at sequence %llu, more than a lap behind "
                  "the next sequence %llu: its cursor was written by "
                  "something else; the group goes on from %llu",
                  (unsigned long long)next, (unsigned long long)tail,
                  (unsigned long long)tail);
        return member_pass_corrupt(r, next, tail);
    }
    set_error(SHMRING_ECORRUPT,
              "the slot of sequence %llu holds the stamp of sequence %llu, "
              "which its group's gate cannot allow: it was written by "
              "something else; the message is skipped",
              (unsigned long long)next, (unsigned long long)(stamp >> 1));
    return member_pass_corrupt(r, next, next + 1);
}

/* A member idle at `next` for a while: a cursor ahead of tail (where
 * members never put it) was scribbled, and would starve the group until
 * writers reach it. 1: moved back to tail (error set). */
static int member_cursor_ahead(shmring_reader_t *r, uint64_t next) {
    /* SYNC(tail-claim): pairs with the cas_seq_cst in claim_slots; read
     * after next, so a correct next is never ahead of it. */
    uint64_t tail = load_seq_cst(&r->ring->control->tail);
    if (seq_diff(next, tail) <= 0) return 0;
    set_error(SHMRING_ECORRUPT,
              "group cursor at sequence %llu is ahead of the next sequence "
              "%llu: it was written by something else; the group goes on "
              "from %llu",
              (unsigned long long)next, (unsigned long long)tail,
              (unsigned long long)tail);
    return member_pass_corrupt(r, next, tail);
}

/* Redeliver what dead members of our group had taken: the hold we adopted,
 * else one that waits for a member. SHMRING_EEMPTY: nothing of that kind. */
static int take_orphaned(shmring_reader_t *r, struct batch *b) {
    for (;;) {
        if (!r->adopted) {
            /* SYNC(orphans): pairs with the fetch_add in
             * orphans_keep_hold_locked. */
            if (load_seq_cst(&r->group->orphans) == 0) return SHMRING_EEMPTY;
            r->adopted = orphans_adopt(r->ring, r->entry, r->group);
            if (!r->adopted) return SHMRING_EEMPTY;
        }
        struct reader_entry *o = r->adopted;
        /* Relaxed: ours since the adoption under the registry lock. */
        uint64_t first = load_relaxed(&o->holding);
        int64_t left = seq_diff(load_relaxed(&o->holding_end), first);
        if (left > 0) {
            collect_batch(r->ring, first, (uint64_t)left, b);
            if (b->count > 0) {
                r->from_adopted = 1;
                return SHMRING_OK;
            }
            if (b->first_length) return SHMRING_ETOO_LARGE;
            if (b->bad_length) { /* after b->span skipped slots */
                bad_length_error(r, first + b->span, b);
                r->missed++;
                r->from_adopted = 1;
                member_release(r, b->span + 1, 0);
                return SHMRING_ECORRUPT;
            }
            if (b->span > 0) { /* only skipped slots */
                r->from_adopted = 1;
                member_release(r, b->span, 0);
                continue;
            }
        }
        /* Drained, or its slots were reused (a hold marked by a member that
         * died before its take succeeded, so others took them): done. */
        orphans_release_adopted(r->ring, r->entry, o);
        r->adopted = NULL;
    }
}

/* Times a member at the end of the stream looks for orphans again. */
#define END_LOOKS_MAX 64u

/* At end of stream, members that died holding messages may not have been
 * found yet (no writer waits any more): look once, so their messages are
 * redelivered before this member reports the end. 1: orphans to take. */
static int orphans_at_end(shmring_reader_t *r) {
    if (r->end_looks == 0) reap_dead_readers(r->ring);
    /* Bounded: an adoption that cannot get the registry lock (its holder
     * stopped) must not keep this member from ever reporting the end. */
    if (r->end_looks++ >= END_LOOKS_MAX) return 0;
    /* SYNC(orphans): pairs with the fetch_add in orphans_keep_hold_locked. */
    return load_seq_cst(&r->group->orphans) > 0;
}

/* ---- taking a batch: one attempt per kind -------------------------------- */

/* A group member takes the batch at group.next with a CAS. */
static int member_take(shmring_reader_t *r, struct batch *b) {
    struct group_entry *g = r->group;
    for (;;) {
        int rc = take_orphaned(r, b);
        if (rc != SHMRING_EEMPTY) return rc;
        /* SYNC(group-next): pairs with the cas_seq_cst on next in
         * member_take (below, made by the other members). */
        uint64_t next = load_seq_cst(&g->next);
        uint64_t floor = past_skip_floor(r, next);
        if (floor != next) {
            skip_group(r, next, floor);
            continue;
        }
        collect_batch(r->ring, next, r->ring->array_slots, b);
        if (b->span == 0) {
            if (b->first_length) return SHMRING_ETOO_LARGE;
            if (b->bad_length) {
                bad_length_error(r, next, b);
                if (member_pass_corrupt(r, next, next + 1)) {
                    return SHMRING_ECORRUPT;
                }
                continue;
            }
            if (b->lapped) {
                if (member_found_lapped(r, next, b->lapped_stamp)) {
                    return SHMRING_ECORRUPT;
                }
                continue;
            }
            if (stream_ended_at(r->ring, next)) {
                if (orphans_at_end(r)) continue;
                return SHMRING_ECLOSED;
            }
            if (watch_stuck(r, next) && member_cursor_ahead(r, next)) {
                return SHMRING_ECORRUPT;
            }
            return SHMRING_EEMPTY;
        }
        /* Mark what we are about to hold before taking it, so a writer
         * that sees group.next moved also sees the hold.
         * SYNC(member-holding): both pair with the writer's loads in
         * min_reader_gate. holding is a release store: a writer may read
         * busy = 1 from our previous hold and this newer holding; it must
         * then also see that we are done reading the previous one. */
        store_release(&r->entry->holding, next);
        /* Relaxed: published by the busy store; read by a reaper that
         * keeps the hold of a member that died (orphans.c). */
        store_relaxed(&r->entry->holding_end, next + b->span);
        store_seq_cst(&r->entry->holding_busy, 1); /* SYNC(member-holding) */
        /* Writers let a group's gate jump to skip_floor; if it has passed
         * next, what we collected may be reused: skip to it instead.
         * SYNC(reader-busy): as in begin_reading. */
        floor = past_skip_floor(r, next);
        if (floor != next) {
            member_release(r, 0, 0);
            skip_group(r, next, floor);
            continue;
        }
        /* SYNC(group-next): pairs with load_seq_cst(next) in
         * min_reader_gate and in other members. */
        if (cas_seq_cst(&g->next, &next, next + b->span)) {
            if (b->count > 0) return SHMRING_OK;
            member_release(r, 0, 0); /* only skipped slots: look again */
            continue;
        }
        member_release(r, 0, 0);
    }
}

/* Broadcast readers flag the span of a read (take to copy or release), so
 * that writers apply skip_floor to their gate only while they are idle.
 * SYNC(reader-busy): pairs with load_seq_cst(holding_busy) in
 * min_reader_gate: either that writer sees the flag, or our load of
 * skip_floor in past_skip_floor (after this store) sees its floor. */
static void begin_reading(shmring_reader_t *r) {
    if (r->kind == SHM_READER_BROADCAST) store_seq_cst(&r->entry->holding_busy, 1);
}

static void end_reading(shmring_reader_t *r) {
    /* SYNC(reader-busy): release, after the position store that ends the
     * read; pairs with load_seq_cst(holding_busy) in min_reader_gate. */
    if (r->kind == SHM_READER_BROADCAST) store_release(&r->entry->holding_busy, 0);
}

/* Jumps a lossy reader makes within one call before the ring counts as
 * corrupt: after log2(array_slots) <= 31 jumps it is at tail - 1, where
 * writers lap it only by claiming a whole lap between two of its loads;
 * a hundred times in a row is not a race. */
#define LOSSY_MAX_JUMPS 128u

/* A broadcast or lossy reader views the batch at its own position. */
static int own_collect(shmring_reader_t *r, struct batch *b) {
    uint64_t position = r->position;
    apply_skip_floor(r, &position);
    for (uint32_t attempt = 0;; attempt++) {
        collect_batch(r->ring, position, r->ring->array_slots, b);
        if (!b->lapped) break;
        if (r->kind != SHM_READER_LOSSY) {
            /* Its gate kept writers off the slot. */
            set_error(SHMRING_ECORRUPT,
                      "the slot of sequence %llu holds the stamp of sequence "
                      "%llu before this reader read it: it was written by "
                      "something else; the message is skipped",
                      (unsigned long long)position,
                      (unsigned long long)(b->lapped_stamp >> 1));
            return own_pass_corrupt(r, position);
        }
        /* Lapped: jump to the oldest message still in the ring, closer
         * to the head on each retry while writers keep lapping us.
         * SYNC(tail-claim): pairs with the cas_seq_cst in claim_slots. */
        uint64_t tail = load_seq_cst(&r->ring->control->tail);
        /* A stamp names a sequence of its own slot; and a reader lapped
         * again and again at tail - 1 (where the jumps end) is reading
         * garbage, not racing writers. */
        uint64_t stamped = b->lapped_stamp >> 1;
        if ((stamped & r->ring->slot_mask) != (position & r->ring->slot_mask) ||
            attempt >= LOSSY_MAX_JUMPS) {
            set_error(SHMRING_ECORRUPT,
                      "the slot of sequence %llu holds an impossible stamp "
                      "(%#llx): it was written by something else; the "
                      "message is skipped",
                      (unsigned long long)position,
                      (unsigned long long)b->lapped_stamp);
            return own_pass_corrupt(r, position);
        }
        uint64_t back = r->ring->array_slots >> (attempt < 63 ? attempt : 63);
        uint64_t oldest = tail - (back ? back : 1);
        if (seq_diff(oldest, position) > 0) {
            r->missed += oldest - position;
            position = oldest;
        }
    }
    if (position != r->position) reader_advance(r, position);
    if (b->span == 0) {
        if (b->first_length) return SHMRING_ETOO_LARGE;
        if (b->bad_length) {
            bad_length_error(r, position, b);
            return own_pass_corrupt(r, position);
        }
        if (stream_ended_at(r->ring, position)) return SHMRING_ECLOSED;
        watch_stuck(r, position);
        return SHMRING_EEMPTY;
    }
    if (b->count == 0) { /* only skipped slots */
        reader_advance(r, position + b->span);
        if (b->first_length) return SHMRING_ETOO_LARGE;
        return stream_ended_at(r->ring, position + b->span) ? SHMRING_ECLOSED
                                                            : SHMRING_EEMPTY;
    }
    return SHMRING_OK;
}

static int own_take(shmring_reader_t *r, struct batch *b) {
    begin_reading(r);
    int rc = own_collect(r, b);
    if (rc != SHMRING_OK) end_reading(r);
    return rc;
}

/* Lossy readers: keep the prefix of the batch whose slots still hold the
 * sequences they held when collected. */
static uint32_t lossy_validate(const shmring_reader_t *r, const struct batch *b) {
    /* SYNC(seqlock): pairs with seqlock_fence_release in begin_slot. */
    seqlock_fence_acquire();
    for (uint32_t i = 0; i < b->count; i++) {
        /* Relaxed: ordered after the copies by the fence above. */
        uint64_t stamp = load_relaxed(&slot_at(r->ring, b->sequences[i])->stamp);
        if (stamp != stamp_published(b->sequences[i])) return i;
    }
    return b->count;
}

/* ---- the public calls ------------------------------------------------------ */

struct read_job {
    shmring_reader_t *reader;
    struct batch batch;
    int copy;                 /* 0: peek, hold the views until release */
    uint8_t *buffer;          /* where a copy goes */
    uint64_t *first_length_out;
};

static int take(shmring_reader_t *r, struct batch *b) {
    return r->kind == SHM_READER_GROUP_MEMBER ? member_take(r, b)
                                              : own_take(r, b);
}

/* Copy a taken batch out and let it go. SHMRING_ELAPPED: a lossy reader
 * was lapped during the copy and must take again. */
static int copy_out(struct read_job *job) {
    shmring_reader_t *r = job->reader;
    struct batch *b = &job->batch;
    uint8_t *to = job->buffer;
    if (r->kind == SHM_READER_LOSSY) RACY_COPY_BEGIN();
    for (uint32_t i = 0; i < b->count; i++) {
        if (b->lengths[i]) {
            memcpy(to, b->datas[i], b->lengths[i]);
            to += b->lengths[i];
        }
    }
    if (r->kind == SHM_READER_LOSSY) RACY_COPY_END();
    if (r->kind == SHM_READER_GROUP_MEMBER) {
        member_release(r, b->span, b->count);
    } else if (r->kind == SHM_READER_LOSSY) {
        uint32_t valid = lossy_validate(r, b);
        if (valid == 0) return SHMRING_ELAPPED;
        b->count = valid;
        reader_advance(r, b->sequences[valid - 1] + 1);
    } else {
        reader_advance(r, r->position + b->span);
        end_reading(r);
    }
    count_delivered(r, b->count);
    return SHMRING_OK;
}

static int read_attempt(void *context) {
    struct read_job *job = context;
    shmring_reader_t *r = job->reader;
    for (;;) {
        int rc = take(r, &job->batch);
        if (rc == SHMRING_ETOO_LARGE) {
            *job->first_length_out = job->batch.first_length;
            return set_error(rc,
                             "message of %llu bytes does not fit the buffer",
                             (unsigned long long)job->batch.first_length);
        }
        if (rc != SHMRING_OK) return rc;
        if (!job->copy) { /* peek: hold until shmring_release */
            r->peeked = job->batch.count;
            r->peek_sequence = job->batch.sequences[0];
            r->peek_last = job->batch.sequences[job->batch.count - 1];
            r->peek_span = job->batch.span;
            return SHMRING_OK;
        }
        rc = copy_out(job);
        if (rc != SHMRING_ELAPPED) return rc;
    }
}

static int check_reader(const shmring_reader_t *r) {
    if (!r) return set_error(SHMRING_EINVALID, "reader is NULL");
    if (r->peeked) {
        return set_error(SHMRING_EINVALID,
                         "a peeked view is open: release it first");
    }
    return SHMRING_OK;
}

static int run_read(shmring_reader_t *r, struct read_job *job,
                    const struct deadline *deadline) {
    int rc = wait_until_ready(read_attempt, job, SHMRING_EEMPTY,
                              &r->ring->control->data_wait, deadline,
                              &r->spin, &r->entry->waits, &r->interrupt);
    if (rc == SHMRING_EEMPTY || rc == SHMRING_ECLOSED) set_outcome(rc);
    return rc;
}

static int read_batch_by(shmring_reader_t *r, void *buffer,
                         uint64_t capacity, uint64_t *lengths,
                         uint32_t max_count, uint32_t *count_out,
                         struct deadline deadline) {
    int rc = check_reader(r);
    if (rc != SHMRING_OK) return rc;
    if (!lengths || !count_out || max_count == 0 || (!buffer && capacity)) {
        return set_error(SHMRING_EINVALID,
                         "lengths, count_out and max_count > 0 are needed");
    }
    *count_out = 0;
    if ((rc = reserve_scratch(r, max_count)) != SHMRING_OK) return rc;
    uint64_t first_length = 0;
    struct read_job job = {
        .reader = r,
        .batch = {.datas = r->scratch_datas,
                  .lengths = lengths,
                  .sequences = r->scratch_sequences,
                  .max_count = max_count,
                  .capacity = capacity},
        .copy = 1,
        .buffer = buffer,
        .first_length_out = &first_length,
    };
    rc = run_read(r, &job, &deadline);
    if (rc == SHMRING_OK) *count_out = job.batch.count;
    if (rc == SHMRING_ETOO_LARGE) lengths[0] = first_length;
    return rc;
}

static int read_by(shmring_reader_t *r, void *buffer, uint64_t capacity,
                   uint64_t *length_out, struct deadline deadline) {
    int rc = check_reader(r);
    if (rc != SHMRING_OK) return rc;
    if (!length_out || (!buffer && capacity)) {
        return set_error(SHMRING_EINVALID, "length_out is NULL");
    }
    const void *data;
    uint64_t sequence;
    struct read_job job = {
        .reader = r,
        .batch = {.datas = &data,
                  .lengths = length_out,
                  .sequences = &sequence,
                  .max_count = 1,
                  .capacity = capacity},
        .copy = 1,
        .buffer = buffer,
        .first_length_out = length_out,
    };
    return run_read(r, &job, &deadline);
}

SHMRING_API int shmring_try_read(shmring_reader_t *r, void *buffer,
                                 uint64_t capacity, uint64_t *length_out) {
    return read_by(r, buffer, capacity, length_out, deadline_in(0));
}

static int peek_batch_by(shmring_reader_t *r, const void **datas,
                         uint64_t *lengths, uint32_t max_count,
                         uint32_t *count_out, struct deadline deadline) {
    int rc = check_reader(r);
    if (rc != SHMRING_OK) return rc;
    if (!datas || !lengths || !count_out || max_count == 0) {
        return set_error(SHMRING_EINVALID,
                         "datas, lengths, count_out and max_count > 0 are "
                         "needed");
    }
    *count_out = 0;
    if ((rc = reserve_scratch(r, max_count)) != SHMRING_OK) return rc;
    uint64_t unused;
    struct read_job job = {
        .reader = r,
        .batch = {.datas = datas,
                  .lengths = lengths,
                  .sequences = r->scratch_sequences,
                  .max_count = max_count,
                  .capacity = UINT64_MAX},
        .copy = 0,
        .first_length_out = &unused,
    };
    rc = run_read(r, &job, &deadline);
    if (rc == SHMRING_OK) *count_out = job.batch.count;
    return rc;
}

/* Each blocking read in both forms: a relative timeout, an absolute
 * deadline. */
SHMRING_API int shmring_read(shmring_reader_t *r, void *buffer,
                             uint64_t capacity, uint64_t *length_out,
                             int64_t timeout_ns) {
    return read_by(r, buffer, capacity, length_out, deadline_in(timeout_ns));
}

SHMRING_API int shmring_read_until(shmring_reader_t *r, void *buffer,
                                   uint64_t capacity, uint64_t *length_out,
                                   int64_t deadline_ns) {
    return read_by(r, buffer, capacity, length_out, deadline_at(deadline_ns));
}

SHMRING_API int shmring_read_batch(shmring_reader_t *r, void *buffer,
                                   uint64_t capacity, uint64_t *lengths,
                                   uint32_t max_count, uint32_t *count_out,
                                   int64_t timeout_ns) {
    return read_batch_by(r, buffer, capacity, lengths, max_count, count_out,
                         deadline_in(timeout_ns));
}

SHMRING_API int shmring_read_batch_until(shmring_reader_t *r, void *buffer,
                                         uint64_t capacity, uint64_t *lengths,
                                         uint32_t max_count,
                                         uint32_t *count_out,
                                         int64_t deadline_ns) {
    return read_batch_by(r, buffer, capacity, lengths, max_count, count_out,
                         deadline_at(deadline_ns));
}

SHMRING_API int shmring_peek_batch(shmring_reader_t *r, const void **datas,
                                   uint64_t *lengths, uint32_t max_count,
                                   uint32_t *count_out, int64_t timeout_ns) {
    return peek_batch_by(r, datas, lengths, max_count, count_out,
                         deadline_in(timeout_ns));
}

SHMRING_API int shmring_peek_batch_until(shmring_reader_t *r,
                                         const void **datas, uint64_t *lengths,
                                         uint32_t max_count,
                                         uint32_t *count_out,
                                         int64_t deadline_ns) {
    return peek_batch_by(r, datas, lengths, max_count, count_out,
                         deadline_at(deadline_ns));
}

SHMRING_API int shmring_peek(shmring_reader_t *r, const void **data_out,
                             uint64_t *length_out, int64_t timeout_ns) {
    uint32_t count;
    return peek_batch_by(r, data_out, length_out, 1, &count,
                         deadline_in(timeout_ns));
}

SHMRING_API int shmring_peek_until(shmring_reader_t *r, const void **data_out,
                                   uint64_t *length_out, int64_t deadline_ns) {
    uint32_t count;
    return peek_batch_by(r, data_out, length_out, 1, &count,
                         deadline_at(deadline_ns));
}

SHMRING_API int shmring_release(shmring_reader_t *r) {
    if (!r || !r->peeked) {
        return set_error(SHMRING_EINVALID, "no peeked view to release");
    }
    int rc = SHMRING_OK;
    uint32_t count = r->peeked;
    r->peeked = 0;
    if (r->kind == SHM_READER_GROUP_MEMBER) {
        member_release(r, r->peek_span, count);
    } else if (r->kind == SHM_READER_LOSSY) {
        /* SYNC(seqlock): pairs with seqlock_fence_release in begin_slot. */
        seqlock_fence_acquire();
        for (uint64_t s = r->peek_sequence; seq_diff(r->peek_last, s) >= 0; s++) {
            /* Relaxed: ordered after the caller's reads by the fence. */
            uint64_t stamp = load_relaxed(&slot_at(r->ring, s)->stamp);
            if (stamp != stamp_published(s)) {
                rc = set_error(SHMRING_ELAPPED,
                               "a writer overwrote a viewed message");
                break;
            }
        }
        if (rc == SHMRING_ELAPPED) {
            /* The caller discards every view of the batch (shmring.h), so
             * all of them are lost, like a lap: missed, not delivered. */
            r->missed += count;
            count = 0;
        }
        reader_advance(r, r->peek_last + 1);
    } else {
        reader_advance(r, r->position + r->peek_span);
        end_reading(r);
    }
    count_delivered(r, count);
    return rc;
}

SHMRING_API int shmring_reader_skip_to_latest(shmring_reader_t *r,
                                              uint64_t *skipped_out) {
    int rc = check_reader(r);
    if (rc != SHMRING_OK) return rc;
    if (r->kind == SHM_READER_GROUP_MEMBER) {
        return set_error(SHMRING_EINVALID,
                         "a group member cannot skip on its own; use "
                         "shmring_skip_all_to_latest");
    }
    /* SYNC(tail-claim): pairs with the cas_seq_cst in claim_slots. */
    uint64_t tail = load_seq_cst(&r->ring->control->tail);
    uint64_t skipped = seq_diff(tail, r->position) > 0 ? tail - r->position : 0;
    r->missed += skipped;
    reader_advance(r, r->position + skipped);
    count_delivered(r, 0);
    if (skipped_out) *skipped_out = skipped;
    return SHMRING_OK;
}

SHMRING_API uint64_t shmring_reader_missed(const shmring_reader_t *r) {
    return r ? r->missed : 0;
}

SHMRING_API uint64_t shmring_reader_position(const shmring_reader_t *r) {
    if (!r) return 0;
    /* SYNC(group-next): pairs with the cas_seq_cst in member_take. */
    uint64_t cursor = r->kind == SHM_READER_GROUP_MEMBER
                          ? load_seq_cst(&r->group->next)
                          : r->position;
    /* Where the next read starts: a skip_all_to_latest shows at once. */
    return past_skip_floor(r, cursor);
}
