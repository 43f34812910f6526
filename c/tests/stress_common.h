/*
 * stress_common.h -- the workload and the checks shared by stress_threads.c
 * and stress_processes.c. (Only those two include it.)
 *
 * A scenario is one ring and a set of workers -- writers, broadcast readers,
 * group members and lossy readers -- described by a struct sc_shared that
 * lives in a MAP_SHARED mapping, so the same code runs with workers as
 * threads or as forked processes. Workers record what they receive into
 * that mapping; sc_verify() then checks everything at the end.
 *
 * Messages. Writer w writes messages (w, 0), (w, 1), ... (w, N-1). The length
 * of (w, s) is a seeded function of (w, s) (sc_length): 0..slot_bytes, with
 * 0 and slot_bytes exactly among them. Messages of >= TU_MSG_HEADER bytes
 * carry (writer, seq, length, checksum) (tu_msg_encode). Shorter ones
 * ("short", including empty ones) cannot carry their identity; only writer 0
 * writes them, so a reader that sees all of writer 0's messages in order
 * (a broadcast reader) attributes each short message exactly, and checks its
 * bytes; group members and lossy readers check them as described below.
 * Writers use write, try_write (retrying on FULL), write_batch and
 * reserve/commit, and abort some reservations (with a poison payload that
 * no reader may ever deliver).
 *
 * Checks (sc_verify):
 *   - the "reference" broadcast reader (joined before the first write, reads
 *     one message per call, so it knows each message's ring sequence from
 *     shmring_reader_position()) got every message exactly once, each
 *     writer's in order, each with the scheduled length and valid content;
 *     this defines the total order T and the map ring sequence -> message;
 *     the ring sequences T leaves out are exactly the aborted reservations
 *     (their number equals what the writers aborted);
 *   - every other broadcast reader that joined before the first write got
 *     exactly T; one that left early got a prefix of T; one that joined
 *     mid-stream got exactly the suffix of T from its start position;
 *   - each group: the union of its members' messages is every message,
 *     each exactly once (short messages: as a multiset of (length, bytes));
 *     each member sees each writer's messages in increasing order;
 *   - each lossy reader: what it got is a subsequence of T, in order, every
 *     message intact (checksum; for a lossy peek, checked before release and
 *     kept only if release says the view was not overwritten); for every
 *     call, the messages it passed over are counted by
 *     shmring_reader_missed() (exactly, when no aborted slot lies in the
 *     range passed over; aborted slots may be counted when a lap jumps over
 *     them), and in total missed == messages passed over (+ aborted slots
 *     jumped);
 *   - every reader ends with SHMRING_ECLOSED (and again on the next call);
 *   - scenarios with one writer have no reference reader: the writer
 *     records where its aborted slots fall, so T is known a priori;
 *   - skip scenarios (cfg.skip_ns: shmring_skip_all_to_latest() from a
 *     "skipper" worker, shmring_reader_skip_to_latest() from readers):
 *     broadcast readers are checked like lossy readers (a subsequence of T,
 *     never torn, missed == what they passed over), groups for no
 *     duplicates;
 *   - stop scenarios (cfg.stop_at): the stream is ended while writers
 *     write; T is what the writers were told was written.
 * Every blocking call has a timeout (cfg.op_timeout_ns); hitting it fails
 * the test with the worker's name and the ring's state.
 */
#ifndef SHMRING_STRESS_COMMON_H
#define SHMRING_STRESS_COMMON_H

#include "test_util.h"
#include "../src/internal.h" /* a reader's own cursor (sc_position) */

#include <sched.h>
#include <sys/mman.h>

#if defined(__SANITIZE_THREAD__)
/* A lossy reader's peeked view may be overwritten while the test reads it
 * (the library then reports SHMRING_ELAPPED and the test discards what it
 * read); tell TSan these reads race by design, as reader.c does. */
void AnnotateIgnoreReadsBegin(const char *file, int line);
void AnnotateIgnoreReadsEnd(const char *file, int line);
#define SC_RACY_BEGIN() AnnotateIgnoreReadsBegin(__FILE__, __LINE__)
#define SC_RACY_END() AnnotateIgnoreReadsEnd(__FILE__, __LINE__)
#else
#define SC_RACY_BEGIN() ((void)0)
#define SC_RACY_END() ((void)0)
#endif

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define SC_SANITIZED 1
#else
#define SC_SANITIZED 0
#endif

#define SC_MAX_WORKERS 40
#define SC_MAX_WRITERS 8
#define SC_SHORT 0xFFFFFFFFu        /* token.writer of a short message */
#define SC_POISON_BASE 0x0AB00000u   /* writer id in aborted payloads */
#define SC_NO_SEQ UINT64_MAX
#define SC_MAX_BATCH 16u

enum sc_role { SC_WRITER = 1, SC_BROADCAST, SC_MEMBER, SC_LOSSY, SC_SKIPPER };

struct sc_config {
    uint64_t seed;
    uint64_t slot_bytes;
    uint64_t slot_count;
    uint64_t initial_sequence;
    uint32_t writers;
    uint32_t messages_per_writer;
    uint32_t abort_percent;     /* share of writer steps that abort */
    uint32_t groups;
    uint64_t stop_at;           /* 0, or: once this many messages are
                                   published, writer 1 reserves a slot, ends
                                   the stream (shmring_close_stream) while
                                   the others are still writing, lets the
                                   readers reach the open slot, and only then
                                   commits it: that message must still be
                                   delivered */
    int64_t op_timeout_ns;
    int64_t skip_ns;            /* 0, or: a "skipper" worker calls
                                   shmring_skip_all_to_latest() every random
                                   0..skip_ns, and readers sometimes call
                                   shmring_reader_skip_to_latest(); needs one
                                   writer (T known a priori) */
    int64_t pace_ns;            /* 0, or: every worker sleeps a random
                                   0..pace_ns before each call, so waits end
                                   in futex sleeps with no other traffic to
                                   cover a lost wake-up */
    char name[96];              /* "" = anonymous ring */
};

/* One message as a reader saw it. */
struct sc_token {
    uint32_t writer;            /* SC_SHORT for a short message */
    uint32_t length;
    uint64_t seq;               /* per-writer sequence (full messages) */
    uint64_t aux;               /* short: checksum of its bytes */
    uint64_t ring_seq;          /* reference reader only, else SC_NO_SEQ */
};

/* One call of a lossy reader that moved it or delivered something. */
struct sc_op {
    uint64_t p0, p1;            /* shmring_reader_position before, after */
    uint64_t m0, m1;            /* shmring_reader_missed before, after */
    uint64_t first_tok;
    uint32_t ntok;
    int32_t rc;
};

struct sc_worker {
    /* set by the driver */
    uint32_t role;
    uint32_t id;                /* writer id, or group index for members */
    uint32_t reference;         /* broadcast: the reference reader */
    uint32_t own_handle;        /* threads + named ring: open its own ring */
    uint64_t join_at;           /* 0: before the first write; else join
                                   once this many messages are published */
    uint64_t leave_after;       /* readers: leave after this many (0: never) */
    char label[48];
    /* results */
    uint64_t start_pos, end_pos, missed;
    uint64_t ntok, nops;
    uint64_t tok_off, tok_cap, op_off, op_cap; /* into the arena */
    uint64_t aborted;           /* writers: aborted reservations */
    uint64_t written;           /* writers: messages written */
    uint64_t stopped;           /* writers: cut off by the end of stream */
    uint64_t elapsed;           /* lossy: peeks that came back ELAPPED */
    uint64_t too_large;         /* ETOOLARGE results seen (and checked) */
    uint64_t empty_polls;
    uint64_t ended_mid_stream;  /* late joiner: stream not yet closed */
    int32_t finished;
};

