/*
 * fault_campaign.c -- random SIGKILL of writers, broadcast readers, group
 * members and lossy readers during a sustained stream, repeated for several
 * rounds (SHMRING_CAMPAIGN_ROUNDS, default 3).
 *
 * Children (separate processes, each opening the ring by name):
 *   writers   write self-checking messages (writer id, per-writer sequence,
 *             checksum) with write, write_batch and reserve/commit, paced,
 *             until the round's deadline, then report their count and exit;
 *   readers   broadcast, a member of group "all" (which two never-killed
 *             members in the parent share), or lossy; each checks every
 *             message it gets and exits 3 on a bad one. A member peeks,
 *             reports the message to the parent through a pipe, then
 *             releases it: a kill after the report counts as delivered, a
 *             kill before the release leaves it to be redelivered.
 * Every KILL_EVERY_NS-ish the parent SIGKILLs a random child and starts a
 * replacement. The parent's own readers, which are never killed, check:
 *   - both broadcast readers see the same sequence (one total order);
 *   - per writer they see messages 0, 1, 2, ... with no gap: a killed
 *     writer's published messages are a prefix, a finished writer's are all
 *     it reported;
 *   - group "all" gets each of those at least once; a message comes twice
 *     only around a member's death (at most a ring's worth per death);
 *   - the lossy reader's messages are a subsequence of that order;
 *   - messages + slots counted abandoned == sequences claimed: nothing is
 *     lost except exactly the abandoned slots;
 *   - no stall of the broadcast reader while writers run exceeds the
 *     recovery bound once per death during it (plus one).
 */
#include "test_util.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#define SLOT_BYTES 128u
/* Not a power of two: holes are recovered, and writers bounded, at the
 * exact capacity while the slot array has 16 slots. */
#define SLOTS 12u
#define ROUND_NS 2500000000ll
#define KILL_EVERY_NS 100000000ll
#define BOUND_NS 1000000000ll /* the documented recovery bound */
#if defined(__SANITIZE_THREAD__)
/* ThreadSanitizer slows every process several times over; the stall check
 * allows for that (the plain and ASan builds check the bound itself). */
#define STALL_LIMIT_NS (3 * BOUND_NS)
#else
#define STALL_LIMIT_NS BOUND_NS
#endif
#define WRITERS 3
#define READER_CHILDREN 3
#define MAX_WRITER_IDS 256
#define MAX_LOG (1u << 20)
#define MAX_BATCH 4u

enum role { WRITER, BROADCAST_CHILD, MEMBER_CHILD, LOSSY_CHILD, ROLES };

struct child {
    pid_t pid;
    enum role role;
    uint32_t writer_id; /* writers */
    int report_fd;      /* read end: a finished writer's message count, or
                           a member's finished messages (struct entry) */
};

struct entry {
    uint32_t writer;
    uint64_t seq;
};

/* ---- children ---------------------------------------------------------- */

static void child_fail(const char *what) {
    fprintf(stderr, "campaign child %d: %s\n", (int)getpid(), what);
    _exit(3);
}

