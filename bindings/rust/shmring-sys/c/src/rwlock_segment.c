/*
 * rwlock_segment.c -- creating, opening, duplicating and closing
 * readers-writer lock segments (rwlock_check_segment), the holder
 * table (one entry per handle), and this process's pid, kept across fork.
 *
 * As for rings (segment.c): the creator reserves every byte, fills the
 * header, and release-stores layout_version last; an opener acquire-loads
 * it, waits while it is 0, and refuses a foreign magic (SHMRING_ECORRUPT),
 * another byte order or layout version (SHMRING_EVERSION), and a header
 * that disagrees with itself or with the file (SHMRING_ECORRUPT).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rwlock.h"

/* ---- this process's pid, kept across fork() ------------------------------ */

static atomic_u32 current_pid;
static pthread_once_t pid_once = PTHREAD_ONCE_INIT;

static void remember_pid(void) {
    /* Relaxed: process-local; the child handler runs before the child's
     * only thread returns from fork(), and pthread_once orders the first
     * store before every handle's use. */
    store_relaxed(&current_pid, (uint32_t)getpid());
}
static void track_pid(void) {
    remember_pid();
    pthread_atfork(NULL, NULL, remember_pid);
}

uint32_t rwlock_current_pid(void) {
    pthread_once(&pid_once, track_pid);
    /* Relaxed: as in remember_pid. */
    return load_relaxed(&current_pid);
}

/* ---- the holder table --------------------------------------------------- */

static void raise_holders_high_water(struct rwlock_control *c, uint32_t index) {
    /* SYNC(rw-high-water): pairs with load_seq_cst in holders_in_use;
     * raised before the entry is claimed. */
    uint32_t hw = load_seq_cst(&c->holders_high_water);
    while (hw < index + 1 &&
           !cas_seq_cst(&c->holders_high_water, &hw, index + 1)) {
    }
}

/* Take a free holder entry for this handle; a full table is searched again
 * after freeing the entries of dead processes. */
static int claim_holder(shmring_rwlock_t *lock) {
    uint32_t pid = rwlock_current_pid();
    uint64_t start = process_start_time(pid);
    lock->pid = pid;
    lock->index = lock->max_holders; /* none yet */
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t i = 0; i < lock->max_holders; i++) {
            struct rwlock_holder *h = &lock->holders[i];
            /* SYNC(rw-owner): pairs with the freeing CAS in
             * rwlock_recover_if_dead and release_holder. */
            uint64_t owner = load_seq_cst(&h->owner);
            if ((uint32_t)owner != 0) continue;
            uint32_t generation = (uint32_t)(owner >> 32) + 1;
            raise_holders_high_water(lock->control, i); /* H-a */
            /* H-b. SYNC(rw-owner): as above. */
            if (!cas_seq_cst(&h->owner, &owner,
                             ((uint64_t)generation << 32) | pid)) {
                continue;
            }
            /* H-c. Relaxed: published by the release store just below. */
            store_relaxed(&h->start_time, start);
            /* SYNC(rw-start): pairs with load_acquire(start_generation) in
             * rwlock_recover_if_dead. */
            store_release(&h->start_generation, generation);
            lock->index = i;
            lock->generation = generation;
            /* H-d. SYNC(rw-shared): no hold yet, in this generation. */
            store_seq_cst(&h->shared, (uint64_t)generation << 32);
            return SHMRING_OK;
        }
        int freed = 0;
        for (uint32_t i = 0; pass == 0 && i < lock->max_holders; i++) {
            freed += rwlock_recover_if_dead(lock, i);
        }
        if (!freed) break;
    }
    return set_error(SHMRING_ELIMIT, "all %u holder entries of the lock are "
                                     "in use",
                     lock->max_holders);
}

static void release_holder(shmring_rwlock_t *lock) {
    rwlock_release_holds(lock);
    struct rwlock_holder *h = &lock->holders[lock->index];
    uint64_t owner = ((uint64_t)lock->generation << 32) | lock->pid;
    /* H-e. SYNC(rw-owner): pairs with load_seq_cst(owner) in claim_holder. A
     * CAS: the entry stays as it is if it is no longer ours. */
    cas_seq_cst(&h->owner, &owner, (uint64_t)lock->generation << 32);
}

/* ---- segments ----------------------------------------------------------- */

