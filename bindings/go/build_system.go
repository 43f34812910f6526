//go:build shmring_system

package shmring

// Build tag shmring_system: link the installed libshmring.so.1, found with
// pkg-config (see scripts/install-lib.sh).

// #cgo pkg-config: shmring
import "C"