struct sc_shared {
    struct sc_config cfg;
    atomic_uint ready;          /* early workers with their handle open */
    uint32_t expected_ready;
    atomic_ullong published;    /* messages written so far */
    uint32_t nworkers;
    struct sc_worker workers[SC_MAX_WORKERS];
    uint64_t arena_bytes;
    uint64_t mapping_bytes;
    /* arena follows, 64-byte aligned */
};

static inline uint8_t *sc_arena(struct sc_shared *sh) {
    return (uint8_t *)sh + ((sizeof *sh + 63) & ~(size_t)63);
}
static inline struct sc_token *sc_tokens(struct sc_shared *sh,
                                         const struct sc_worker *w) {
    return (struct sc_token *)(sc_arena(sh) + w->tok_off);
}
static inline struct sc_op *sc_ops(struct sc_shared *sh,
                                   const struct sc_worker *w) {
    return (struct sc_op *)(sc_arena(sh) + w->op_off);
}

static inline uint64_t sc_total_messages(const struct sc_config *c) {
    return (uint64_t)c->writers * c->messages_per_writer;
}

/* The length of message (w, s). */
static inline uint64_t sc_length(const struct sc_config *c, uint32_t w,
                                 uint64_t s) {
    uint64_t h = tu_mix64(c->seed ^ ((uint64_t)w << 48) ^
                          (s * 0x9E3779B97F4A7C15ull));
    uint64_t r = h & 63, x = h >> 8;
    if (w == 0 && r < 3) return 0;
    if (w == 0 && r < 8) return 1 + x % (TU_MSG_HEADER - 1);
    if (r < 12) return c->slot_bytes;
    if (r < 14) return TU_MSG_HEADER;
    return TU_MSG_HEADER + x % (c->slot_bytes - TU_MSG_HEADER + 1);
}

/* ---- setting a scenario up --------------------------------------------- */

static inline struct sc_shared *sc_shared_create(const struct sc_config *cfg) {
    size_t head = (sizeof(struct sc_shared) + 63) & ~(size_t)63;
    /* Room is added by sc_add_worker; map generously (lazily backed). */
    uint64_t total = sc_total_messages(cfg);
    uint64_t per_reader = (total + 64) * sizeof(struct sc_token);
    uint64_t per_lossy = 2 * (total + 64) * sizeof(struct sc_op);
    uint64_t bytes = head + SC_MAX_WORKERS * (per_reader + per_lossy) + 4096;
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    CHECK_MSG(p != MAP_FAILED, "mmap of %llu bytes: %s",
              (unsigned long long)bytes, strerror(errno));
    struct sc_shared *sh = p;
    sh->cfg = *cfg;
    sh->mapping_bytes = bytes;
    return sh;
}

static inline void sc_shared_destroy(struct sc_shared *sh) {
    munmap(sh, sh->mapping_bytes);
}

static inline struct sc_worker *sc_add_worker(struct sc_shared *sh,
                                              uint32_t role, uint32_t id,
                                              const char *label) {
    CHECK(sh->nworkers < SC_MAX_WORKERS);
    struct sc_worker *w = &sh->workers[sh->nworkers++];
    memset(w, 0, sizeof *w);
    w->role = role;
    w->id = id;
    size_t n = strlen(label);
    if (n >= sizeof w->label) n = sizeof w->label - 1;
    memcpy(w->label, label, n);
    w->label[n] = '\0';
    if (role == SC_WRITER && sh->cfg.writers == 1) {
        /* The only writer records the ring offsets of its aborted
         * reservations (token.ring_seq), so T is known without a
         * reference reader. */
        w->tok_cap = sc_total_messages(&sh->cfg) + 64;
        w->tok_off = sh->arena_bytes;
        sh->arena_bytes += w->tok_cap * sizeof(struct sc_token);
    }
    if (role != SC_WRITER && role != SC_SKIPPER) {
        uint64_t total = sc_total_messages(&sh->cfg);
        w->tok_cap = total + 64;
        w->tok_off = sh->arena_bytes;
        sh->arena_bytes += w->tok_cap * sizeof(struct sc_token);
        /* Readers that may pass messages over record every call. */
        if (role == SC_LOSSY || (role == SC_BROADCAST && sh->cfg.skip_ns)) {
            w->op_cap = 2 * (total + 64);
            w->op_off = sh->arena_bytes;
            sh->arena_bytes += w->op_cap * sizeof(struct sc_op);
        }
    }
    return w;
}

/* Call after adding every worker: early ones must open before writing. */
static inline void sc_seal(struct sc_shared *sh) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < sh->nworkers; i++) {
        if (sh->workers[i].join_at == 0) n++;
    }
    sh->expected_ready = n;
    CHECK(sc_arena(sh) + sh->arena_bytes <=
          (uint8_t *)sh + sh->mapping_bytes);
}

/* ---- failing with context ------------------------------------------------ */

__attribute__((noreturn)) static inline void sc_fail_wait(
    const struct sc_worker *me,
    shmring_ring_t *ring, const char *what, int rc, uint64_t position) {
    TU_FAIL("%s: %s returned %d (%s): %s [reader position %llu, ring next "
            "sequence %llu, stream closed %d] -- a hang or lost wake-up?",
            me->label, what, rc, shmring_strerror(rc), shmring_last_error(),
            (unsigned long long)position,
            (unsigned long long)shmring_next_sequence(ring),
            shmring_is_closed(ring));
}

static inline void sc_wait_for(const struct sc_worker *me, const char *what,
                               int64_t timeout_ns, atomic_uint *counter,
                               unsigned want, atomic_ullong *counter64,
                               uint64_t want64) {
    int64_t give_up = tu_now_ns() + timeout_ns;
    for (;;) {
        if (counter && atomic_load(counter) >= want) return;
        if (counter64 && atomic_load(counter64) >= want64) return;
        if (tu_now_ns() > give_up) {
            TU_FAIL("%s: timed out waiting for %s", me->label, what);
        }
        nanosleep(&(struct timespec){0, 100000}, NULL);
    }
}

/* ---- writers ------------------------------------------------------------- */

struct sc_wstate {
    struct sc_shared *sh;
    struct sc_worker *me;
    shmring_ring_t *ring;
    shmring_writer_t *w;
    tu_rng_t rng;
    uint64_t next;              /* next per-writer sequence */
};

static inline void sc_pace(const struct sc_config *c, tu_rng_t *rng) {
    if (c->pace_ns <= 0) return;
    uint64_t ns = tu_rng_below(rng, (uint64_t)c->pace_ns);
    nanosleep(&(struct timespec){0, (long)ns}, NULL);
}

static inline void sc_count_published(struct sc_wstate *st, uint64_t n) {
    st->next += n;
    st->me->written += n;
    atomic_fetch_add_explicit(&st->sh->published, n, memory_order_relaxed);
}

static inline void sc_writer_fail(struct sc_wstate *st, const char *what,
                                  int rc) {
    TU_FAIL("%s: %s for seq %llu returned %d (%s): %s [ring next sequence "
            "%llu, closed %d] -- a hang or lost wake-up?",
            st->me->label, what, (unsigned long long)st->next, rc,
            shmring_strerror(rc), shmring_last_error(),
            (unsigned long long)shmring_next_sequence(st->ring),
            shmring_is_closed(st->ring));
}

/* SHMRING_ECLOSED is expected once the stream was ended under the writers
 * (cfg.stop_at); then the writer stops. */
static inline int sc_stopped(struct sc_wstate *st, int rc) {
    return rc == SHMRING_ECLOSED && st->sh->cfg.stop_at &&
           shmring_is_closed(st->ring);
}

