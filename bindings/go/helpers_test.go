package shmring_test

import (
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	shmring "github.com/shmring/shmring/bindings/go"
)

var nameCounter atomic.Uint32

// uniqueName is a "/name" no other test or run uses.
func uniqueName(tag string) string {
	return fmt.Sprintf("/shmring-go-%s-%d-%d-%d", tag, os.Getpid(), time.Now().UnixNano()%1e9, nameCounter.Add(1))
}

// anonRing makes an anonymous ring closed (with its handles) at test end.
func anonRing(t *testing.T, slotBytes, slotCount uint64) *shmring.Ring {
	t.Helper()
	ring, err := shmring.CreateAnonymous(slotBytes, slotCount, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := ring.Close(); err != nil {
			t.Errorf("ring.Close: %v", err)
		}
	})
	return ring
}

func mustWriter(t *testing.T, ring *shmring.Ring) *shmring.Writer {
	t.Helper()
	w, err := ring.Writer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

func mustReader(t *testing.T, open func() (*shmring.Reader, error)) *shmring.Reader {
	t.Helper()
	r, err := open()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}
