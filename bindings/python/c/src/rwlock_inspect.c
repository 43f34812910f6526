/*
 * rwlock_inspect.c -- what a readers-writer lock segment says about its
 * users, for shmring_inspect (inspect.c): its geometry, its creator and
 * the live holders in its table, read without taking a holder entry.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/mman.h>

#include "rwlock.h"

int rwlock_inspect_fd(int fd, const char *name, shmring_inspection_t *in) {
    struct rwlock_header header;
    uint64_t bytes = 0;
    int rc = rwlock_check_segment(fd, name, &bytes, &header);
    if (rc != SHMRING_OK) return rc;
    void *base = mmap(NULL, bytes, PROT_READ, MAP_SHARED, fd, 0);
    if (base == MAP_FAILED) return shm_os_error(errno, "cannot map", name);
    const struct rwlock_holder *holders =
        (const struct rwlock_holder *)((uint8_t *)base + RWLOCK_HOLDERS_OFFSET);
    uint64_t *f = in->fields;
    f[SHMRING_INSPECT_LAYOUT_VERSION] = RWLOCK_LAYOUT_VERSION;
    f[SHMRING_INSPECT_MAX_HOLDERS] = header.max_holders;
    f[SHMRING_INSPECT_CREATOR_PID] = header.creator_pid;
    f[SHMRING_INSPECT_CREATOR_ALIVE] =
        inspection_note(in, header.creator_pid, header.creator_start_time,
                        SHMRING_ROLE_CREATOR);
    for (uint32_t i = 0; i < header.max_holders; i++) {
        const struct rwlock_holder *h = &holders[i];
        /* SYNC(rw-owner): pairs with the claiming CAS in claim_holder. */
        uint64_t owner = load_seq_cst(&h->owner);
        uint32_t pid = (uint32_t)owner, generation = (uint32_t)(owner >> 32);
        if (pid == 0) continue;
        /* SYNC(rw-start): pairs with store_release(start_generation) in
         * claim_holder, as in rwlock_recover_if_dead. */
        uint64_t start = 0;
        if (load_acquire(&h->start_generation) == generation) {
            /* Relaxed: published by the acquire load just above. */
            start = load_relaxed(&h->start_time);
        }
        f[SHMRING_INSPECT_LIVE_HOLDERS] +=
            inspection_note(in, pid, start, SHMRING_ROLE_HOLDER);
    }
    munmap(base, bytes);
    return SHMRING_OK;
}
