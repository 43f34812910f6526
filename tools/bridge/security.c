/* Keys on disk, the loopback rule, and CURVE options on sockets.
 *
 * NAME.key holds "public <z85>" and "secret <z85>" lines (mode 0600);
 * NAME.pub holds the public key alone. An allow list is any number of
 * lines with one Z85 public key each (NAME.pub files concatenated);
 * '#' starts a comment. */
#include "security.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "log.h"

static int write_text(const char *path, mode_t mode, const char *text) {
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
    if (fd < 0) {
        fprintf(stderr, "shmring-bridge keygen: cannot create %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t n = strlen(text);
    int ok = write(fd, text, n) == (ssize_t)n;
    if (close(fd) != 0) ok = 0;
    if (!ok) fprintf(stderr, "shmring-bridge keygen: cannot write %s\n", path);
    return ok ? 0 : -1;
}

int bridge_keygen(const char *name) {
    if (!zmq_has("curve")) {
        fputs("shmring-bridge keygen: this libzmq was built without CURVE\n", stderr);
        return 1;
    }
    char public_key[KEY_Z85_CHARS + 1], secret_key[KEY_Z85_CHARS + 1];
    if (zmq_curve_keypair(public_key, secret_key) != 0) {
        fprintf(stderr, "shmring-bridge keygen: %s\n", zmq_strerror(zmq_errno()));
        return 1;
    }
    char key_path[4096], pub_path[4096], text[256];
    if (snprintf(key_path, sizeof key_path, "%s.key", name) >= (int)sizeof key_path ||
        snprintf(pub_path, sizeof pub_path, "%s.pub", name) >= (int)sizeof pub_path) {
        fputs("shmring-bridge keygen: NAME too long\n", stderr);
        return 1;
    }
    snprintf(text, sizeof text, "# shmring-bridge keypair; keep secret\npublic %s\nsecret %s\n",
             public_key, secret_key);
    if (write_text(key_path, 0600, text) != 0) return 1;
    snprintf(text, sizeof text, "%s\n", public_key);
    if (write_text(pub_path, 0644, text) != 0) {
        unlink(key_path);
        return 1;
    }
    printf("wrote %s (secret, mode 0600) and %s (public: %s)\n", key_path, pub_path, public_key);
    return 0;
}

int endpoint_is_local(const char *endpoint) {
    if (strncmp(endpoint, "ipc://", 6) == 0) return 1;
    if (strncmp(endpoint, "tcp://", 6) != 0) return 0;
    const char *host = endpoint + 6;
    /* A connect endpoint may name a source interface: "tcp://SRC;HOST:PORT". */
    const char *semi = strchr(host, ';');
    if (semi) host = semi + 1;
    return strncmp(host, "127.", 4) == 0 || strncmp(host, "localhost:", 10) == 0 ||
           strncmp(host, "[::1]:", 6) == 0;
}

/* Reads the key after `label` (or a bare key line when label is NULL) from
 * path into out[41]. */
static int read_key(const char *path, const char *label, char *out, const char *what) {
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "shmring-bridge: cannot read %s %s: %s\n", what, path, strerror(errno));
        return -1;
    }
    char line[512];
    int found = 0;
    while (!found && fgets(line, sizeof line, f)) {
        char *p = line;
        while (isspace((unsigned char)*p)) p++;
        if (*p == '#' || *p == '\0') continue;
        if (label) {
            size_t n = strlen(label);
            if (strncmp(p, label, n) != 0 || !isspace((unsigned char)p[n])) continue;
            p += n;
            while (isspace((unsigned char)*p)) p++;
        } else if (strncmp(p, "public", 6) == 0 && isspace((unsigned char)p[6])) {
            p += 7; /* a NAME.key file given where a public key is wanted */
            while (isspace((unsigned char)*p)) p++;
        }
        size_t len = strcspn(p, " \t\r\n");
        unsigned char decoded[32];
        if (len != KEY_Z85_CHARS) break;
        memcpy(out, p, KEY_Z85_CHARS);
        out[KEY_Z85_CHARS] = '\0';
        found = zmq_z85_decode(decoded, out) != NULL;
        break;
    }
    fclose(f);
    if (!found) {
        fprintf(stderr, "shmring-bridge: %s %s holds no valid %s key (make one with "
                        "shmring-bridge keygen)\n", what, path, label ? label : "public");
        return -1;
    }
    return 0;
}