/* Reserve, write a poison payload (the caller aborts it or leaves it to
 * close). 0 if the stream was stopped. */
static inline int sc_poison_reservation(struct sc_wstate *st) {
    const struct sc_config *c = &st->sh->cfg;
    void *slot;
    int rc = shmring_reserve(st->w, &slot, c->op_timeout_ns);
    if (sc_stopped(st, rc)) return 0;
    if (rc != SHMRING_OK) sc_writer_fail(st, "reserve (to abort)", rc);
    tu_msg_encode(slot, c->slot_bytes, SC_POISON_BASE + st->me->id,
                  st->me->aborted);
    if (st->me->tok_cap) {
        /* One writer: its claims are consecutive ring sequences. */
        CHECK(st->me->aborted < st->me->tok_cap);
        sc_tokens(st->sh, st->me)[st->me->aborted].ring_seq =
            st->next + st->me->aborted;
    }
    st->me->aborted++;
    return 1;
}

static inline void sc_writer_run(struct sc_shared *sh, struct sc_worker *me,
                                 shmring_ring_t *ring) {
    const struct sc_config *c = &sh->cfg;
    struct sc_wstate st = {.sh = sh, .me = me, .ring = ring};
    tu_rng_seed(&st.rng, tu_mix64(c->seed ^ (0x5772ull << 32) ^ me->id));
    CHECK_OK(shmring_writer_open(ring, &st.w));
    atomic_fetch_add(&sh->ready, 1);
    sc_wait_for(me, "every early worker to join", c->op_timeout_ns,
                &sh->ready, sh->expected_ready, NULL, 0);

    uint8_t *bufs[SC_MAX_BATCH];
    for (uint32_t i = 0; i < SC_MAX_BATCH; i++) {
        bufs[i] = malloc(c->slot_bytes);
        CHECK(bufs[i]);
    }
    const uint64_t N = c->messages_per_writer;
    int stop_sent = 0;
    while (st.next < N) {
        if (c->stop_at && me->id == 1 && !stop_sent &&
            (atomic_load(&sh->published) >= c->stop_at || st.next + 1 == N)) {
            void *slot;
            int rc = shmring_reserve(st.w, &slot, c->op_timeout_ns);
            if (rc != SHMRING_OK) sc_writer_fail(&st, "shmring_reserve", rc);
            CHECK_OK(shmring_close_stream(ring));
            stop_sent = 1;
            nanosleep(&(struct timespec){0, 2000000}, NULL);
            uint64_t len = sc_length(c, me->id, st.next);
            tu_msg_encode(slot, len, me->id, st.next);
            CHECK_OK(shmring_commit(st.w, len));
            sc_count_published(&st, 1);
            continue;
        }
        sc_pace(c, &st.rng);
        uint32_t step = (uint32_t)tu_rng_below(&st.rng, 100);
        if (step < c->abort_percent) {
            if (!sc_poison_reservation(&st)) break;
            CHECK_OK(shmring_abort(st.w));
            continue;
        }
        step = (uint32_t)tu_rng_below(&st.rng, 100);
        uint64_t len = sc_length(c, me->id, st.next);
        if (step < 25) { /* write */
            tu_msg_encode(bufs[0], len, me->id, st.next);
            int rc = shmring_write(st.w, bufs[0], len, c->op_timeout_ns);
            if (sc_stopped(&st, rc)) break;
            if (rc != SHMRING_OK) sc_writer_fail(&st, "shmring_write", rc);
            sc_count_published(&st, 1);
        } else if (step < 40) { /* try_write, retrying on FULL */
            tu_msg_encode(bufs[0], len, me->id, st.next);
            int64_t give_up = tu_now_ns() + c->op_timeout_ns;
            int rc;
            while ((rc = shmring_try_write(st.w, bufs[0], len)) ==
                   SHMRING_EFULL) {
                if (tu_now_ns() > give_up) break;
                sched_yield();
            }
            if (sc_stopped(&st, rc)) break;
            if (rc != SHMRING_OK) sc_writer_fail(&st, "shmring_try_write", rc);
            sc_count_published(&st, 1);
        } else if (step < 65) { /* write_batch */
            uint32_t k = 1 + (uint32_t)tu_rng_below(&st.rng, SC_MAX_BATCH);
            if (k > N - st.next) k = (uint32_t)(N - st.next);
            const void *datas[SC_MAX_BATCH];
            uint64_t lengths[SC_MAX_BATCH];
            for (uint32_t i = 0; i < k; i++) {
                lengths[i] = sc_length(c, me->id, st.next + i);
                tu_msg_encode(bufs[i], lengths[i], me->id, st.next + i);
                datas[i] = bufs[i];
            }
            uint32_t done = 0;
            int stopped = 0;
            while (done < k) {
                uint32_t written = UINT32_MAX;
                int rc = shmring_write_batch(st.w, datas + done,
                                             lengths + done, k - done,
                                             &written, c->op_timeout_ns);
                if (sc_stopped(&st, rc)) {
                    CHECK_EQ_U64(written, 0);
                    stopped = 1;
                    break;
                }
                if (rc != SHMRING_OK) {
                    sc_writer_fail(&st, "shmring_write_batch", rc);
                }
                CHECK_MSG(written >= 1 && written <= k - done,
                          "%s: write_batch wrote %u of %u", me->label,
                          written, k - done);
                sc_count_published(&st, written);
                done += written;
            }
            if (stopped) break;
        } else { /* reserve / commit, filled in place */
            void *slot;
            int rc = shmring_reserve(st.w, &slot, c->op_timeout_ns);
            if (sc_stopped(&st, rc)) break;
            if (rc != SHMRING_OK) sc_writer_fail(&st, "shmring_reserve", rc);
            tu_msg_encode(slot, len, me->id, st.next);
            /* Sometimes let others publish later slots first. */
            if (tu_rng_below(&st.rng, 32) == 0) sched_yield();
            if (tu_rng_below(&st.rng, 16) == 0) {
                /* Too long: refused, the reservation stays open. */
                CHECK_RC(shmring_commit(st.w, c->slot_bytes + 1),
                         SHMRING_ETOOLARGE);
            }
            CHECK_OK(shmring_commit(st.w, len));
            sc_count_published(&st, 1);
        }
    }
    /* Writer 1 leaves a reservation open: closing must abort it. */
    if (me->id == 1 && c->abort_percent > 0) (void)sc_poison_reservation(&st);
    if (st.next < N) me->stopped = 1;
    CHECK_OK(shmring_writer_close(st.w));
    for (uint32_t i = 0; i < SC_MAX_BATCH; i++) free(bufs[i]);
    me->finished = 1;
}

/* ---- readers ------------------------------------------------------------- */

struct sc_rstate {
    struct sc_shared *sh;
    struct sc_worker *me;
    shmring_ring_t *ring;
    shmring_reader_t *r;
    tu_rng_t rng;
    uint8_t *buf;
    uint64_t buf_cap;
    uint64_t next_full[SC_MAX_WRITERS]; /* online per-writer order check */
    struct sc_token *toks;
    struct sc_op *ops;
};

/* Make a token from a message; 0 if a full-size message is not intact. */
static inline int sc_token_of(const void *data, uint64_t len,
                              struct sc_token *t) {
    t->length = (uint32_t)len;
    t->ring_seq = SC_NO_SEQ;
    t->aux = 0;
    t->seq = 0;
    if (len >= TU_MSG_HEADER) {
        return tu_msg_decode(data, len, &t->writer, &t->seq);
    }
    t->writer = SC_SHORT;
    t->aux = tu_checksum64(data, len, 0);
    return 1;
}

