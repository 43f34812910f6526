/*
 * shm_file.c -- the steps every kind of segment (ring or lock) takes with
 * its file: names, creation with every byte reserved, opening once the
 * creator has published the layout version, and the identity checks of a
 * header (magic, byte order, version).
 *
 * A creator reserves the memory (posix_fallocate) before anybody maps it,
 * so a full /dev/shm is an error at create time and never a SIGBUS later.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define NAME_MAX_BYTES 250

/* "/name" or "name" -> a malloc'd "/name". */
int shm_normalize_name(const char *name, char **out) {
    if (!name) return set_error(SHMRING_EINVALID, "name is NULL");
    const char *bare = name[0] == '/' ? name + 1 : name;
    size_t n = strlen(bare);
    if (n == 0 || n > NAME_MAX_BYTES || strchr(bare, '/')) {
        return set_error(SHMRING_EINVALID,
                         "segment name \"%s\" must be 1..%d characters with no "
                         "'/' after the first",
                         name, NAME_MAX_BYTES);
    }
    char *s = malloc(n + 2);
    if (!s) return set_error(SHMRING_ENOMEM, "cannot allocate name");
    s[0] = '/';
    memcpy(s + 1, bare, n + 1);
    *out = s;
    return SHMRING_OK;
}

/* The error code a failed open, truncate, allocate or map reports. */
static int code_of_errno(int err) {
    switch (err) {
    case EEXIST:
        return SHMRING_EEXISTS;
    case ENOENT:
        return SHMRING_ENOT_FOUND;
    case EACCES:
    case EPERM:
        return SHMRING_EPERMISSION;
    case ENOSPC:
    case EFBIG:
    case ENOMEM:
        return SHMRING_ENOSPACE;
    case EINVAL:
    case ENAMETOOLONG:
        return SHMRING_EINVALID;
    default:
        return SHMRING_ESYSTEM;
    }
}

/* The system call, not glibc's memfd_create() (2.27 and later): the wheels
 * are built against glibc 2.17 (manylinux2014), which has neither the
 * wrapper nor the flag's name. */
#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 1U
#endif
static int memfd_cloexec(const char *kind) {
    return (int)syscall(SYS_memfd_create, kind, MFD_CLOEXEC);
}

int shm_os_error(int err, const char *what, const char *name) {
    return set_error(code_of_errno(err), "%s %s: %s", what, name ? name : "(anonymous)",
                     strerror(err));
}

int shm_create_file(const char *name, uint32_t mode, uint64_t bytes,
                    const char *kind, int *fd_out) {
    int fd;
    if (name) {
        fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, mode);
        if (fd < 0) {
            return shm_os_error(errno, "cannot create segment", name);
        }
        /* The umask must not narrow the mode the caller asked for. */
        (void)fchmod(fd, mode);
    } else {
        fd = memfd_cloexec(kind);
        if (fd < 0) return shm_os_error(errno, "cannot create segment", NULL);
    }
    int err = posix_fallocate(fd, 0, (off_t)bytes);
    if (err != 0) {
        int rc = shm_os_error(err, "cannot reserve shared memory for", name);
        if (rc == SHMRING_ENOSPACE) {
            set_error(rc, "cannot reserve %llu bytes of shared memory for %s: %s",
                      (unsigned long long)bytes, name ? name : "(anonymous)",
                      strerror(err));
        }
        close(fd);
        if (name) shm_unlink(name);
        return rc;
    }
    *fd_out = fd;
    return SHMRING_OK;
}

int shm_copy_header(int fd, const char *name, const char *what,
                    size_t header_bytes, size_t version_offset, void *copy,
                    uint32_t *version_out, uint64_t *bytes_out) {
    struct stat st;
    if (fstat(fd, &st) != 0) return shm_os_error(errno, "cannot stat", name);
    if (!S_ISREG(st.st_mode)) {
        return set_error(SHMRING_ECORRUPT, "%s is not a regular segment", name);
    }
    uint64_t bytes = (uint64_t)st.st_size;
    if (bytes == 0) return SHMRING_EEMPTY; /* between create and fallocate */
    if (bytes < header_bytes) {
        return set_error(SHMRING_ECORRUPT,
                         "%s is %llu bytes, too small for a %s header", name,
                         (unsigned long long)bytes, what);
    }
    void *head = mmap(NULL, header_bytes, PROT_READ, MAP_SHARED, fd, 0);
    if (head == MAP_FAILED) return shm_os_error(errno, "cannot map", name);
    const atomic_u32 *version = (const atomic_u32 *)((uint8_t *)head + version_offset);
    /* SYNC(layout-published), SYNC(rwlock-published): pairs with the
     * store_release of layout_version in either initialize_segment: the
     * header copied after it is complete. */
    *version_out = load_acquire(version);
    memcpy(copy, head, header_bytes);
    munmap(head, header_bytes);
    *bytes_out = bytes;
    return SHMRING_OK;
}

int shm_open_when_ready(const char *name, int64_t timeout_ns,
                        shm_header_check check, void *header,
                        uint64_t *bytes_out, int *fd_out) {
    int fd = shm_open(name, O_RDWR | O_CLOEXEC, 0);
    if (fd < 0) return shm_os_error(errno, "cannot open segment", name);
    struct deadline deadline = deadline_after(timeout_ns);
    int rc;
    while ((rc = check(fd, name, bytes_out, header)) == SHMRING_EEMPTY) {
        if (!deadline.forever && monotonic_ns() >= deadline.at_ns) {
            rc = set_error(SHMRING_ETIMEOUT,
                           "%s was not ready (layout version 0) before the "
                           "deadline",
                           name);
            break;
        }
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    }
    if (rc != SHMRING_OK) {
        close(fd);
        return rc;
    }
    *fd_out = fd;
    return SHMRING_OK;
}

int shm_check_identity(const void *header, uint32_t version,
                       const char *magic, uint32_t supported,
                       const char *kind, const char *name) {
    static const char zeros[SHM_MAGIC_BYTES];
    const char *have = header;
    if (memcmp(have, zeros, sizeof zeros) == 0 && version == 0) {
        return SHMRING_EEMPTY; /* the creator is still at work */
    }
    if (memcmp(have, magic, SHM_MAGIC_BYTES) != 0) {
        return set_error(SHMRING_ECORRUPT,
                         "%s is not a shmring %ssegment (wrong magic)", name,
                         kind);
    }
    if (version == 0) return SHMRING_EEMPTY;
    uint32_t byte_order_mark;
    memcpy(&byte_order_mark, have + SHM_BYTE_ORDER_MARK_OFFSET,
           sizeof byte_order_mark);
    if (byte_order_mark != SHM_BYTE_ORDER_MARK) {
        return set_error(SHMRING_EVERSION,
                         "%s was made on a machine of another byte order",
                         name);
    }
    if (version != supported) {
        return set_error(SHMRING_EVERSION,
                         "%s has %slayout version %u; this library (shmring "
                         "%d.%d.%d) supports %slayout version %u",
                         name, kind, version, SHMRING_VERSION_MAJOR,
                         SHMRING_VERSION_MINOR, SHMRING_VERSION_PATCH, kind,
                         supported);
    }
    return SHMRING_OK;
}
