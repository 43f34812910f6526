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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define NAME_MAX_BYTES 250

/* `name` for a message: printable ASCII as is, other bytes as \0 or
 * \xHH, cut to what a message has room for. */
static void quote_name(const char *name, size_t length, char *out,
                       size_t size) {
    static const char hex[] = "0123456789abcdef";
    size_t at = 0;
    for (size_t i = 0; i < length && at + 8 < size; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c == '\0') {
            out[at++] = '\\';
            out[at++] = '0';
        } else if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
            out[at++] = '\\';
            out[at++] = 'x';
            out[at++] = hex[c >> 4];
            out[at++] = hex[c & 15];
        } else {
            out[at++] = (char)c;
        }
        if (i + 1 < length && at + 8 >= size) {
            memcpy(out + at, "...", 3);
            at += 3;
        }
    }
    out[at] = '\0';
}

/* Why `length` bytes cannot name a segment; NULL if they can. */
static const char *name_problem(const char *name, size_t length) {
    const char *bare = length > 0 && name[0] == '/' ? name + 1 : name;
    size_t n = length - (size_t)(bare - name);
    if (memchr(name, '\0', length)) {
        return "it contains a NUL byte (a C string would end there, naming "
               "another segment)";
    }
    if (n == 0) return "it is empty";
    if (n > NAME_MAX_BYTES) return "it is longer than 250 bytes";
    if (memchr(bare, '/', n)) return "it contains '/' after the first byte";
    if ((n == 1 && bare[0] == '.') || (n == 2 && bare[0] == '.' && bare[1] == '.')) {
        return "\".\" and \"..\" name directories, not segments";
    }
    return NULL;
}

int shm_check_name(const char *name, size_t length) {
    const char *problem = name_problem(name, length);
    if (!problem) return SHMRING_OK;
    char quoted[96];
    quote_name(name, length, quoted, sizeof quoted);
    return set_error(SHMRING_EINVALID, "\"%s\" is not a valid ring name: %s",
                     quoted, problem);
}

SHMRING_API int shmring_name_check(const char *name, uint64_t length) {
    if (!name) return set_error(SHMRING_EINVALID, "name is NULL");
    if (length > SIZE_MAX) return set_error(SHMRING_EINVALID, "name too long");
    return shm_check_name(name, (size_t)length);
}

/* "/name" or "name" -> a malloc'd "/name". */
int shm_normalize_name(const char *name, char **out) {
    if (!name) return set_error(SHMRING_EINVALID, "name is NULL");
    size_t length = strlen(name);
    int rc = shm_check_name(name, length);
    if (rc != SHMRING_OK) return rc;
    const char *bare = name[0] == '/' ? name + 1 : name;
    size_t n = strlen(bare);
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

/* flock, retried when a signal handler interrupts it. */
static int lock_file(int fd, int operation) {
    int rc;
    while ((rc = flock(fd, operation)) != 0 && errno == EINTR) {
    }
    return rc;
}

/* Attempts at a name that other processes keep freeing and taking. */
#define CREATE_ATTEMPTS 8

/* The named file, exclusively created and holding its creation lock. A
 * judge (stale.c) may have taken the file for abandoned between our
 * O_EXCL and our lock: it then removed the name, and we start again. */
static int create_named(const char *name, uint32_t mode, int replace_stale,
                        int *fd_out) {
    for (int attempt = 0; attempt < CREATE_ATTEMPTS; attempt++) {
        int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, mode);
        if (fd < 0 && errno == EEXIST && !replace_stale) {
            return set_error(SHMRING_EEXISTS,
                             "cannot create segment %s: it exists (one left "
                             "by processes that died is replaced with the "
                             "replace-stale option; python -m shmring ls "
                             "shows who uses it)",
                             name);
        }
        if (fd < 0) return shm_os_error(errno, "cannot create segment", name);
        struct stat st;
        if (lock_file(fd, LOCK_EX) != 0 || fstat(fd, &st) != 0) {
            int rc = shm_os_error(errno, "cannot lock new segment", name);
            close(fd);
            shm_unlink(name);
            return rc;
        }
        if (st.st_nlink == 0) {
            close(fd);
            continue;
        }
        /* The umask must not narrow the mode the caller asked for. */
        (void)fchmod(fd, mode);
        *fd_out = fd;
        return SHMRING_OK;
    }
    return set_error(SHMRING_EEXISTS,
                     "cannot create segment %s: removed as abandoned by "
                     "other processes %d times in a row",
                     name, CREATE_ATTEMPTS);
}