/* Online checks of one delivered message, then record it. */
static inline void sc_accept(struct sc_rstate *st, const struct sc_token *t,
                             int intact) {
    struct sc_worker *me = st->me;
    const struct sc_config *c = &st->sh->cfg;
    uint64_t i = me->ntok;
    CHECK_MSG(intact, "%s: message #%llu of %u bytes is torn or corrupt "
              "(header/checksum mismatch)",
              me->label, (unsigned long long)i, t->length);
    if (t->writer != SC_SHORT) {
        CHECK_MSG(t->writer < SC_POISON_BASE,
                  "%s: message #%llu is an ABORTED reservation of writer %u",
                  me->label, (unsigned long long)i,
                  t->writer - SC_POISON_BASE);
        CHECK_MSG(t->writer < c->writers && t->seq < c->messages_per_writer,
                  "%s: message #%llu claims to be (writer %u, seq %llu)",
                  me->label, (unsigned long long)i, t->writer,
                  (unsigned long long)t->seq);
        CHECK_MSG(t->length == sc_length(c, t->writer, t->seq),
                  "%s: message (%u, %llu) has %u bytes, %llu were written",
                  me->label, t->writer, (unsigned long long)t->seq,
                  t->length,
                  (unsigned long long)sc_length(c, t->writer, t->seq));
        CHECK_MSG(t->seq >= st->next_full[t->writer],
                  "%s: writer %u's order broken: seq %llu after %llu "
                  "(duplicate or reordered)",
                  me->label, t->writer, (unsigned long long)t->seq,
                  (unsigned long long)st->next_full[t->writer] - 1);
        st->next_full[t->writer] = t->seq + 1;
    }
    CHECK_MSG(i < me->tok_cap, "%s: more messages than were written "
              "(duplicates?)", me->label);
    st->toks[i] = *t;
    me->ntok = i + 1;
}

/* The reader's own cursor: the per-call checks (sc_verify) follow what each
 * call moved. shmring_reader_position() also counts a skip_all_to_latest
 * raised since the last call; without skips the two agree. */
static inline uint64_t sc_position(const struct sc_rstate *st) {
    const shmring_reader_t *r = st->r;
    if (r->kind != SHM_READER_GROUP_MEMBER) {
        if (!st->sh->cfg.skip_ns) CHECK_EQ_U64(shmring_reader_position(r), r->position);
        return r->position;
    }
    /* A group's cursor is shared: the other members move it between any
     * two looks, forward only. So the position reported before the look
     * is not past it, and the one after not behind it. */
    uint64_t before = shmring_reader_position(r);
    /* SYNC(group-next): pairs with the cas_seq_cst in member_take. */
    uint64_t cursor = load_seq_cst(&r->group->next);
    uint64_t after = shmring_reader_position(r);
    if (!st->sh->cfg.skip_ns) {
        CHECK_MSG(seq_diff(cursor, before) >= 0 && seq_diff(after, cursor) >= 0,
                  "group position %llu, cursor %llu, position %llu: out of order",
                  (unsigned long long)before, (unsigned long long)cursor,
                  (unsigned long long)after);
    }
    return cursor;
}

/* Writers are full at exactly slot_count unread messages behind the slowest
 * gate, so no gating reader is ever further behind than that. Where its
 * next read starts (shmring_reader_position: cursor or skip floor) is read
 * after the tail: every claim the tail shows was bounded by a gate no
 * later than that. */
static inline void sc_check_capacity(const struct sc_rstate *st) {
    if (st->me->role == SC_LOSSY) return;
    uint64_t tail = shmring_next_sequence(st->ring);
    uint64_t next_read = shmring_reader_position(st->r);
    CHECK_MSG(seq_diff(tail, next_read) <= (int64_t)shmring_slot_count(st->ring),
              "%s: %lld messages unread at its position %llu, but the ring "
              "holds %llu",
              st->me->label, (long long)seq_diff(tail, next_read),
              (unsigned long long)next_read,
              (unsigned long long)shmring_slot_count(st->ring));
}

static inline void sc_check_too_large(struct sc_rstate *st, uint64_t needed,
                                      uint64_t capacity) {
    CHECK_MSG(needed > capacity && needed <= st->sh->cfg.slot_bytes,
              "%s: ETOOLARGE reports %llu bytes needed for capacity %llu",
              st->me->label, (unsigned long long)needed,
              (unsigned long long)capacity);
    st->me->too_large++;
}

/* One call. Returns its status (OK, EEMPTY from try_read, ETOOLARGE,
 * ELAPPED from a lossy release, ECLOSED); fails on anything else. */
static inline int sc_reader_step(struct sc_rstate *st) {
    const struct sc_config *c = &st->sh->cfg;
    struct sc_worker *me = st->me;
    const int lossy = me->role == SC_LOSSY;
    const int single = me->reference; /* one message per call */
    uint32_t pick = (uint32_t)tu_rng_below(&st->rng, 100);
    int64_t timeout = c->op_timeout_ns;
    int rc;
    if (single && pick >= 35 && pick < 60) pick = 5;   /* no read_batch */
    if (single && pick >= 80) pick = 70;               /* no peek_batch */
    if (c->skip_ns && me->role != SC_MEMBER &&
        tu_rng_below(&st->rng, 150) == 0) {
        uint64_t m0 = shmring_reader_missed(st->r), skipped = UINT64_MAX;
        CHECK_OK(shmring_reader_skip_to_latest(st->r, &skipped));
        CHECK_MSG(shmring_reader_missed(st->r) - m0 == skipped,
                  "%s: skip_to_latest skipped %llu, missed grew by %llu",
                  me->label, (unsigned long long)skipped,
                  (unsigned long long)(shmring_reader_missed(st->r) - m0));
        return SHMRING_OK;
    }

    if (pick < 35) { /* read / try_read, sometimes into a too-small buffer */
        int try_only = pick >= 25;
        uint64_t cap = c->slot_bytes;
        if (tu_rng_below(&st->rng, 12) == 0) {
            cap = tu_rng_below(&st->rng, c->slot_bytes);
        }
        uint64_t len = UINT64_MAX;
        rc = try_only ? shmring_try_read(st->r, st->buf, cap, &len)
                      : shmring_read(st->r, st->buf, cap, &len, timeout);
        if (rc == SHMRING_OK) {
            CHECK_MSG(len <= cap, "%s: read %llu bytes into %llu", me->label,
                      (unsigned long long)len, (unsigned long long)cap);
            struct sc_token t;
            int ok = sc_token_of(st->buf, len, &t);
            if (single) t.ring_seq = sc_position(st) - 1;
            sc_accept(st, &t, ok);
        } else if (rc == SHMRING_ETOOLARGE) {
            sc_check_too_large(st, len, cap);
        }
    } else if (pick < 60) { /* read_batch */
        uint32_t max = 1 + (uint32_t)tu_rng_below(&st->rng, SC_MAX_BATCH);
        uint64_t cap = c->slot_bytes * (1 + tu_rng_below(&st->rng, max));
        if (tu_rng_below(&st->rng, 12) == 0) {
            cap = tu_rng_below(&st->rng, c->slot_bytes);
        }
        uint64_t lengths[SC_MAX_BATCH];
        uint32_t count = UINT32_MAX;
        rc = shmring_read_batch(st->r, st->buf, cap, lengths, max, &count,
                                timeout);
        if (rc == SHMRING_OK) {
            CHECK_MSG(count >= 1 && count <= max, "%s: read_batch count %u",
                      me->label, count);
            uint64_t at = 0;
            for (uint32_t i = 0; i < count; i++) {
                CHECK_MSG(at + lengths[i] <= cap, "%s: batch overflows",
                          me->label);
                struct sc_token t;
                int ok = sc_token_of(st->buf + at, lengths[i], &t);
                sc_accept(st, &t, ok);
                at += lengths[i];
            }
        } else if (rc == SHMRING_ETOOLARGE) {
            sc_check_too_large(st, lengths[0], cap);
        }
    } else { /* peek / peek_batch, then release */
        uint32_t max = pick < 80 ? 1
                                 : 1 + (uint32_t)tu_rng_below(&st->rng,
                                                              SC_MAX_BATCH);
        const void *views[SC_MAX_BATCH];
        uint64_t lengths[SC_MAX_BATCH];
        uint32_t count = 1;
        if (max == 1) {
            rc = shmring_peek(st->r, &views[0], &lengths[0], timeout);
        } else {
            rc = shmring_peek_batch(st->r, views, lengths, max, &count,
                                    timeout);
        }
        if (rc == SHMRING_OK) {
            CHECK_MSG(count >= 1 && count <= max, "%s: peek_batch count %u",
                      me->label, count);
            struct sc_token toks[SC_MAX_BATCH];
            int ok[SC_MAX_BATCH];
            /* Read the views before release: for a lossy reader the release
             * tells whether what was read can be trusted. */
            if (lossy) SC_RACY_BEGIN();
            for (uint32_t i = 0; i < count; i++) {
                CHECK(lengths[i] <= c->slot_bytes);
                ok[i] = sc_token_of(views[i], lengths[i], &toks[i]);
            }
            if (lossy) SC_RACY_END();
            int rel = shmring_release(st->r);
            if (lossy && rel == SHMRING_ELAPPED) {
                me->elapsed++;
                rc = SHMRING_ELAPPED;
            } else {
                CHECK_MSG(rel == SHMRING_OK, "%s: release returned %d (%s): %s",
                          me->label, rel, shmring_strerror(rel),
                          shmring_last_error());
                for (uint32_t i = 0; i < count; i++) {
                    if (single) toks[i].ring_seq = sc_position(st) - 1;
                    sc_accept(st, &toks[i], ok[i]);
                }
            }
        }
    }
    if (rc == SHMRING_OK || rc == SHMRING_ECLOSED || rc == SHMRING_ETOOLARGE ||
        rc == SHMRING_ELAPPED) {
        return rc;
    }
    if (rc == SHMRING_EEMPTY && pick >= 25 && pick < 35) return rc; /* try */
    sc_fail_wait(me, st->ring, "a read", rc, sc_position(st));
}

