/* options.c -- ring creation options behind setters, so they can grow
 * without changing the ABI. */
#include <stdlib.h>

#include "internal.h"

SHMRING_API int shmring_options_create(shmring_options_t **options_out) {
    if (!options_out) return set_error(SHMRING_EINVALID, "options_out is NULL");
    shmring_options_t *o = malloc(sizeof *o);
    if (!o) return set_error(SHMRING_ENOMEM, "cannot allocate options");
    *o = (shmring_options_t){.max_writers = 64,
                             .max_readers = 128,
                             .max_groups = 32,
                             .mode = 0600,
                             .close_on_last_writer = 1,
                             .initial_sequence = 0,
                             .replace_stale = 0};
    *options_out = o;
    return SHMRING_OK;
}

SHMRING_API void shmring_options_destroy(shmring_options_t *options) {
    free(options);
}

static int check_range(const char *what, uint32_t n, uint32_t low,
                       uint32_t high) {
    if (n < low || n > high) {
        return set_error(SHMRING_EINVALID, "%s must be %u..%u, not %u", what,
                         low, high, n);
    }
    return SHMRING_OK;
}

SHMRING_API int shmring_options_set_max_writers(shmring_options_t *o,
                                                uint32_t n) {
    if (!o) return set_error(SHMRING_EINVALID, "options is NULL");
    int rc = check_range("max_writers", n, 1, SHM_MAX_PARTICIPANTS);
    if (rc == SHMRING_OK) o->max_writers = n;
    return rc;
}

SHMRING_API int shmring_options_set_max_readers(shmring_options_t *o,
                                                uint32_t n) {
    if (!o) return set_error(SHMRING_EINVALID, "options is NULL");
    int rc = check_range("max_readers", n, 1, SHM_MAX_PARTICIPANTS);
    if (rc == SHMRING_OK) o->max_readers = n;
    return rc;
}

SHMRING_API int shmring_options_set_max_groups(shmring_options_t *o,
                                               uint32_t n) {
    if (!o) return set_error(SHMRING_EINVALID, "options is NULL");
    int rc = check_range("max_groups", n, 0, SHM_MAX_GROUPS);
    if (rc == SHMRING_OK) o->max_groups = n;
    return rc;
}

SHMRING_API int shmring_options_set_mode(shmring_options_t *o, uint32_t mode) {
    if (!o) return set_error(SHMRING_EINVALID, "options is NULL");
    int rc = check_range("mode", mode, 0, 0777);
    if (rc == SHMRING_OK) o->mode = mode;
    return rc;
}

SHMRING_API int shmring_options_set_close_on_last_writer(shmring_options_t *o,
                                                         uint32_t enabled) {
    if (!o) return set_error(SHMRING_EINVALID, "options is NULL");
    int rc = check_range("close_on_last_writer", enabled, 0, 1);
    if (rc == SHMRING_OK) o->close_on_last_writer = enabled;
    return rc;
}

SHMRING_API int shmring_options_set_initial_sequence(shmring_options_t *o,
                                                     uint64_t sequence) {
    if (!o) return set_error(SHMRING_EINVALID, "options is NULL");
    o->initial_sequence = sequence;
    return SHMRING_OK;
}

SHMRING_API int shmring_options_set_replace_stale(shmring_options_t *o,
                                                  uint32_t enabled) {
    if (!o) return set_error(SHMRING_EINVALID, "options is NULL");
    int rc = check_range("replace_stale", enabled, 0, 1);
    if (rc == SHMRING_OK) o->replace_stale = enabled;
    return rc;
}
