/* shmring-bridge: a shmring ring across hosts over ZeroMQ (docs/bridge.md).
 *   keygen NAME, send --ring R --to tcp://H:P, recv --bind tcp://ADDR:P --ring R */
#include <signal.h>
#include <string.h>

#include "bridge.h"
#include "log.h"

volatile sig_atomic_t bridge_stopping = 0;

static void on_stop_signal(int sig) {
    (void)sig;
    bridge_stopping = 1;
}

/* No SA_RESTART: blocking calls return early and the loops see the flag. */
static void install_signals(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

int main(int argc, char **argv) {
    struct bridge_config cfg;
    if (bridge_parse_args(argc, argv, &cfg) != 0) return 2;
    switch (cfg.command) {
    case CMD_KEYGEN: return bridge_keygen(cfg.keygen_name);
    case CMD_SEND:
        bridge_log_role("send");
        install_signals();
        return bridge_send(&cfg);
    case CMD_RECV:
        bridge_log_role("recv");
        install_signals();
        return bridge_recv(&cfg);
    }
    return 2;
}