static inline void sc_reader_run(struct sc_shared *sh, struct sc_worker *me,
                                 shmring_ring_t *ring) {
    const struct sc_config *c = &sh->cfg;
    struct sc_rstate st = {.sh = sh, .me = me, .ring = ring};
    tu_rng_seed(&st.rng, tu_mix64(c->seed ^ (0x5265ull << 32) ^
                                  (uint64_t)(me - sh->workers)));
    st.toks = sc_tokens(sh, me);
    st.ops = me->op_cap ? sc_ops(sh, me) : NULL;
    st.buf_cap = c->slot_bytes * SC_MAX_BATCH;
    st.buf = malloc(st.buf_cap);
    CHECK(st.buf);

    if (me->join_at) {
        /* With stop_at the stream may end before join_at messages exist:
         * then join after the end, which must give ECLOSED at once. */
        int64_t give_up = tu_now_ns() + 4 * c->op_timeout_ns;
        while (atomic_load(&sh->published) < me->join_at &&
               !shmring_is_closed(ring)) {
            if (tu_now_ns() > give_up) {
                TU_FAIL("%s: timed out waiting for the mid-stream join point",
                        me->label);
            }
            nanosleep(&(struct timespec){0, 100000}, NULL);
        }
    }
    char group[32];
    snprintf(group, sizeof group, "group-%u", me->id);
    CHECK_OK(shmring_reader_open(ring, me->role == SC_MEMBER ? group : NULL,
                                 me->role == SC_LOSSY ? SHMRING_READER_LOSSY
                                                      : 0,
                                 &st.r));
    me->start_pos = sc_position(&st);
    if (me->join_at == 0) {
        atomic_fetch_add(&sh->ready, 1);
    } else {
        me->ended_mid_stream = !shmring_is_closed(ring);
    }

    int64_t last_progress = tu_now_ns();
    for (;;) {
        if (me->leave_after && me->ntok >= me->leave_after) break;
        sc_pace(c, &st.rng);
        uint64_t p0 = 0, m0 = 0, t0 = me->ntok;
        if (st.ops) {
            p0 = sc_position(&st);
            m0 = shmring_reader_missed(st.r);
        }
        int rc = sc_reader_step(&st);
        sc_check_capacity(&st);
        if (st.ops) {
            uint64_t p1 = sc_position(&st), m1 = shmring_reader_missed(st.r);
            if (me->ntok != t0 || p1 != p0 || m1 != m0) {
                CHECK_MSG(me->nops < me->op_cap, "%s: too many calls",
                          me->label);
                st.ops[me->nops++] = (struct sc_op){
                    p0, p1, m0, m1, t0, (uint32_t)(me->ntok - t0), rc};
            }
        }
        if (rc == SHMRING_ECLOSED) break;
        if (rc == SHMRING_EEMPTY) {
            me->empty_polls++;
            if (tu_now_ns() - last_progress > c->op_timeout_ns) {
                sc_fail_wait(me, ring, "try_read (no message for a long "
                             "time)", rc, sc_position(&st));
            }
            sched_yield();
        } else {
            last_progress = tu_now_ns();
        }
    }
    if (!me->leave_after) {
        /* The end stays the end. */
        uint64_t len;
        CHECK_RC(shmring_try_read(st.r, st.buf, st.buf_cap, &len),
                 SHMRING_ECLOSED);
        const void *view;
        CHECK_RC(shmring_peek(st.r, &view, &len, 0), SHMRING_ECLOSED);
    }
    me->end_pos = sc_position(&st);
    me->missed = shmring_reader_missed(st.r);
    CHECK_OK(shmring_reader_close(st.r));
    free(st.buf);
    me->finished = 1;
}

/* Calls shmring_skip_all_to_latest() now and then until the stream ends. */
static inline void sc_skipper_run(struct sc_shared *sh, struct sc_worker *me,
                                  shmring_ring_t *ring) {
    const struct sc_config *c = &sh->cfg;
    tu_rng_t rng;
    tu_rng_seed(&rng, tu_mix64(c->seed ^ 0x536B6970ull));
    atomic_fetch_add(&sh->ready, 1);
    int64_t give_up = tu_now_ns() + 10 * c->op_timeout_ns;
    while (!shmring_is_closed(ring)) {
        CHECK_MSG(tu_now_ns() < give_up, "%s: the stream never ended",
                  me->label);
        uint64_t ns = tu_rng_below(&rng, (uint64_t)c->skip_ns);
        nanosleep(&(struct timespec){(time_t)(ns / 1000000000),
                                     (long)(ns % 1000000000)},
                  NULL);
        CHECK_OK(shmring_skip_all_to_latest(ring));
        me->written++; /* (calls made) */
    }
    me->finished = 1;
}

static inline void sc_worker_run(struct sc_shared *sh, uint32_t index,
                                 shmring_ring_t *ring) {
    struct sc_worker *me = &sh->workers[index];
    if (me->role == SC_WRITER) {
        sc_writer_run(sh, me, ring);
    } else if (me->role == SC_SKIPPER) {
        sc_skipper_run(sh, me, ring);
    } else {
        sc_reader_run(sh, me, ring);
    }
}

/* ---- the checks ---------------------------------------------------------- */

static inline int sc_same(const struct sc_token *a, const struct sc_token *t) {
    if (a->length != t->length) return 0;
    if (a->length < TU_MSG_HEADER) {
        return a->writer == SC_SHORT && a->aux == t->aux;
    }
    return a->writer == t->writer && a->seq == t->seq;
}

