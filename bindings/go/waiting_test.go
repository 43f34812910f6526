package shmring_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	shmring "github.com/shmring/shmring/bindings/go"
)

// untilTrue polls cond (a state another goroutine reaches) with a generous
// hang guard.
func untilTrue(t testing.TB, what string, cond func() bool) {
	t.Helper()
	give := time.Now().Add(hangGuard)
	for !cond() {
		if time.Now().After(give) {
			t.Fatalf("never: %s", what)
		}
		runtime.Gosched() // polling the observed state, not pausing
	}
}

// readerWaits is the futex sleeps of the ring's only reader.
func readerWaits(t testing.TB, ring *shmring.Ring) uint64 {
	s, err := ring.Stats()
	if err != nil || len(s.ReaderStats) != 1 {
		t.Fatalf("stats: %v", err)
	}
	return s.ReaderStats[0].Waits
}

// someThreadIn reports whether a thread of this process is in the system
// call numbered nr (e.g. an open waiting in ppoll for its ring to appear).
func someThreadIn(nr uintptr) bool {
	tasks, _ := filepath.Glob("/proc/self/task/*/syscall")
	for _, task := range tasks {
		text, err := os.ReadFile(task)
		if err != nil {
			continue
		}
		fields := strings.Fields(string(text))
		if len(fields) > 0 && fields[0] == strconv.Itoa(int(nr)) {
			return true
		}
	}
	return false
}

func TestReadContextCancelInterruptsABlockedRead(t *testing.T) {
	ring := anonRing(t, 8, 2)
	r := mustReader(t, ring.Reader)
	w := mustWriter(t, ring)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := r.ReadContext(ctx, make([]byte, 8))
		done <- err
	}()
	untilTrue(t, "the read sleeps", func() bool { return readerWaits(t, ring) >= 1 })
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled ReadContext: %v", err)
		}
	case <-time.After(hangGuard):
		t.Fatal("a cancelled ReadContext did not return")
	}
	// The reader goes on as usual: a message written is read.
	if err := w.Write([]byte("after"), 0); err != nil {
		t.Fatal(err)
	}
	if m, err := r.ReadMessage(shmring.Forever); err != nil || string(m) != "after" {
		t.Fatalf("read after the cancel: %q %v", m, err)
	}
}

func TestLockContextCancelInterruptsABlockedLock(t *testing.T) {
	a, err := shmring.CreateAnonymousRWLock(0)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := a.Dup()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := a.RLock(0); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.LockContext(ctx) }()
	untilTrue(t, "a writer waits", func() bool {
		// The writer is first in line once shared holds are refused.
		c, _ := a.Dup()
		defer c.Close()
		return errors.Is(c.TryRLock(), shmring.ErrTimeout)
	})
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled LockContext: %v", err)
	}
	if err := a.RUnlock(); err != nil {
		t.Fatal(err)
	}
	if err := b.Lock(0); err != nil {
		t.Fatalf("the lock after the cancel: %v", err)
	}
	b.Unlock()
}

func TestOpenWaitsForTheRingToBeCreated(t *testing.T) {
	name := uniqueName("appear")
	opened := make(chan error, 1)
	go func() {
		ring, err := shmring.Open(name, time.Minute)
		if err == nil {
			if ring.Geometry().SlotCount != 4 {
				t.Errorf("slot count %d", ring.Geometry().SlotCount)
			}
			err = ring.Close()
		}
		opened <- err
	}()
	// The consumer is first: it waits in ppoll for the name to appear.
	untilTrue(t, "the open waits", func() bool { return someThreadIn(syscall.SYS_PPOLL) })
	ring, err := shmring.Create(name, 64, 4, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer shmring.Unlink(name)
	defer ring.Close()
	if err := <-opened; err != nil {
		t.Fatalf("open before create: %v", err)
	}
}

func TestOpenOfAMissingRingSaysHowLongItWaited(t *testing.T) {
	name := uniqueName("missing")
	if _, err := shmring.Open(name, 0); !errors.Is(err, shmring.ErrNotFound) || strings.Contains(err.Error(), "waited") {
		t.Fatalf("timeout 0: %v", err)
	}
	start := time.Now()
	_, err := shmring.Open(name, 20*time.Millisecond)
	if !errors.Is(err, shmring.ErrNotFound) || !strings.Contains(err.Error(), "waited 0.0") {
		t.Fatalf("timeout 20 ms: %v", err)
	}
	if time.Since(start) < 20*time.Millisecond {
		t.Fatalf("NotFound before the timeout")
	}
}

// BenchmarkReadContextCancel reports how long a cancelled ReadContext
// takes to return, from cancel() to its return (p50 and p99).
func BenchmarkReadContextCancel(b *testing.B) {
	ring, err := shmring.CreateAnonymous(8, 2, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer ring.Close()
	r, err := ring.Reader()
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	latencies := make([]time.Duration, 0, b.N)
	for i := 0; i < b.N; i++ {
		before := readerWaits(b, ring)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan time.Time, 1)
		go func() {
			r.ReadContext(ctx, make([]byte, 8))
			done <- time.Now()
		}()
		untilTrue(b, "the read sleeps", func() bool { return readerWaits(b, ring) > before })
		start := time.Now()
		cancel()
		latencies = append(latencies, (<-done).Sub(start))
	}
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	b.ReportMetric(float64(latencies[len(latencies)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(latencies[len(latencies)*99/100].Nanoseconds()), "p99-ns")
}

func TestWaitForReadersIsWokenByTheJoins(t *testing.T) {
	ring := anonRing(t, 64, 4)
	if err := ring.WaitForReaders(0, "", 0); err != nil {
		t.Fatal(err)
	}
	if err := ring.WaitForReaders(1, "", 0); !errors.Is(err, shmring.ErrTimeout) || !strings.Contains(err.Error(), "0 of 1 reader") {
		t.Fatalf("no reader yet: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- ring.WaitForReaders(2, "g", time.Minute) }()
	// (Go's own threads sleep in futex too: the C test orders the join
	// after the producer's sleep; here it may come before, which counts too.)
	mustReader(t, ring.Reader) // not of the group: does not count
	mustReader(t, func() (*shmring.Reader, error) { return ring.GroupReader("g") })
	select {
	case err := <-done:
		t.Fatalf("returned with one member: %v", err)
	default:
	}
	mustReader(t, func() (*shmring.Reader, error) { return ring.GroupReader("g") })
	if err := <-done; err != nil {
		t.Fatalf("two members joined: %v", err)
	}
}
