/* One line per event on stderr, prefixed "shmring-bridge ROLE: ". */
#ifndef SHMRING_BRIDGE_LOG_H
#define SHMRING_BRIDGE_LOG_H

void bridge_log_role(const char *role);
void bridge_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
