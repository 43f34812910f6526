/*
 * fuzz_open.c -- libFuzzer target over the open/validate path.
 *
 * Each input becomes a segment in /dev/shm, which shmring_open must either
 * refuse with a clear status or accept; an accepted ring is then used (a
 * writer, a broadcast reader, a group member and a lossy reader, a write
 * and reads), all with zero timeouts. Nothing may crash, hang or leak.
 *
 * Input byte 0 chooses the shape:
 *   even: the rest of the input is the whole file image;
 *   odd:  a valid ring is created from bytes 1..4 (slot_bytes, log2 slot
 *         count, readers, groups), then the rest is applied as edits
 *         (offset: 2 bytes, value: 1 byte) to its header, control blocks
 *         and tables (but not the registry lock, see below), with optional
 *         truncation -- so mutations reach the checks behind the magic and
 *         the version.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "shmring.h"

static char name[64];

static void use_ring(shmring_ring_t *ring) {
    shmring_writer_t *w = NULL;
    shmring_reader_t *readers[3] = {NULL, NULL, NULL};
    shmring_reader_open(ring, NULL, 0, &readers[0]);
    shmring_reader_open(ring, "fuzz", 0, &readers[1]);
    shmring_reader_open(ring, NULL, SHMRING_READER_LOSSY, &readers[2]);
    if (shmring_writer_open(ring, &w) == SHMRING_OK) {
        shmring_try_write(w, "fuzz", 4);
    }
    char buffer[64];
    for (int i = 0; i < 3; i++) {
        if (!readers[i]) continue;
        uint64_t length;
        shmring_try_read(readers[i], buffer, sizeof buffer, &length);
        shmring_reader_close(readers[i]);
    }
    if (w) shmring_writer_close(w);
}

static void edit_valid_ring(const uint8_t *data, size_t size) {
    shmring_options_t *o;
    if (shmring_options_create(&o) != SHMRING_OK) return;
    shmring_options_set_max_writers(o, 1 + data[3] % 4);
    shmring_options_set_max_readers(o, 1 + data[3] / 64);
    shmring_options_set_max_groups(o, data[4] % 3);
    shmring_ring_t *ring;
    int rc = shmring_create(name, 1 + data[1], 2ull << (data[2] % 4), o, &ring);
    shmring_options_destroy(o);
    if (rc != SHMRING_OK) return;
    shmring_close(ring);
    int fd = shm_open(name, O_RDWR, 0);
    if (fd < 0) return;
    struct stat st;
    fstat(fd, &st);
    for (size_t i = 5; i + 3 <= size; i += 3) {
        uint16_t offset = (uint16_t)(data[i] | data[i + 1] << 8);
        if (offset == 0xFFFF) { /* truncate */
            ftruncate(fd, data[i + 2] * 64);
            break;
        }
        /* Not the registry lock (offset 640..643): a live pid there makes
         * every join wait its 5 s bound, by design, then fail ETIMEOUT. */
        if (offset >= 640 && offset < 644) continue;
        if (offset < st.st_size) pwrite(fd, &data[i + 2], 1, offset);
    }
    close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 5) return 0;
    if (!name[0]) {
        /* The pid alone is not unique: Bazel's linux-sandbox runs tests in
         * pid namespaces, so concurrent runs (other checkouts on the same
         * machine) share pids, and /dev/shm. A clock nonce tells them apart. */
        struct timespec t;
        clock_gettime(CLOCK_REALTIME, &t);
        snprintf(name, sizeof name, "/shmring-fuzz-%d-%lx", (int)getpid(),
                 (unsigned long)t.tv_sec * 1000000000ul + (unsigned long)t.tv_nsec);
    }
    shm_unlink(name);
    if (data[0] & 1) {
        edit_valid_ring(data, size);
    } else {
        int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
        if (fd < 0) return 0;
        if (write(fd, data + 1, size - 1) < 0) {
            close(fd);
            shm_unlink(name);
            return 0;
        }
        close(fd);
    }
    shmring_ring_t *ring;
    if (shmring_open(name, 0, &ring) == SHMRING_OK) {
        use_ring(ring);
        shmring_close(ring);
    }
    shm_unlink(name);
    return 0;
}
