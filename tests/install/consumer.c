/* A program built against the INSTALLED header and library by
 * tests/install/check_install.sh (`cc consumer.c $(pkg-config ...)`): one
 * anonymous ring, a writer and a reader, a message round trip, and the
 * library and layout versions it was compiled against. Exit 0 = all good. */
#include <shmring.h>

#include <stdio.h>
#include <string.h>

#define EXPECT(call)                                                   \
    do {                                                               \
        int rc_ = (call);                                              \
        if (rc_ != SHMRING_OK) {                                       \
            fprintf(stderr, "%s: %s (%s)\n", #call, shmring_strerror(rc_), \
                    shmring_last_error());                             \
            return 1;                                                  \
        }                                                              \
    } while (0)

int main(void) {
    if (shmring_version() != SHMRING_VERSION) {
        fprintf(stderr, "header says %#x, library says %#x\n", SHMRING_VERSION,
                shmring_version());
        return 1;
    }
    shmring_ring_t *ring;
    shmring_writer_t *writer;
    shmring_reader_t *reader;
    EXPECT(shmring_create(NULL, 64, 4, NULL, &ring));
    EXPECT(shmring_reader_open(ring, NULL, 0, &reader));
    EXPECT(shmring_writer_open(ring, &writer));
    EXPECT(shmring_write(writer, "installed", 9, 0));
    char buffer[64];
    uint64_t length = 0;
    EXPECT(shmring_read(reader, buffer, sizeof buffer, &length, 0));
    if (length != 9 || memcmp(buffer, "installed", 9) != 0) {
        fprintf(stderr, "round trip returned %llu bytes\n",
                (unsigned long long)length);
        return 1;
    }
    EXPECT(shmring_writer_close(writer));
    int end = shmring_read(reader, buffer, sizeof buffer, &length, 0);
    if (end != SHMRING_ECLOSED) {
        fprintf(stderr, "expected end of stream, got %s\n",
                shmring_strerror(end));
        return 1;
    }
    EXPECT(shmring_reader_close(reader));
    EXPECT(shmring_close(ring));
    printf("shmring %#x, layout %d: round trip ok\n", shmring_version(),
           SHMRING_LAYOUT_VERSION);
    return 0;
}