static inline const char *sc_show(const struct sc_token *t, char *buf,
                                  size_t n) {
    if (t->writer == SC_SHORT) {
        snprintf(buf, n, "(short, %u bytes, sum %016llx)", t->length,
                 (unsigned long long)t->aux);
    } else {
        snprintf(buf, n, "(writer %u, seq %llu, %u bytes)", t->writer,
                 (unsigned long long)t->seq, t->length);
    }
    return buf;
}

static inline int sc_cmp_short(const void *a, const void *b) {
    const struct sc_token *x = a, *y = b;
    if (x->length != y->length) return x->length < y->length ? -1 : 1;
    if (x->aux != y->aux) return x->aux < y->aux ? -1 : 1;
    return 0;
}

/* tokens[0, n) == T[from, from + n) */
static inline void sc_check_run(const struct sc_worker *w,
                                const struct sc_token *toks, uint64_t n,
                                const struct sc_token *T, uint64_t from,
                                const char *what) {
    char a[96], b[96];
    for (uint64_t i = 0; i < n; i++) {
        CHECK_MSG(sc_same(&toks[i], &T[from + i]),
                  "%s (%s): message #%llu is %s, the total order has %s",
                  w->label, what, (unsigned long long)i,
                  sc_show(&toks[i], a, sizeof a),
                  sc_show(&T[from + i], b, sizeof b));
    }
}

struct sc_summary {
    uint64_t messages, sequences, aborted;
    uint64_t lossy_got, lossy_missed, lossy_elapsed, lossy_lost;
    uint64_t late_suffix, too_large, empty_polls;
    uint64_t writers_stopped;
    uint64_t skips, broadcast_missed;
};

/* Verify everything once every worker has finished. tail_end: the ring's
 * shmring_next_sequence() at the end. */
