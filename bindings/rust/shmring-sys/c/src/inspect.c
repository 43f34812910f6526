/*
 * inspect.c -- what a named segment is and whether anybody recorded in it
 * is alive (shmring_inspect), read-only and without joining it.
 *
 * The kind comes from the first bytes (magic, layout version); a published
 * ring or lock is then validated as an opener would (ring_inspect_fd in
 * segment.c with segment_check.c, rwlock_inspect_fd in rwlock_inspect.c)
 * and its recorded processes checked by pid and start
 * time (liveness.c). A segment whose layout version is still 0 is being
 * created if its creation lock is held (shm_file.c); if nobody holds it,
 * its creator died before publishing it: abandoned.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rwlock.h"

/* Live pids named in a summary; the rest are counted. */
#define SUMMARY_PIDS 8u

static const char *role_name(uint32_t role) {
    switch (role) {
    case SHMRING_ROLE_CREATOR: return "creator";
    case SHMRING_ROLE_WRITER: return "writer";
    case SHMRING_ROLE_READER: return "reader";
    case SHMRING_ROLE_JOINING: return "joining";
    default: return "lock holder";
    }
}

int inspection_note(shmring_inspection_t *in, uint32_t pid,
                    uint64_t start_time, uint32_t role) {
    if (!pid_is_possible(pid)) { /* no process can have it: damaged, not dead */
        if (!in->impossible_pid) in->impossible_pid = pid ? pid : UINT32_MAX;
        return 0;
    }
    if (participant_is_dead(pid, start_time)) {
        in->fields[SHMRING_INSPECT_DEAD_ENTRIES]++;
        return 0;
    }
    if (in->live_count == in->live_capacity) {
        uint32_t capacity = in->live_capacity ? 2 * in->live_capacity : 8;
        struct participant *grown =
            realloc(in->live, capacity * sizeof *grown);
        if (!grown) {
            in->out_of_memory = 1;
            return 1;
        }
        in->live = grown;
        in->live_capacity = capacity;
    }
    in->live[in->live_count++] = (struct participant){pid, role};
    return 1;
}

/* "pid 12 (reader), pid 13 (creator, this process) and 4 more". */
static void append_live(const shmring_inspection_t *in, char *out, size_t n) {
    size_t used = strlen(out);
    uint32_t me = (uint32_t)getpid();
    for (uint32_t i = 0; i < in->live_count && i < SUMMARY_PIDS; i++) {
        used += (size_t)snprintf(out + used, used < n ? n - used : 0,
                                 "%spid %u (%s%s)", i ? ", " : "",
                                 in->live[i].pid, role_name(in->live[i].role),
                                 in->live[i].pid == me ? ", this process" : "");
    }
    if (in->live_count > SUMMARY_PIDS && used < n) {
        snprintf(out + used, n - used, " and %u more",
                 in->live_count - SUMMARY_PIDS);
    }
}

static void set_kind(shmring_inspection_t *in, uint32_t kind, int stale,
                     const char *summary) {
    in->fields[SHMRING_INSPECT_KIND] = kind;
    in->fields[SHMRING_INSPECT_STALE] = (uint64_t)stale;
    snprintf(in->summary, sizeof in->summary, "%s", summary);
}

/* A published ring or lock: its recorded processes decide. */
static void judge_published(int fd, const char *name, int is_ring,
                            shmring_inspection_t *in) {
    int rc = is_ring ? ring_inspect_fd(fd, name, in)
                     : rwlock_inspect_fd(fd, name, in);
    if (rc == SHMRING_EVERSION) {
        set_kind(in, SHMRING_SEGMENT_OTHER_VERSION, 0, shmring_last_error());
        return;
    }
    if (rc != SHMRING_OK) {
        set_kind(in, SHMRING_SEGMENT_CORRUPT, 0, shmring_last_error());
        return;
    }
    if (in->impossible_pid) {
        char why[96];
        snprintf(why, sizeof why,
                 "damaged: an entry names pid %u, which no process can have",
                 in->impossible_pid == UINT32_MAX ? 0u : in->impossible_pid);
        set_kind(in, SHMRING_SEGMENT_CORRUPT, 0, why);
        return;
    }
    uint32_t kind = is_ring ? SHMRING_SEGMENT_RING : SHMRING_SEGMENT_RWLOCK;
    if (in->live_count == 0) {
        char why[160];
        snprintf(why, sizeof why,
                 "stale: nobody recorded in it is alive (creator pid %llu and "
                 "%llu other entries dead)",
                 (unsigned long long)in->fields[SHMRING_INSPECT_CREATOR_PID],
                 (unsigned long long)(in->fields[SHMRING_INSPECT_DEAD_ENTRIES] -
                                      1));
        set_kind(in, kind, 1, why);
        return;
    }
    set_kind(in, kind, 0, "live: ");
    append_live(in, in->summary, sizeof in->summary);
}

/* 1 if a creator holds the creation lock of fd now. */
static int creator_at_work(int fd) {
    if (flock(fd, LOCK_SH | LOCK_NB) != 0) return errno == EWOULDBLOCK;
    flock(fd, LOCK_UN);
    return 0;
}

