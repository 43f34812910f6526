/* A consumer of the INSTALLED library: built by tests/install/check_install.sh
 * with `cc consumer.c $(pkg-config --cflags --libs shmring)`. Extend freely. */
#include <shmring.h>

#include <stdio.h>

int main(void) {
    printf("shmring_strerror(0) = %s\n", shmring_strerror(0));
    return 0;
}