static inline struct sc_summary sc_verify(struct sc_shared *sh,
                                          uint64_t tail_end) {
    const struct sc_config *c = &sh->cfg;
    struct sc_summary sum = {0};
    struct sc_worker *ref = NULL;
    uint64_t total = 0, count[SC_MAX_WRITERS] = {0};
    for (uint32_t i = 0; i < sh->nworkers; i++) {
        struct sc_worker *w = &sh->workers[i];
        CHECK_MSG(w->finished, "%s did not finish", w->label);
        if (w->role == SC_WRITER) {
            if (!c->stop_at) CHECK_EQ_U64(w->written, c->messages_per_writer);
            CHECK(w->id < c->writers);
            count[w->id] = w->written;
            total += w->written;
            sum.aborted += w->aborted;
            sum.writers_stopped += w->stopped;
        }
        if (w->role == SC_SKIPPER) sum.skips += w->written;
        if (w->reference) ref = w;
        sum.too_large += w->too_large;
        sum.empty_polls += w->empty_polls;
    }
    sum.messages = total;

    /* 1. The reference reader defines the total order T. Without one (a
     * scenario with one writer, which records where its aborted slots are)
     * T is known in advance:
     * message s of writer 0 has ring sequence initial_sequence + s. */
    struct sc_token *T, *T_owned = NULL;
    if (ref) {
        CHECK(ref->join_at == 0 && ref->leave_after == 0);
        T = sc_tokens(sh, ref);
        CHECK_MSG(ref->ntok == total,
                  "%s got %llu messages, %llu were written", ref->label,
                  (unsigned long long)ref->ntok, (unsigned long long)total);
        CHECK_EQ_U64(ref->start_pos, c->initial_sequence);
    } else {
        CHECK(c->writers == 1 && c->stop_at == 0);
        const struct sc_worker *wr = NULL;
        for (uint32_t i = 0; i < sh->nworkers; i++) {
            if (sh->workers[i].role == SC_WRITER) wr = &sh->workers[i];
        }
        CHECK(wr && wr->tok_cap);
        const struct sc_token *aborts = sc_tokens(sh, wr);
        uint64_t a = 0; /* aborted slots before message s */
        T = T_owned = malloc(total * sizeof *T);
        CHECK(T);
        for (uint64_t s = 0; s < total; s++) {
            while (a < wr->aborted && aborts[a].ring_seq <= s + a) a++;
            uint8_t *m = malloc(c->slot_bytes);
            CHECK(m);
            uint64_t len = sc_length(c, 0, s);
            tu_msg_encode(m, len, 0, s);
            CHECK(sc_token_of(m, len, &T[s]));
            T[s].ring_seq = c->initial_sequence + s + a;
            free(m);
        }
    }
    const uint64_t base = c->initial_sequence;
    const uint64_t nseq = tail_end - base;
    sum.sequences = nseq;
    /* After a stop, claims that lost the race with the end are published as
     * skipped slots (at most one batch per writer). */
    CHECK_MSG(nseq == total + sum.aborted ||
                  (c->stop_at && nseq > total + sum.aborted &&
                   nseq <= total + sum.aborted + c->writers * SC_MAX_BATCH),
              "the ring used %llu sequences for %llu messages and %llu "
              "aborted reservations",
              (unsigned long long)nseq, (unsigned long long)total,
              (unsigned long long)sum.aborted);
    {
        uint64_t next[SC_MAX_WRITERS] = {0};
        uint64_t prev_off = 0;
        char a[96];
        for (uint64_t i = 0; i < total; i++) {
            struct sc_token *t = &T[i];
            uint64_t off = t->ring_seq - base;
            CHECK_MSG(off < nseq && (i == 0 || off > prev_off),
                      "reference: message #%llu %s at ring sequence offset "
                      "%llu (previous %llu)", (unsigned long long)i,
                      sc_show(t, a, sizeof a), (unsigned long long)off,
                      (unsigned long long)prev_off);
            prev_off = off;
            if (t->writer == SC_SHORT) {
                /* Only writer 0 writes short messages: writer 0's next. */
                uint64_t s = next[0];
                CHECK_MSG(s < count[0] &&
                              sc_length(c, 0, s) == t->length,
                          "reference: message #%llu %s, but writer 0's next "
                          "message is seq %llu of %llu bytes",
                          (unsigned long long)i,
                          sc_show(t, a, sizeof a), (unsigned long long)s,
                          (unsigned long long)sc_length(c, 0, s));
                uint8_t expect[TU_MSG_HEADER];
                tu_msg_encode(expect, t->length, 0, s);
                CHECK_MSG(tu_checksum64(expect, t->length, 0) == t->aux,
                          "reference: short message #%llu (writer 0 seq %llu, "
                          "%u bytes) has the wrong bytes",
                          (unsigned long long)i,
                          (unsigned long long)s, t->length);
                t->seq = s; /* attribute it; writer stays SC_SHORT */
                next[0] = s + 1;
            } else {
                CHECK_MSG(t->seq == next[t->writer],
                          "reference: message #%llu %s, expected writer %u seq "
                          "%llu",
                          (unsigned long long)i,
                          sc_show(t, a, sizeof a), t->writer,
                          (unsigned long long)next[t->writer]);
                next[t->writer]++;
            }
        }
        for (uint32_t w = 0; w < c->writers; w++) {
            CHECK_MSG(next[w] == count[w], "reference: got %llu messages "
                      "of writer %u, which wrote %llu",
                      (unsigned long long)next[w], w,
                      (unsigned long long)count[w]);
        }
    }
    /* first_at[off] = index in T of the first message at offset >= off. */
    uint64_t *first_at = malloc((nseq + 1) * sizeof *first_at);
    CHECK(first_at);
    {
        uint64_t i = 0;
        for (uint64_t off = 0; off <= nseq; off++) {
            while (i < total && T[i].ring_seq - base < off) i++;
            first_at[off] = i;
        }
    }
#define SC_MSGS_IN(a, b) (first_at[(b)] - first_at[(a)]) /* offsets [a, b) */

    /* 2. Broadcast readers. */
    for (uint32_t k = 0; k < sh->nworkers; k++) {
        struct sc_worker *w = &sh->workers[k];
        if (w->role != SC_BROADCAST || w == ref || c->skip_ns) continue;
        const struct sc_token *toks = sc_tokens(sh, w);
        uint64_t off = w->start_pos - base;
        CHECK_MSG(off <= nseq, "%s started at %llu, outside the stream",
                  w->label, (unsigned long long)w->start_pos);
        uint64_t from = first_at[off];
        if (w->join_at == 0) {
            CHECK_MSG(from == 0, "%s joined before the first write but "
                      "started at message %llu", w->label,
                      (unsigned long long)from);
        } else {
            sum.late_suffix += total - from;
        }
        if (w->leave_after) {
            CHECK_MSG(w->ntok >= w->leave_after && w->ntok <= total - from,
                      "%s left after %llu messages", w->label,
                      (unsigned long long)w->ntok);
            sc_check_run(w, toks, w->ntok, T, from, "prefix");
        } else {
            CHECK_MSG(w->ntok == total - from,
                      "%s got %llu messages, the stream from its start has "
                      "%llu (lost or duplicated)",
                      w->label, (unsigned long long)w->ntok,
                      (unsigned long long)(total - from));
            sc_check_run(w, toks, w->ntok, T, from,
                         w->join_at ? "suffix" : "same total order");
            CHECK_EQ_U64(w->end_pos, tail_end);
        }
        CHECK_EQ_U64(w->missed, 0);
    }

    /* 3. Groups: every message exactly once across the members. */
    {
        const uint64_t nslots = c->writers * (uint64_t)c->messages_per_writer;
        uint8_t *seen = malloc(nslots);
        struct sc_token *shorts = malloc(total * sizeof *shorts);
        struct sc_token *want = malloc(total * sizeof *want);
        CHECK(seen && shorts && want);
        uint64_t nwant = 0;
        for (uint64_t i = 0; i < total; i++) {
            if (T[i].writer == SC_SHORT) want[nwant++] = T[i];
        }
        qsort(want, nwant, sizeof *want, sc_cmp_short);
        for (uint32_t g = 0; g < c->groups; g++) {
            memset(seen, 0, nslots);
            uint64_t nshort = 0, members = 0;
            for (uint32_t k = 0; k < sh->nworkers; k++) {
                struct sc_worker *w = &sh->workers[k];
                if (w->role != SC_MEMBER || w->id != g) continue;
                members++;
                const struct sc_token *toks = sc_tokens(sh, w);
                for (uint64_t i = 0; i < w->ntok; i++) {
                    if (toks[i].writer == SC_SHORT) {
                        shorts[nshort++] = toks[i];
                        continue;
                    }
                    uint64_t at =
                        toks[i].writer * (uint64_t)c->messages_per_writer +
                        toks[i].seq;
                    CHECK_MSG(!seen[at], "group %u: (writer %u, seq %llu) "
                              "delivered twice (second time to %s)",
                              g, toks[i].writer,
                              (unsigned long long)toks[i].seq, w->label);
                    seen[at] = 1;
                }
            }
            CHECK(members > 0);
            qsort(shorts, nshort, sizeof *shorts, sc_cmp_short);
            if (c->skip_ns) {
                /* Skips pass messages over: no duplicates, and the short
                 * ones are a sub-multiset of those written. */
                uint64_t j = 0;
                for (uint64_t i = 0; i < nshort; i++) {
                    while (j < nwant &&
                           sc_cmp_short(&want[j], &shorts[i]) < 0) {
                        j++;
                    }
                    CHECK_MSG(j < nwant &&
                                  sc_cmp_short(&want[j], &shorts[i]) == 0,
                              "group %u: a short message was delivered twice "
                              "or was never written", g);
                    j++;
                }
                continue;
            }
            for (uint32_t wr = 0; wr < c->writers; wr++) {
                for (uint64_t s = 0; s < count[wr]; s++) {
                    if (sc_length(c, wr, s) < TU_MSG_HEADER) continue;
                    CHECK_MSG(seen[wr * (uint64_t)c->messages_per_writer + s],
                              "group %u: (writer %u, seq %llu) was delivered "
                              "to no member",
                              g, wr, (unsigned long long)s);
                }
            }
            CHECK_MSG(nshort == nwant,
                      "group %u got %llu short messages, %llu were written",
                      g, (unsigned long long)nshort,
                      (unsigned long long)nwant);
            for (uint64_t i = 0; i < nshort; i++) {
                CHECK_MSG(sc_cmp_short(&shorts[i], &want[i]) == 0,
                          "group %u: the short messages differ from those "
                          "written (lost, duplicated or corrupt)", g);
            }
        }
        free(seen);
        free(shorts);
        free(want);
    }

    /* 4. Lossy readers (and broadcast readers in a skip scenario): a
     * subsequence of T; missed counts what was passed over. */
    for (uint32_t k = 0; k < sh->nworkers; k++) {
        struct sc_worker *w = &sh->workers[k];
        if (!w->op_cap) continue;
        const struct sc_token *toks = sc_tokens(sh, w);
        const struct sc_op *ops = sc_ops(sh, w);
        uint64_t pos = w->start_pos - base, missed = 0, lost = 0;
        CHECK_MSG(pos <= nseq, "%s started outside the stream", w->label);
        uint64_t start_off = pos;
        for (uint64_t n = 0; n < w->nops; n++) {
            const struct sc_op *op = &ops[n];
            uint64_t p0 = op->p0 - base, p1 = op->p1 - base;
            uint64_t d = op->m1 - op->m0;
            CHECK_MSG(p0 == pos, "%s: call %llu started at offset %llu, the "
                      "previous one ended at %llu",
                      w->label, (unsigned long long)n,
                      (unsigned long long)p0, (unsigned long long)pos);
            CHECK_MSG(p1 >= p0 && p1 <= nseq,
                      "%s: call %llu moved from offset %llu to %llu",
                      w->label, (unsigned long long)n, (unsigned long long)p0,
                      (unsigned long long)p1);
            CHECK_EQ_U64(op->m0, missed);
            /* offsets [p0, passed_end) were not delivered */
            uint64_t passed_end = p1;
            if (op->ntok > 0) {
                uint64_t last = p1 - 1;
                uint64_t li = first_at[last];
                CHECK_MSG(li < total && T[li].ring_seq - base == last,
                          "%s: call %llu ended at offset %llu, which is no "
                          "message (an aborted slot delivered?)",
                          w->label, (unsigned long long)n,
                          (unsigned long long)last);
                CHECK_MSG(li + 1 >= op->ntok, "%s: call %llu delivered too "
                          "many", w->label, (unsigned long long)n);
                uint64_t fi = li + 1 - op->ntok;
                sc_check_run(w, toks + op->first_tok, op->ntok, T, fi,
                             "lossy: consecutive messages of the total "
                             "order");
                passed_end = T[fi].ring_seq - base;
                CHECK_MSG(passed_end >= p0,
                          "%s: call %llu delivered a message from before its "
                          "position (offset %llu < %llu)",
                          w->label, (unsigned long long)n,
                          (unsigned long long)passed_end,
                          (unsigned long long)p0);
            }
            uint64_t msgs = SC_MSGS_IN(p0, passed_end);
            uint64_t seqs = passed_end - p0;
            /* (An ELAPPED peek delivered nothing: its views were
             * discarded, so they count as passed over: [p0, p1).) */
            CHECK_MSG(d >= msgs && d <= seqs,
                      "%s: call %llu (status %d%s) passed over %llu messages "
                      "(%llu sequences incl. aborted slots) between offsets "
                      "%llu and %llu, but missed grew by %llu",
                      w->label, (unsigned long long)n, op->rc,
                      op->rc == SHMRING_ELAPPED ? ", ELAPPED" : "",
                      (unsigned long long)msgs, (unsigned long long)seqs,
                      (unsigned long long)p0, (unsigned long long)passed_end,
                      (unsigned long long)d);
            lost += msgs;
            missed = op->m1;
            pos = p1;
        }
        if (!w->leave_after) {
            CHECK_EQ_U64(pos, nseq);
            CHECK_EQ_U64(w->end_pos, tail_end);
        }
        CHECK_EQ_U64(w->missed, missed);
        uint64_t in_range = SC_MSGS_IN(start_off, pos);
        CHECK_MSG(w->ntok + lost == in_range,
                  "%s: got %llu and passed over %llu of the %llu messages "
                  "in its range",
                  w->label, (unsigned long long)w->ntok,
                  (unsigned long long)lost, (unsigned long long)in_range);
        if (w->role == SC_BROADCAST) {
            sum.broadcast_missed += w->missed;
            continue;
        }
        sum.lossy_got += w->ntok;
        sum.lossy_missed += w->missed;
        sum.lossy_lost += lost;
        sum.lossy_elapsed += w->elapsed;
    }
#undef SC_MSGS_IN
    free(first_at);
    free(T_owned);
    return sum;
}

