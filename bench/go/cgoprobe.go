package main

// emptyCgoCall is a C function that does nothing, for BenchmarkEmptyCgoCall:
// the floor of what any cgo binding pays per C call (bench/README.md).

// #include <stdint.h>
// static int shmring_bench_empty(void *p, uint64_t n) { (void)p; (void)n; return 0; }
import "C"

import "unsafe"

func emptyCgoCall(buf []byte) int {
	return int(C.shmring_bench_empty(unsafe.Pointer(&buf[0]), C.uint64_t(len(buf))))
}