/* Layout version 0: being created, or left by a creator that died. */
static void judge_unpublished(int fd, int creation_locked, const uint8_t *head,
                              int has_magic, shmring_inspection_t *in) {
    /* The creator's pid, if it got as far as writing it (ring and lock
     * headers keep it at different offsets). */
    uint32_t creator = 0;
    uint64_t start = 0;
    if (has_magic) {
        size_t at = memcmp(head, SHM_MAGIC, SHM_MAGIC_BYTES) == 0
                        ? offsetof(struct segment_header, creator_pid)
                        : offsetof(struct rwlock_header, creator_pid);
        memcpy(&creator, head + at, sizeof creator);
        memcpy(&start, head + at + 8, sizeof start);
    }
    in->fields[SHMRING_INSPECT_CREATOR_PID] = creator;
    /* A creator of an older library takes no creation lock: its pid
     * speaks for it. */
    int working = !creation_locked && creator_at_work(fd);
    if (working || (creator && inspection_note(in, creator, start,
                                               SHMRING_ROLE_CREATOR))) {
        in->fields[SHMRING_INSPECT_CREATOR_ALIVE] = 1;
        set_kind(in, SHMRING_SEGMENT_INITIALIZING, 0,
                 "being created by another process right now");
        return;
    }
    if (!has_magic) {
        set_kind(in, SHMRING_SEGMENT_EMPTY, 1,
                 "stale if it was meant to be a shmring segment: no header "
                 "and nobody creating it (a creator that died at once)");
        return;
    }
    set_kind(in, SHMRING_SEGMENT_ABANDONED, 1,
             "stale: its creator died before it was ready");
}

void inspect_fd(int fd, const char *name, int creation_locked,
                shmring_inspection_t *in) {
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        set_kind(in, SHMRING_SEGMENT_FOREIGN, 0,
                 "not a shmring segment (not a regular file)");
        return;
    }
    in->fields[SHMRING_INSPECT_SEGMENT_BYTES] = (uint64_t)st.st_size;
    uint8_t head[128] = {0};
    if (st.st_size > 0 && pread(fd, head, sizeof head, 0) < 0) {
        set_kind(in, SHMRING_SEGMENT_FOREIGN, 0, "not readable");
        return;
    }
    static const uint8_t zeros[SHM_MAGIC_BYTES];
    int is_ring = memcmp(head, SHM_MAGIC, SHM_MAGIC_BYTES) == 0;
    int is_lock = memcmp(head, RWLOCK_MAGIC, SHM_MAGIC_BYTES) == 0;
    int blank = memcmp(head, zeros, SHM_MAGIC_BYTES) == 0;
    uint32_t version;
    memcpy(&version, head + offsetof(struct segment_header, layout_version),
           sizeof version);
    if (!is_ring && !is_lock && !(blank && version == 0)) {
        set_kind(in, SHMRING_SEGMENT_FOREIGN, 0,
                 "not a shmring segment (unknown magic)");
        return;
    }
    if (version == 0) {
        judge_unpublished(fd, creation_locked, head, !blank, in);
        return;
    }
    judge_published(fd, name, is_ring, in);
}

SHMRING_API int shmring_inspect(const char *name,
                                shmring_inspection_t **inspection_out) {
    if (!inspection_out) {
        return set_error(SHMRING_EINVALID, "inspection_out is NULL");
    }
    *inspection_out = NULL;
    char *normalized;
    int rc = shm_normalize_name(name, &normalized);
    if (rc != SHMRING_OK) return rc;
    int fd = shm_open(normalized, O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0) {
        rc = shm_os_error(errno, "cannot open segment", normalized);
        free(normalized);
        return rc;
    }
    shmring_inspection_t *in = calloc(1, sizeof *in);
    if (in) inspect_fd(fd, normalized, 0, in);
    close(fd);
    free(normalized);
    if (!in || in->out_of_memory) {
        shmring_inspection_free(in);
        return set_error(SHMRING_ENOMEM, "cannot allocate an inspection");
    }
    *inspection_out = in;
    return SHMRING_OK;
}

SHMRING_API void shmring_inspection_free(shmring_inspection_t *inspection) {
    if (!inspection) return;
    free(inspection->live);
    free(inspection);
}

SHMRING_API int shmring_inspection_get(const shmring_inspection_t *in,
                                       uint32_t field, uint64_t *value_out) {
    if (!in || !value_out) {
        return set_error(SHMRING_EINVALID, "inspection or value_out is NULL");
    }
    if (field >= INSPECT_FIELDS) {
        return set_error(SHMRING_EINVALID, "no inspection field %u", field);
    }
    *value_out = in->fields[field];
    return SHMRING_OK;
}

SHMRING_API uint32_t
shmring_inspection_live_count(const shmring_inspection_t *in) {
    return in ? in->live_count : 0;
}

SHMRING_API int shmring_inspection_live(const shmring_inspection_t *in,
                                        uint32_t index, uint32_t *pid_out,
                                        uint32_t *role_out) {
    if (!in || !pid_out || !role_out) {
        return set_error(SHMRING_EINVALID, "inspection or an output is NULL");
    }
    if (index >= in->live_count) {
        return set_error(SHMRING_EINVALID, "live participant %u of %u", index,
                         in->live_count);
    }
    *pid_out = in->live[index].pid;
    *role_out = in->live[index].role;
    return SHMRING_OK;
}

SHMRING_API const char *
shmring_inspection_summary(const shmring_inspection_t *in) {
    return in ? in->summary : "";
}