static void writer_main(const char *name, uint32_t id, int64_t deadline_ns,
                        int report_fd, uint64_t seed) {
    shmring_ring_t *ring;
    shmring_writer_t *w;
    if (shmring_open(name, BOUND_NS, &ring) || shmring_writer_open(ring, &w)) {
        child_fail("writer join");
    }
    tu_rng_t rng;
    tu_rng_seed(&rng, seed);
    uint8_t bufs[MAX_BATCH][SLOT_BYTES];
    uint64_t seq = 0;
    while (tu_now_ns() < deadline_ns) {
        uint32_t op = (uint32_t)tu_rng_below(&rng, 3);
        uint64_t len = TU_MSG_HEADER + tu_rng_below(&rng, SLOT_BYTES - TU_MSG_HEADER + 1);
        int rc;
        if (op == 0) {
            tu_msg_encode(bufs[0], len, id, seq);
            rc = shmring_write(w, bufs[0], len, BOUND_NS);
            if (rc == SHMRING_OK) seq++;
        } else if (op == 1) {
            uint32_t k = 1 + (uint32_t)tu_rng_below(&rng, MAX_BATCH);
            const void *datas[MAX_BATCH];
            uint64_t lengths[MAX_BATCH];
            for (uint32_t i = 0; i < k; i++) {
                tu_msg_encode(bufs[i], len, id, seq + i);
                datas[i] = bufs[i];
                lengths[i] = len;
            }
            uint32_t written = 0;
            rc = shmring_write_batch(w, datas, lengths, k, &written, BOUND_NS);
            seq += written;
        } else {
            void *slot;
            rc = shmring_reserve(w, &slot, BOUND_NS);
            if (rc == SHMRING_OK) {
                tu_msg_encode(slot, len, id, seq);
                /* Dwell in the reservation: kills land between claim and
                 * publish, the case recovery exists for. */
                if (tu_rng_below(&rng, 2) == 0) {
                    nanosleep(&(struct timespec){0, 500000}, NULL);
                }
                rc = shmring_commit(w, len);
                if (rc == SHMRING_OK) seq++;
            }
        }
        /* Timeouts are allowed while a dead reader is being reaped. */
        if (rc != SHMRING_OK && rc != SHMRING_ETIMEOUT) child_fail("write");
        if (tu_rng_below(&rng, 4) == 0) {
            nanosleep(&(struct timespec){0, 50000}, NULL);
        }
    }
    if (shmring_writer_close(w)) child_fail("writer close");
    if (write(report_fd, &seq, sizeof seq) != sizeof seq) child_fail("report");
    _exit(0);
}

/* Sometimes pause 300 us: kills land while a message is held. */
static void dwell(tu_rng_t *rng, uint64_t one_in) {
    if (tu_rng_below(rng, one_in) == 0) {
        nanosleep(&(struct timespec){0, 300000}, NULL);
    }
}

/* A member: peek one message, report it, release it. */
static int member_read(shmring_reader_t *r, int report_fd, tu_rng_t *rng,
                       uint8_t *buf, uint64_t *len) {
    const void *view;
    int rc = shmring_peek(r, &view, len, BOUND_NS);
    if (rc != SHMRING_OK) return rc;
    memcpy(buf, view, *len);
    struct entry e;
    memset(&e, 0, sizeof e);
    if (!tu_msg_decode(buf, *len, &e.writer, &e.seq)) child_fail("corrupt message");
    dwell(rng, 2); /* a kill now: redelivered, never reported twice */
    if (write(report_fd, &e, sizeof e) != sizeof e) child_fail("report");
    dwell(rng, 4); /* a kill now: reported, and redelivered (a repeat) */
    return shmring_release(r);
}

static void reader_main(const char *name, enum role role, int report_fd,
                        uint64_t seed) {
    tu_rng_t rng;
    tu_rng_seed(&rng, seed);
    shmring_ring_t *ring;
    shmring_reader_t *r;
    if (shmring_open(name, BOUND_NS, &ring) ||
        shmring_reader_open(ring, role == MEMBER_CHILD ? "all" : NULL,
                            role == LOSSY_CHILD ? SHMRING_READER_LOSSY : 0,
                            &r)) {
        child_fail("reader join");
    }
    uint64_t next[MAX_WRITER_IDS];
    memset(next, 0xFF, sizeof next); /* UINT64_MAX: nothing seen yet */
    uint8_t buf[SLOT_BYTES];
    for (;;) {
        uint64_t len;
        int rc = role == MEMBER_CHILD
                     ? member_read(r, report_fd, &rng, buf, &len)
                     : shmring_read(r, buf, sizeof buf, &len, BOUND_NS);
        if (rc == SHMRING_ECLOSED) break;
        if (rc == SHMRING_ETIMEOUT) continue;
        if (rc != SHMRING_OK) child_fail("read");
        uint32_t writer;
        uint64_t seq;
        if (!tu_msg_decode(buf, len, &writer, &seq) || writer >= MAX_WRITER_IDS) {
            child_fail("corrupt message");
        }
        /* Broadcast: consecutive after the first; lossy: increasing
         * (a member may get an older message redelivered). */
        if (next[writer] != UINT64_MAX &&
            (role == BROADCAST_CHILD ? seq != next[writer]
                                     : role == LOSSY_CHILD && seq < next[writer])) {
            child_fail("per-writer order broken");
        }
        next[writer] = seq + 1;
    }
    _exit(0);
}

/* ---- the parent -------------------------------------------------------- */

struct log {
    struct entry *entries;
    uint32_t count;
    int closed;
};


