// Package shmring is the Go binding of shmring, a multiple-writer,
// multiple-reader ring in shared memory that processes in C, Python, Rust
// and Go share by name.
//
// A Ring is created (Create, CreateAnonymous) or attached (Open); Writers
// and Readers (broadcast, group member, lossy) are made from it and closed
// before it. Timeouts are time.Duration: Forever (negative) waits with no
// deadline, 0 tries once. A wait interrupted by a signal handler is retried
// with the time left. Errors wrap sentinel values (ErrFull, ErrEmpty,
// ErrTimeout, ErrClosed, ...) for errors.Is, with the C library's detail
// message. Zero copy: Writer.Reserve fills a slot in place, Reader.View
// hands a slice valid only inside its callback. Batches (Writer.WriteBatch,
// Reader.ReadBatch) move many small messages per cgo call.
//
// By default the C core is compiled into the package from ../../c/src (so
// the module must sit in the shmring repository tree); with the build tag
// shmring_system it links the installed libshmring.so.1 via pkg-config.
//
// RWLock is the C core's process-shared readers-writer lock: RLock/RUnlock
// and Lock/Unlock with timeouts (and context forms), WaitForExclusive,
// State; one handle per holder (Dup).
package shmring
