/*
 * rwlock.i -- the readers-writer lock's part of shmring.i (shmring_rwlock_*),
 * %included by it before the header. Used by shmring/_rwlock.py.
 *
 *   rwlock_create(name, max_holders, mode) -> handle    (name None: anonymous)
 *   rwlock_open(name, timeout) -> handle
 *   rwlock_dup(handle) -> handle
 *   rwlock_state(handle) -> (shared holds, 1 if held exclusively else 0)
 *   rwlock_waiting(handle) -> (1 if a writer waits in line else 0, waits blocked)
 *
 * Shared acquires wait in slices like the ring's waits (shmring.i): a slice
 * that ends leaves nothing behind. An exclusive acquire and the lending of a
 * shared hold (wait_for_exclusive) wait as one call (SHMRING_PY_WAIT_WHOLE),
 * because a new call would give up the writer's place in line, or the count
 * of writers' turns taken at the start. A signal interrupts them as any wait:
 * Ctrl-C raises; after handlers that return, an exclusive acquire waits on for
 * the time left, and wait_for_exclusive returns as if a writer had had its
 * turn (the hold is back; callers recheck their condition, as after a
 * condition variable's wait).
 */

SHMRING_HANDLE_OUT(shmring_rwlock_t, lock_out)

%typemap(in, numinputs=0) (uint32_t *shared_holds_out, uint32_t *exclusive_out)
                          (uint32_t shared = 0, uint32_t exclusive = 0) {
    $1 = &shared;
    $2 = &exclusive;
}
%typemap(argout) (uint32_t *shared_holds_out, uint32_t *exclusive_out) {
    SHMRING_RETURN(Py_BuildValue("(II)", shared$argnum, exclusive$argnum));
}

%typemap(in, numinputs=0) (uint32_t *writer_waiting_out, uint32_t *waiters_out)
                          (uint32_t waiting = 0, uint32_t waiters = 0) {
    $1 = &waiting;
    $2 = &waiters;
}
%typemap(argout) (uint32_t *writer_waiting_out, uint32_t *waiters_out) {
    SHMRING_RETURN(Py_BuildValue("(II)", waiting$argnum, waiters$argnum));
}

SHMRING_WAITS_WHOLE(shmring_rwlock_open)
SHMRING_WAITS(shmring_rwlock_lock_shared)

%exception shmring_rwlock_lock_exclusive {
    SHMRING_PY_WAIT_WHOLE(result, *_global_timeout_ns, $action, continue);
    if (result == SHMRING_PY_SIGNALLED) SWIG_fail;
}
%exception shmring_rwlock_wait_for_exclusive {
    SHMRING_PY_WAIT_WHOLE(result, *_global_timeout_ns, $action,
                          { result = SHMRING_OK; break; });
    if (result == SHMRING_PY_SIGNALLED) SWIG_fail;
}