struct round {
    const char *name;
    tu_rng_t rng;
    int64_t deadline_ns;
    struct child children[WRITERS + READER_CHILDREN];
    uint32_t next_writer_id;
    uint64_t reported[MAX_WRITER_IDS]; /* UINT64_MAX: killed */
    int writers_running;
    uint32_t kills[ROLES];
    struct log *reported_by_members; /* what member children finished */
};

static void spawn(struct round *rd, struct child *c, enum role role) {
    int fds[2] = {-1, -1};
    c->role = role;
    c->report_fd = -1;
    if (role == WRITER) {
        CHECK(rd->next_writer_id < MAX_WRITER_IDS);
        c->writer_id = rd->next_writer_id++;
        rd->reported[c->writer_id] = UINT64_MAX;
        rd->writers_running++;
    }
    if (role == WRITER || role == MEMBER_CHILD) CHECK(pipe(fds) == 0);
    uint64_t seed = tu_rng_next(&rd->rng);
    c->pid = fork();
    CHECK(c->pid >= 0);
    if (c->pid == 0) {
        if (fds[0] >= 0) close(fds[0]);
        if (role == WRITER) {
            writer_main(rd->name, c->writer_id, rd->deadline_ns, fds[1], seed);
        }
        reader_main(rd->name, role, fds[1], seed);
    }
    if (fds[0] >= 0) {
        close(fds[1]);
        c->report_fd = fds[0];
        if (role == MEMBER_CHILD) {
            CHECK(fcntl(c->report_fd, F_SETFL, O_NONBLOCK) == 0);
        }
    }
}

/* Take the messages a member child has reported finished so far. */
static void take_member_reports(struct round *rd, struct child *c) {
    struct log *log = rd->reported_by_members;
    for (;;) {
        struct entry batch[256];
        ssize_t n = read(c->report_fd, batch, sizeof batch);
        if (n <= 0) break;
        CHECK(n % (ssize_t)sizeof(struct entry) == 0);
        for (ssize_t i = 0; i < n / (ssize_t)sizeof(struct entry); i++) {
            CHECK(log->count < MAX_LOG);
            log->entries[log->count++] = batch[i];
        }
    }
}

/* A child ended (killed or done): check how, collect a writer's report. */
static void collect(struct round *rd, struct child *c, int status,
                    int was_killed) {
    if (was_killed) {
        CHECK_MSG(WIFSIGNALED(status) || WIFEXITED(status),
                  "child %d: odd status %d", (int)c->pid, status);
    }
    if (WIFEXITED(status)) {
        CHECK_MSG(WEXITSTATUS(status) == 0,
                  "child %d (role %d) failed its checks (exit %d)",
                  (int)c->pid, c->role, WEXITSTATUS(status));
    }
    if (c->role == WRITER) {
        uint64_t count;
        if (WIFEXITED(status) &&
            read(c->report_fd, &count, sizeof count) == sizeof count) {
            rd->reported[c->writer_id] = count;
        }
        close(c->report_fd);
        rd->writers_running--;
    }
    if (c->role == MEMBER_CHILD) {
        take_member_reports(rd, c);
        close(c->report_fd);
    }
    c->pid = 0;
}

static void kill_random(struct round *rd) {
    uint32_t slots = WRITERS + READER_CHILDREN;
    struct child *c = &rd->children[tu_rng_below(&rd->rng, slots)];
    if (c->pid == 0) return;
    enum role role = c->role;
    CHECK(kill(c->pid, SIGKILL) == 0);
    int status;
    CHECK(waitpid(c->pid, &status, 0) == c->pid);
    collect(rd, c, status, 1);
    rd->kills[role]++;
    /* Replace it: a reader child by one of a random kind; a writer only
     * while the round runs. */
    if (role == WRITER) {
        if (tu_now_ns() < rd->deadline_ns - 200000000ll) spawn(rd, c, WRITER);
    } else {
        spawn(rd, c, (enum role)(BROADCAST_CHILD + tu_rng_below(&rd->rng, 3)));
    }
}

static void reap_finished(struct round *rd) {
    for (uint32_t i = 0; i < WRITERS + READER_CHILDREN; i++) {
        struct child *c = &rd->children[i];
        int status;
        if (c->pid && waitpid(c->pid, &status, WNOHANG) == c->pid) {
            collect(rd, c, status, 0);
        }
    }
}