static inline void sc_print_summary(const char *title,
                                    const struct sc_shared *sh,
                                    const struct sc_summary *s,
                                    double seconds) {
    printf("  %-34s %6.2f s: %llu messages (+%llu aborted), lossy got %llu "
           "missed %llu (lost %llu, %llu ELAPPED peeks), late suffix %llu, "
           "%llu TOO_LARGE checked, %llu empty polls, %u workers%s\n",
           title, seconds, (unsigned long long)s->messages,
           (unsigned long long)s->aborted, (unsigned long long)s->lossy_got,
           (unsigned long long)s->lossy_missed,
           (unsigned long long)s->lossy_lost,
           (unsigned long long)s->lossy_elapsed,
           (unsigned long long)s->late_suffix,
           (unsigned long long)s->too_large,
           (unsigned long long)s->empty_polls, sh->nworkers,
           s->writers_stopped ? ", writers cut off by the end" : "");
    if (s->skips) {
        printf("  %-34s %llu skip_all_to_latest calls, broadcast readers "
               "missed %llu\n", "", (unsigned long long)s->skips,
               (unsigned long long)s->broadcast_missed);
    }
    fflush(stdout);
}

/* The standard cast of a scenario (both drivers use it). */
struct sc_cast {
    uint32_t broadcast;         /* early broadcast readers, incl. reference */
    uint32_t members;           /* per group */
    uint32_t lossy;
    int late;                   /* add mid-stream joiners and early leavers */
};

static inline void sc_add_cast(struct sc_shared *sh, const struct sc_cast *k) {
    const struct sc_config *c = &sh->cfg;
    const uint64_t total = sc_total_messages(c);
    char label[96];
    for (uint32_t i = 0; i < c->writers; i++) {
        snprintf(label, sizeof label, "writer %u", i);
        sc_add_worker(sh, SC_WRITER, i, label);
    }
    for (uint32_t i = 0; i < k->broadcast; i++) {
        snprintf(label, sizeof label, "broadcast %u%s", i,
                 i == 0 && !c->skip_ns ? " (reference)" : "");
        struct sc_worker *w = sc_add_worker(sh, SC_BROADCAST, i, label);
        w->reference = i == 0 && !c->skip_ns;
        w->own_handle = i % 2 == 1;
    }
    for (uint32_t g = 0; g < c->groups; g++) {
        for (uint32_t m = 0; m < k->members; m++) {
            snprintf(label, sizeof label, "group %u member %u", g, m);
            struct sc_worker *w = sc_add_worker(sh, SC_MEMBER, g, label);
            w->own_handle = m % 2 == 0;
        }
    }
    for (uint32_t i = 0; i < k->lossy; i++) {
        snprintf(label, sizeof label, "lossy %u", i);
        struct sc_worker *w = sc_add_worker(sh, SC_LOSSY, i, label);
        w->own_handle = i % 2 == 1;
    }
    if (c->skip_ns) sc_add_worker(sh, SC_SKIPPER, 0, "skipper");
    if (k->late) {
        struct sc_worker *w;
        w = sc_add_worker(sh, SC_BROADCAST, 90, "late broadcast");
        w->join_at = total / 3;
        w->own_handle = 1;
        w = sc_add_worker(sh, SC_BROADCAST, 91, "early-leaving broadcast");
        w->leave_after = total / 4;
        w = sc_add_worker(sh, SC_LOSSY, 92, "late lossy");
        w->join_at = total / 2;
        if (c->groups > 0) {
            w = sc_add_worker(sh, SC_MEMBER, 0, "late group 0 member");
            w->join_at = total / 3;
            w->own_handle = 1;
        }
        if (c->groups > 1) {
            w = sc_add_worker(sh, SC_MEMBER, 1, "early-leaving g1 member");
            w->leave_after = total / (4 * (k->members + 1));
        }
    }
    sc_seal(sh);
}

/* One stress scenario, as both drivers (threads, processes) list them. */
struct sc_scenario {
    const char *title;
    int named;
    uint64_t initial_sequence;
    uint32_t abort_percent;
    uint32_t writers, messages_per_writer, groups;
    uint64_t slot_bytes, slot_count;
    struct sc_cast cast;
    uint32_t stop_percent;      /* end the stream mid-write at this % */
    int64_t skip_ns;            /* see sc_config.skip_ns */
    int64_t pace_ns;            /* see sc_config.pace_ns */
};

static inline struct sc_config sc_config_for(const struct sc_scenario *s,
                                             uint64_t seed) {
    struct sc_config cfg = {
        .seed = seed,
        .slot_bytes = s->slot_bytes,
        .slot_count = s->slot_count,
        .initial_sequence = s->initial_sequence,
        .writers = s->writers,
        .messages_per_writer = s->messages_per_writer,
        .abort_percent = s->abort_percent,
        .groups = s->groups,
        .skip_ns = s->skip_ns,
        .stop_at = (uint64_t)s->writers * s->messages_per_writer *
                   s->stop_percent / 100,
        .op_timeout_ns = (SC_SANITIZED ? 60 : 20) * 1000000000ll,
        .pace_ns = s->pace_ns,
    };
    /* Paced runs have no background traffic: a lost wake-up would stall a
     * waiter until its deadline, so keep the deadline short. */
    if (s->pace_ns) cfg.op_timeout_ns = (SC_SANITIZED ? 15 : 5) * 1000000000ll;
    return cfg;
}

/* The scenario's ring: named (cfg->name) or anonymous. */
static inline shmring_ring_t *sc_create_ring(const struct sc_scenario *s,
                                             const struct sc_config *cfg) {
    shmring_options_t *o;
    CHECK_OK(shmring_options_create(&o));
    CHECK_OK(shmring_options_set_initial_sequence(o, s->initial_sequence));
    shmring_ring_t *ring;
    CHECK_OK(shmring_create(s->named ? cfg->name : NULL, s->slot_bytes,
                            s->slot_count, o, &ring));
    shmring_options_destroy(o);
    if (s->named) tu_track_segment(cfg->name);
    return ring;
}

#endif /* SHMRING_STRESS_COMMON_H */