static int validate_header(const struct rwlock_header *h, uint32_t version,
                           uint64_t file_bytes, const char *name) {
    int rc = shm_check_identity(h, version, RWLOCK_MAGIC, RWLOCK_LAYOUT_VERSION,
                                "lock ", name);
    if (rc != SHMRING_OK) return rc;
    if (h->max_holders == 0 || h->max_holders > RWLOCK_MAX_HOLDERS ||
        h->block_bytes != SHM_BLOCK ||
        h->holders_offset != RWLOCK_HOLDERS_OFFSET ||
        h->segment_bytes != rwlock_segment_bytes(h->max_holders)) {
        return set_error(SHMRING_ECORRUPT,
                         "%s: lock header disagrees with itself (%u holders, "
                         "%llu bytes)",
                         name, h->max_holders,
                         (unsigned long long)h->segment_bytes);
    }
    if (h->segment_bytes != file_bytes) {
        return set_error(SHMRING_ECORRUPT,
                         "%s is %llu bytes but its header says %llu "
                         "(truncated?)",
                         name, (unsigned long long)file_bytes,
                         (unsigned long long)h->segment_bytes);
    }
    return SHMRING_OK;
}

/* Map fd's header, copy and validate it; SHMRING_EEMPTY while not ready. */
int rwlock_check_segment(int fd, const char *name, uint64_t *bytes_out,
                         void *header) {
    struct rwlock_header *copy = header;
    uint32_t version;
    int rc = shm_copy_header(fd, name, "lock", sizeof *copy,
                             offsetof(struct rwlock_header, layout_version),
                             copy, &version, bytes_out);
    return rc == SHMRING_OK ? validate_header(copy, version, *bytes_out, name)
                            : rc;
}

static void initialize_segment(uint8_t *base, uint32_t max_holders) {
    struct rwlock_header *h = (struct rwlock_header *)base;
    memcpy(h->magic, RWLOCK_MAGIC, sizeof h->magic);
    h->byte_order_mark = SHM_BYTE_ORDER_MARK;
    h->segment_bytes = rwlock_segment_bytes(max_holders);
    h->max_holders = max_holders;
    h->block_bytes = SHM_BLOCK;
    h->holders_offset = RWLOCK_HOLDERS_OFFSET;
    h->creator_pid = (uint32_t)getpid();
    h->creator_start_time = process_start_time(h->creator_pid);
    /* Everything else starts at zero (fallocate): no holder, lock free.
     * SYNC(rwlock-published): pairs with load_acquire(layout_version) in
     * shm_copy_header. */
    store_release(&h->layout_version, RWLOCK_LAYOUT_VERSION);
}

/* A handle on the mapping of fd (which it takes over), with a holder. */
static int attach(int fd, uint64_t bytes, uint32_t max_holders,
                  char *name, shmring_rwlock_t **lock_out) {
    shmring_rwlock_t *lock = calloc(1, sizeof *lock);
    if (!lock) {
        close(fd);
        free(name);
        return set_error(SHMRING_ENOMEM, "cannot allocate lock handle");
    }
    void *base = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (base == MAP_FAILED) {
        int rc = shm_os_error(errno, "cannot map lock segment", name);
        close(fd);
        free(name);
        free(lock);
        return rc;
    }
    lock->base = base;
    lock->mapped_bytes = bytes;
    lock->fd = fd;
    lock->name = name;
    lock->max_holders = max_holders;
    lock->control =
        (struct rwlock_control *)(lock->base + RWLOCK_CONTROL_OFFSET);
    lock->holders =
        (struct rwlock_holder *)(lock->base + RWLOCK_HOLDERS_OFFSET);
    spinner_init(&lock->spin);
    interrupt_init(&lock->interrupt, &lock->control->free_wait,
                   &lock->control->drain_wait);
    /* Relaxed: a plausibility check of the one counter we index with. */
    if (load_relaxed(&lock->control->holders_high_water) > max_holders) {
        int rc = set_error(SHMRING_ECORRUPT,
                           "%s: holder high-water mark beyond the table",
                           name ? name : "(anonymous)");
        munmap(base, bytes);
        close(fd);
        free(name);
        free(lock);
        return rc;
    }
    int rc = claim_holder(lock);
    if (rc != SHMRING_OK) {
        munmap(base, bytes);
        close(fd);
        free(name);
        free(lock);
        return rc;
    }
    *lock_out = lock;
    return SHMRING_OK;
}