/* "needs N bytes, M free" and how to get more, for a full /dev/shm. */
static int no_space_error(int fd, int err, uint64_t bytes, const char *name) {
    struct statvfs vfs;
    if (fstatvfs(fd, &vfs) != 0) vfs = (struct statvfs){0};
    unsigned long long free_bytes =
        (unsigned long long)vfs.f_bavail * vfs.f_frsize;
    unsigned long long total = (unsigned long long)vfs.f_blocks * vfs.f_frsize;
    if (!name) {
        return set_error(SHMRING_ENOSPACE,
                         "cannot reserve %llu bytes of memory for an anonymous "
                         "segment: %s",
                         (unsigned long long)bytes, strerror(err));
    }
    return set_error(SHMRING_ENOSPACE,
                     "cannot reserve %llu bytes of shared memory for %s: %s; "
                     "the shared-memory file system (/dev/shm) has %llu bytes "
                     "free of %llu. Remove rings left by dead processes "
                     "(python -m shmring rm --stale), use fewer or smaller "
                     "slots, or raise the limit (a container's is its "
                     "shm-size setting, e.g. docker run --shm-size=1g)",
                     (unsigned long long)bytes, name, strerror(err),
                     free_bytes, total);
}

int shm_create_file(const char *name, uint32_t mode, uint64_t bytes,
                    const char *kind, int replace_stale, int *fd_out) {
    int fd = -1, rc;
    if (name) {
        /* Each stale segment removed lets the next attempt in; a live one
         * (or a creator that wins the name meanwhile) ends the loop. */
        for (int attempt = 1;; attempt++) {
            rc = create_named(name, mode, replace_stale, &fd);
            if (rc != SHMRING_EEXISTS || !replace_stale ||
                attempt == CREATE_ATTEMPTS) {
                break;
            }
            int removed = shm_remove_if_stale(name);
            if (removed != SHMRING_OK && removed != SHMRING_ENOT_FOUND) {
                return removed;
            }
        }
        if (rc != SHMRING_OK) return rc;
    } else {
        fd = memfd_cloexec(kind);
        if (fd < 0) return shm_os_error(errno, "cannot create segment", NULL);
    }
    int err = posix_fallocate(fd, 0, (off_t)bytes);
    if (err != 0) {
        rc = shm_os_error(err, "cannot reserve shared memory for", name);
        if (rc == SHMRING_ENOSPACE) rc = no_space_error(fd, err, bytes, name);
        if (name) shm_unlink(name);
        close(fd);
        return rc;
    }
    *fd_out = fd;
    return SHMRING_OK;
}

void shm_creation_done(int fd) {
    (void)lock_file(fd, LOCK_UN);
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
     * store_release of layout_version in initialize_segment (segment.c and
     * rwlock_segment.c): the
     * header copied after it is complete. */
    *version_out = load_acquire(version);
    memcpy(copy, head, header_bytes);
    munmap(head, header_bytes);
    *bytes_out = bytes;
    return SHMRING_OK;
}

int shm_open_when_ready(const char *name, const struct deadline *until,
                        shmring_opener_t *opener, shm_header_check check,
                        void *header, uint64_t *bytes_out, int *fd_out) {
    struct deadline deadline = *until;
    deadline_resolve(&deadline);
    int fd;
    int rc = shm_open_existing(name, &deadline, opener, &fd);
    if (rc != SHMRING_OK) return rc;
    while ((rc = check(fd, name, bytes_out, header)) == SHMRING_EEMPTY) {
        if (deadline.try_once || deadline_passed(&deadline)) {
            rc = set_error(SHMRING_ETIMEOUT,
                           "%s was not ready (layout version 0) before the "
                           "deadline",
                           name);
            break;
        }
        /* Its creator fills it in within microseconds: look again soon. */
        int err = opener_sleep(opener, -1, &deadline, 1000000);
        if (opener_take(opener)) {
            rc = set_error(SHMRING_EINTERRUPTED, "the open was interrupted");
            break;
        }
        if (err == EINTR) {
            rc = set_error(SHMRING_EINTERRUPTED,
                           "a signal handler ran during the open");
            break;
        }
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