static int load_allow_list(const char *path, struct allow_list *allow) {
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "shmring-bridge recv: cannot read --allow %s: %s\n", path, strerror(errno));
        return -1;
    }
    char line[512];
    int lineno = 0, rc = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *p = line;
        while (isspace((unsigned char)*p)) p++;
        if (*p == '#' || *p == '\0') continue;
        size_t len = strcspn(p, " \t\r\n");
        p[len] = '\0';
        unsigned char key[32];
        if (len != KEY_Z85_CHARS || !zmq_z85_decode(key, p)) {
            fprintf(stderr, "shmring-bridge recv: %s:%d is not a Z85 public key\n", path, lineno);
            rc = -1;
            break;
        }
        void *grown = realloc(allow->keys, (allow->count + 1) * sizeof *allow->keys);
        if (!grown) {
            rc = -1;
            break;
        }
        allow->keys = grown;
        memcpy(allow->keys[allow->count++], key, 32);
    }
    fclose(f);
    if (rc == 0 && allow->count == 0) {
        fprintf(stderr, "shmring-bridge recv: --allow %s lists no key\n", path);
        rc = -1;
    }
    return rc;
}

void allow_list_free(struct allow_list *allow) {
    free(allow->keys);
    allow->keys = NULL;
    allow->count = 0;
}

int allow_list_contains(const struct allow_list *allow, const unsigned char key[32]) {
    for (size_t i = 0; i < allow->count; i++) {
        if (memcmp(allow->keys[i], key, 32) == 0) return 1;
    }
    return 0;
}

int bridge_security_setup(const struct bridge_config *cfg, struct bridge_keys *keys,
                          struct allow_list *allow) {
    int send = cfg->command == CMD_SEND;
    const char *role = send ? "send" : "recv";
    const char *peer_option = send ? "--server-key" : "--allow";
    const char *peer_file = send ? cfg->server_key : cfg->allow_file;
    memset(keys, 0, sizeof *keys);
    allow->keys = NULL;
    allow->count = 0;
    if (cfg->key_file || peer_file) {
        if (cfg->insecure) {
            fprintf(stderr, "shmring-bridge %s: --insecure and keys exclude each other\n", role);
            return -1;
        }
        if (!cfg->key_file || !peer_file) {
            fprintf(stderr, "shmring-bridge %s: CURVE needs both --key FILE.key and %s FILE\n",
                    role, peer_option);
            return -1;
        }
        if (!zmq_has("curve")) {
            fprintf(stderr, "shmring-bridge %s: this libzmq was built without CURVE\n", role);
            return -1;
        }
        if (read_key(cfg->key_file, "public", keys->public_key, "--key") != 0 ||
            read_key(cfg->key_file, "secret", keys->secret_key, "--key") != 0) {
            return -1;
        }
        if (send) {
            if (read_key(cfg->server_key, NULL, keys->server_key, "--server-key") != 0) return -1;
        } else if (load_allow_list(cfg->allow_file, allow) != 0) {
            return -1;
        }
        keys->curve = 1;
        return 0;
    }
    if (cfg->insecure) {
        bridge_log("WARNING: --insecure: plaintext, unauthenticated traffic on %s; anybody "
                   "who can reach it can %s", cfg->endpoint,
                   send ? "read the stream" : "write into the ring");
        return 0;
    }
    if (endpoint_is_local(cfg->endpoint)) return 0;
    fprintf(stderr,
            "shmring-bridge %s: %s is not a loopback address: give --key FILE.key and %s FILE "
            "(see shmring-bridge keygen), or --insecure for plaintext\n",
            role, cfg->endpoint, peer_option);
    return -1;
}

int bridge_apply_keys(void *socket, const struct bridge_keys *keys, int server) {
    if (!keys->curve) return 0;
    int one = 1;
    if (server) {
        if (zmq_setsockopt(socket, ZMQ_CURVE_SERVER, &one, sizeof one) != 0) return -1;
        /* ZAP requests carry this domain; the handler (events.c) checks keys. */
        if (zmq_setsockopt(socket, ZMQ_ZAP_DOMAIN, "shmring-bridge", 14) != 0) return -1;
    } else if (zmq_setsockopt(socket, ZMQ_CURVE_SERVERKEY, keys->server_key, KEY_Z85_CHARS + 1) != 0 ||
               zmq_setsockopt(socket, ZMQ_CURVE_PUBLICKEY, keys->public_key, KEY_Z85_CHARS + 1) != 0) {
        return -1;
    }
    return zmq_setsockopt(socket, ZMQ_CURVE_SECRETKEY, keys->secret_key, KEY_Z85_CHARS + 1);
}