/* Take what a parent reader has now into its log. */
static int drain(shmring_reader_t *r, struct log *log) {
    int got = 0;
    uint8_t buf[SLOT_BYTES];
    uint64_t len;
    while (!log->closed) {
        int rc = shmring_try_read(r, buf, sizeof buf, &len);
        if (rc == SHMRING_ECLOSED) log->closed = 1;
        if (rc != SHMRING_OK) break;
        struct entry e;
        CHECK_MSG(tu_msg_decode(buf, len, &e.writer, &e.seq) &&
                      e.writer < MAX_WRITER_IDS,
                  "parent reader: corrupt message");
        CHECK(log->count < MAX_LOG);
        log->entries[log->count++] = e;
        got = 1;
    }
    return got;
}

static int by_writer_seq(const void *a, const void *b) {
    const struct entry *x = a, *y = b;
    if (x->writer != y->writer) return x->writer < y->writer ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void check_logs(const struct round *rd, struct log *logs,
                       uint64_t claimed, uint64_t abandoned,
                       uint64_t *group_repeats) {
    struct log *b1 = &logs[0], *b2 = &logs[1], *m1 = &logs[2], *m2 = &logs[3],
               *lossy = &logs[4];
    CHECK_EQ_U64(b1->count, b2->count);
    for (uint32_t i = 0; i < b1->count; i++) {
        CHECK_MSG(b1->entries[i].writer == b2->entries[i].writer &&
                      b1->entries[i].seq == b2->entries[i].seq,
                  "broadcast readers differ at message %u of %u: (%u, %llu) "
                  "and (%u, %llu)",
                  i, b1->count, b1->entries[i].writer,
                  (unsigned long long)b1->entries[i].seq,
                  b2->entries[i].writer,
                  (unsigned long long)b2->entries[i].seq);
    }
    uint64_t next[MAX_WRITER_IDS] = {0};
    for (uint32_t i = 0; i < b1->count; i++) {
        const struct entry *e = &b1->entries[i];
        CHECK_MSG(e->seq == next[e->writer],
                  "writer %u: message %llu after %llu (gap or duplicate)",
                  e->writer, (unsigned long long)e->seq,
                  (unsigned long long)next[e->writer]);
        next[e->writer]++;
    }
    for (uint32_t id = 0; id < rd->next_writer_id; id++) {
        if (rd->reported[id] == UINT64_MAX) continue; /* killed: a prefix */
        CHECK_MSG(next[id] == rd->reported[id],
                  "writer %u published %llu messages, readers got %llu", id,
                  (unsigned long long)rd->reported[id],
                  (unsigned long long)next[id]);
    }
    /* Nothing lost but exactly the abandoned slots. */
    CHECK_EQ_U64(b1->count + abandoned, claimed);
    /* The group "all": the parent's two members and what member children
     * reported finished cover every message; repeats only around deaths. */
    const struct log *parts[3] = {m1, m2, rd->reported_by_members};
    uint32_t group = 0;
    for (int p = 0; p < 3; p++) group += parts[p]->count;
    struct entry *all = malloc((group ? group : 1) * sizeof *all);
    struct entry *want = malloc((b1->count ? b1->count : 1) * sizeof *want);
    CHECK(all && want);
    uint32_t at = 0;
    for (int p = 0; p < 3; p++) {
        memcpy(all + at, parts[p]->entries, parts[p]->count * sizeof *all);
        at += parts[p]->count;
    }
    memcpy(want, b1->entries, b1->count * sizeof *want);
    qsort(all, group, sizeof *all, by_writer_seq);
    qsort(want, b1->count, sizeof *want, by_writer_seq);
    uint32_t got = 0; /* position in all */
    for (uint32_t k = 0; k < b1->count; k++) {
        CHECK_MSG(got < group && by_writer_seq(&all[got], &want[k]) == 0,
                  "group: message (%u, %llu) never delivered (%u members' "
                  "kills)", want[k].writer, (unsigned long long)want[k].seq,
                  rd->kills[MEMBER_CHILD]);
        while (got < group && by_writer_seq(&all[got], &want[k]) == 0) got++;
    }
    CHECK_MSG(got == group, "group: a message nobody wrote");
    *group_repeats = group - b1->count;
    CHECK_MSG(*group_repeats <= (uint64_t)rd->kills[MEMBER_CHILD] * SLOTS,
              "group: %llu messages repeated after %u member deaths",
              (unsigned long long)*group_repeats, rd->kills[MEMBER_CHILD]);
    free(all);
    free(want);
    /* The lossy reader: a subsequence of the total order. */
    uint32_t j = 0;
    for (uint32_t i = 0; i < lossy->count; i++) {
        while (j < b1->count && (b1->entries[j].writer != lossy->entries[i].writer ||
                                 b1->entries[j].seq != lossy->entries[i].seq)) {
            j++;
        }
        CHECK_MSG(j < b1->count, "lossy reader: message %u out of order", i);
        j++;
    }
}

static uint64_t ring_stat(const shmring_ring_t *ring, uint32_t field) {
    shmring_stats_t *stats;
    CHECK_OK(shmring_stats_read(ring, &stats));
    uint64_t value;
    CHECK_OK(shmring_stats_ring(stats, field, &value));
    shmring_stats_free(stats);
    return value;
}

/* Messages the parent's members took over from dead members. */
static uint64_t redelivered_to_parent(const shmring_ring_t *ring) {
    shmring_stats_t *stats;
    CHECK_OK(shmring_stats_read(ring, &stats));
    uint64_t total = 0;
    for (uint32_t i = 0; i < shmring_stats_reader_count(stats); i++) {
        uint64_t pid = 0, value = 0;
        CHECK_OK(shmring_stats_reader(stats, i, SHMRING_STAT_PID, &pid));
        CHECK_OK(shmring_stats_reader(stats, i, SHMRING_STAT_REDELIVERED, &value));
        if (pid == (uint64_t)getpid()) total += value;
    }
    shmring_stats_free(stats);
    return total;
}

static void run_round(int round, uint64_t seed) {
    char name[TU_NAME_BYTES];
    tu_segment_name(name, sizeof name, "campaign");
    shmring_options_t *o;
    CHECK_OK(shmring_options_create(&o));
    CHECK_OK(shmring_options_set_close_on_last_writer(o, 0));
    shmring_ring_t *ring;
    CHECK_OK(shmring_create(name, SLOT_BYTES, SLOTS, o, &ring));
    shmring_options_destroy(o);
    tu_track_segment(name);
    uint64_t initial = shmring_next_sequence(ring);

    shmring_reader_t *readers[5];
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &readers[0]));
    CHECK_OK(shmring_reader_open(ring, NULL, 0, &readers[1]));
    CHECK_OK(shmring_reader_open(ring, "all", 0, &readers[2]));
    CHECK_OK(shmring_reader_open(ring, "all", 0, &readers[3]));
    CHECK_OK(shmring_reader_open(ring, NULL, SHMRING_READER_LOSSY, &readers[4]));
    struct log logs[5] = {{0}};
    for (int i = 0; i < 5; i++) {
        logs[i].entries = malloc(MAX_LOG * sizeof(struct entry));
        CHECK(logs[i].entries);
    }

    struct log member_reports = {0};
    member_reports.entries = malloc(MAX_LOG * sizeof(struct entry));
    CHECK(member_reports.entries);
    struct round rd = {.name = name, .reported_by_members = &member_reports};
    tu_rng_seed(&rd.rng, seed);
    rd.deadline_ns = tu_now_ns() + ROUND_NS;
    for (int i = 0; i < WRITERS; i++) spawn(&rd, &rd.children[i], WRITER);
    for (int i = 0; i < READER_CHILDREN; i++) {
        spawn(&rd, &rd.children[WRITERS + i], (enum role)(BROADCAST_CHILD + i));
    }

    int64_t next_kill = tu_now_ns() + KILL_EVERY_NS;
    /* A stall (no message for the broadcast reader while writers run) may
     * last one bound per death that happened during it, plus one for a
     * death just before it began. */
    int64_t last_progress = tu_now_ns(), worst_stall = 0, worst_allowed = 0;
    uint32_t kills_before = 0;
    int stream_closed = 0;
    for (;;) {
        int progress = 0;
        for (int i = 0; i < 5; i++) {
            int got = drain(readers[i], &logs[i]);
            if (i == 0) progress = got;
        }
        for (uint32_t i = 0; i < WRITERS + READER_CHILDREN; i++) {
            struct child *c = &rd.children[i];
            if (c->pid && c->role == MEMBER_CHILD) take_member_reports(&rd, c);
        }
        int64_t now = tu_now_ns();
        uint32_t kills_now = rd.kills[WRITER] + rd.kills[BROADCAST_CHILD] +
                             rd.kills[MEMBER_CHILD] + rd.kills[LOSSY_CHILD];
        if (progress) {
            int64_t stall = now - last_progress;
            int64_t allowed = STALL_LIMIT_NS * (1 + (kills_now - kills_before));
            CHECK_MSG(rd.writers_running == 0 || stall < allowed,
                      "the broadcast reader stalled %.0f ms across %u deaths",
                      stall / 1e6, kills_now - kills_before);
            if (rd.writers_running > 0 && stall > worst_stall) {
                worst_stall = stall;
                worst_allowed = allowed;
            }
            last_progress = now;
            kills_before = kills_now;
        } else if (rd.writers_running == 0) {
            last_progress = now; /* idle by design, not stalled */
            kills_before = kills_now;
        }
        if (now >= next_kill && now < rd.deadline_ns) {
            kill_random(&rd);
            next_kill = now + KILL_EVERY_NS / 2 +
                        (int64_t)tu_rng_below(&rd.rng, KILL_EVERY_NS);
        }
        reap_finished(&rd);
        if (rd.writers_running == 0 && !stream_closed) {
            CHECK_OK(shmring_close_stream(ring));
            stream_closed = 1;
        }
        int all_closed = 1;
        for (int i = 0; i < 5; i++) all_closed &= logs[i].closed;
        if (all_closed) break;
        if (!progress) nanosleep(&(struct timespec){0, 100000}, NULL);
    }
    /* Reader children end at end of stream. */
    for (uint32_t i = 0; i < WRITERS + READER_CHILDREN; i++) {
        struct child *c = &rd.children[i];
        if (!c->pid) continue;
        int status;
        CHECK(waitpid(c->pid, &status, 0) == c->pid);
        collect(&rd, c, status, 0);
    }
    uint64_t claimed = shmring_next_sequence(ring) - initial;
    uint64_t abandoned = ring_stat(ring, SHMRING_STAT_SLOTS_ABANDONED);
    uint64_t repeats = 0;
    check_logs(&rd, logs, claimed, abandoned, &repeats);
    uint32_t kills = 0;
    for (int r = 0; r < ROLES; r++) kills += rd.kills[r];
    printf("  round %d: %u kills (%u writers, %u broadcast, %u members, %u "
           "lossy), %u messages, %llu slots abandoned, %llu writers and %llu "
           "readers reaped, %llu group messages redelivered to the parent "
           "(%llu repeated), worst stall %.1f ms (allowed %.0f)\n",
           round, kills, rd.kills[WRITER], rd.kills[BROADCAST_CHILD],
           rd.kills[MEMBER_CHILD], rd.kills[LOSSY_CHILD], logs[0].count,
           (unsigned long long)abandoned,
           (unsigned long long)ring_stat(ring, SHMRING_STAT_WRITERS_REAPED),
           (unsigned long long)ring_stat(ring, SHMRING_STAT_READERS_REAPED),
           (unsigned long long)redelivered_to_parent(ring),
           (unsigned long long)repeats, worst_stall / 1e6, worst_allowed / 1e6);
    free(member_reports.entries);
    for (int i = 0; i < 5; i++) {
        CHECK_OK(shmring_reader_close(readers[i]));
        free(logs[i].entries);
    }
    CHECK_OK(shmring_close(ring));
    CHECK_OK(shmring_unlink(name));
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0); /* children must not inherit output */
    tu_watchdog(240);
    uint64_t seed = tu_test_seed();
    printf("fault_campaign: seed %llu (rerun with SHMRING_TEST_SEED=%llu)\n",
           (unsigned long long)seed, (unsigned long long)seed);
    const char *env = getenv("SHMRING_CAMPAIGN_ROUNDS");
    int rounds = env ? atoi(env) : 3;
    for (int round = 0; round < rounds; round++) {
        run_round(round, tu_mix64(seed + (uint64_t)round));
    }
    printf("fault_campaign: PASS\n");
    return 0;
}