SHMRING_API int shmring_rwlock_create(const char *name, uint32_t max_holders,
                                      uint32_t mode,
                                      shmring_rwlock_t **lock_out) {
    if (!lock_out) return set_error(SHMRING_EINVALID, "lock_out is NULL");
    *lock_out = NULL;
    if (max_holders == 0) max_holders = RWLOCK_DEFAULT_HOLDERS;
    if (max_holders > RWLOCK_MAX_HOLDERS) {
        return set_error(SHMRING_EINVALID, "max_holders %u exceeds %u",
                         max_holders, RWLOCK_MAX_HOLDERS);
    }
    int replace_stale = (mode & SHMRING_REPLACE_STALE) != 0;
    mode &= ~SHMRING_REPLACE_STALE;
    if (mode == 0) mode = 0600;
    if (mode > 07777) {
        return set_error(SHMRING_EINVALID,
                         "mode %#o is not permission bits (with "
                         "SHMRING_REPLACE_STALE)",
                         mode);
    }
    char *normalized = NULL;
    int fd, rc;
    if (name && (rc = shm_normalize_name(name, &normalized)) != SHMRING_OK) {
        return rc;
    }
    uint64_t bytes = rwlock_segment_bytes(max_holders);
    rc = shm_create_file(normalized, mode, bytes, "shmring-rwlock",
                         replace_stale, &fd);
    if (rc != SHMRING_OK) {
        free(normalized);
        return rc;
    }
    void *base = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (base == MAP_FAILED) {
        rc = shm_os_error(errno, "cannot map lock segment", normalized);
        close(fd);
        if (normalized) shm_unlink(normalized);
        free(normalized);
        return rc;
    }
    initialize_segment(base, max_holders);
    munmap(base, bytes);
    shm_creation_done(fd);
    rc = attach(fd, bytes, max_holders, normalized, lock_out);
    /* attach() took fd and normalized either way. */
    if (rc != SHMRING_OK && name) {
        char *again = NULL;
        if (shm_normalize_name(name, &again) == SHMRING_OK) shm_unlink(again);
        free(again);
    }
    return rc;
}

static int open_by(const char *name, const struct deadline *deadline,
                   shmring_opener_t *opener, shmring_rwlock_t **lock_out) {
    if (!lock_out) return set_error(SHMRING_EINVALID, "lock_out is NULL");
    *lock_out = NULL;
    char *normalized = NULL;
    int rc = shm_normalize_name(name, &normalized);
    if (rc != SHMRING_OK) return rc;
    int fd;
    uint64_t bytes = 0;
    struct rwlock_header header;
    rc = shm_open_when_ready(normalized, deadline, opener, rwlock_check_segment,
                             &header, &bytes, &fd);
    if (rc != SHMRING_OK) {
        free(normalized);
        return rc;
    }
    return attach(fd, bytes, header.max_holders, normalized, lock_out);
}

SHMRING_API int shmring_rwlock_open(const char *name, int64_t timeout_ns,
                                    shmring_rwlock_t **lock_out) {
    struct deadline deadline = deadline_in(timeout_ns);
    return open_by(name, &deadline, NULL, lock_out);
}

SHMRING_API int shmring_rwlock_open_until(const char *name, int64_t deadline_ns,
                                          shmring_opener_t *opener,
                                          shmring_rwlock_t **lock_out) {
    struct deadline deadline = deadline_at(deadline_ns);
    return open_by(name, &deadline, opener, lock_out);
}

SHMRING_API int shmring_rwlock_dup(shmring_rwlock_t *lock,
                                   shmring_rwlock_t **lock_out) {
    if (!lock_out) return set_error(SHMRING_EINVALID, "lock_out is NULL");
    *lock_out = NULL;
    if (!lock) return set_error(SHMRING_EINVALID, "lock is NULL");
    char *name = NULL;
    if (lock->name && !(name = strdup(lock->name))) {
        return set_error(SHMRING_ENOMEM, "cannot allocate name");
    }
    int fd = fcntl(lock->fd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) {
        int rc = shm_os_error(errno, "cannot duplicate lock segment", name);
        free(name);
        return rc;
    }
    return attach(fd, lock->mapped_bytes, lock->max_holders, name, lock_out);
}

SHMRING_API int shmring_rwlock_close(shmring_rwlock_t *lock) {
    if (!lock) return set_error(SHMRING_EINVALID, "lock is NULL");
    /* In a child that inherited the handle, the holder is the parent's. */
    if (lock->pid == rwlock_current_pid()) release_holder(lock);
    munmap(lock->base, lock->mapped_bytes);
    close(lock->fd);
    free(lock->name);
    free(lock);
    return SHMRING_OK;
}
