/*
 * stale.c -- removing a segment only when it is stale, so that a crashed
 * run leaves nothing to clean by hand and a live ring is never removed.
 *
 * The judge holds the segment's creation lock (an exclusive flock on the
 * file, shm_file.c) from its verdict until the name is gone:
 *   - a creator holds that lock from its O_EXCL create until it has
 *     published the layout version, so a segment being created is never
 *     judged (the judge's try-lock fails: "being created right now");
 *   - two judges of one segment exclude each other the same way, and the
 *     one that comes second finds the file unlinked (st_nlink 0) or the
 *     name taken by the first one's new segment, which it judges afresh;
 *   - a creator that made its file between the judge's open and its lock
 *     finds its file unlinked once it gets the lock, and creates again.
 * While the judge holds the lock, no library call can unlink the file, so
 * the name still names it at the unlink. (A file removed by hand, or by
 * shmring_unlink, at the same moment is the one race this cannot order.)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

/* name: normalized. `outcome` ends the refusal ("not replaced"). */
static int remove_if_stale(const char *name, const char *outcome) {
    int fd = shm_open(name, O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0) return shm_os_error(errno, "cannot open segment", name);
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int err = errno;
        close(fd);
        if (err == EWOULDBLOCK) {
            return set_error(SHMRING_EEXISTS,
                             "%s exists and is being created (or checked) by "
                             "another process right now; %s",
                             name, outcome);
        }
        return shm_os_error(err, "cannot lock segment", name);
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_nlink == 0) {
        close(fd);
        return set_error(SHMRING_ENOT_FOUND,
                         "%s was removed by another process meanwhile", name);
    }
    shmring_inspection_t in = {0};
    inspect_fd(fd, name, 1, &in);
    int rc = SHMRING_OK;
    if (in.out_of_memory) {
        rc = set_error(SHMRING_ENOMEM, "cannot allocate an inspection of %s",
                       name);
    } else if (!in.fields[SHMRING_INSPECT_STALE]) {
        rc = set_error(SHMRING_EEXISTS, "%s exists and is not stale (%s); %s",
                       name, in.summary, outcome);
    } else if (shm_unlink(name) != 0) {
        rc = shm_os_error(errno, "cannot remove stale segment", name);
    }
    free(in.live);
    close(fd); /* releases the lock, once the name is gone */
    return rc;
}

int shm_remove_if_stale(const char *name) {
    return remove_if_stale(name, "not replaced");
}

SHMRING_API int shmring_remove_stale(const char *name) {
    char *normalized;
    int rc = shm_normalize_name(name, &normalized);
    if (rc != SHMRING_OK) return rc;
    rc = remove_if_stale(normalized, "not removed");
    free(normalized);
    return rc;
}
