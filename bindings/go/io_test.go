package shmring_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"runtime"
	"testing"
	"time"

	shmring "github.com/shmring/shmring/bindings/go"
)

func TestTryCallsReportFullAndEmpty(t *testing.T) {
	ring := anonRing(t, 8, 2)
	r := mustReader(t, ring.Reader)
	w := mustWriter(t, ring)
	buf := make([]byte, 8)
	if _, err := r.TryRead(buf); !errors.Is(err, shmring.ErrEmpty) {
		t.Fatalf("empty ring: %v", err)
	}
	for _, m := range []string{"1", "2"} {
		if err := w.TryWrite([]byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.TryWrite([]byte("3")); !errors.Is(err, shmring.ErrFull) {
		t.Fatalf("full ring: %v", err)
	}
	if n, err := r.TryRead(buf); err != nil || string(buf[:n]) != "1" {
		t.Fatalf("read %q, %v", buf[:n], err)
	}
}

func TestTimeoutsWaitAboutThatLong(t *testing.T) {
	ring := anonRing(t, 8, 2)
	r := mustReader(t, ring.Reader)
	mustWriter(t, ring)
	start := time.Now()
	_, err := r.ReadMessage(30 * time.Millisecond)
	if waited := time.Since(start); !errors.Is(err, shmring.ErrTimeout) || waited < 30*time.Millisecond || waited > hangGuard {
		t.Fatalf("%v after %v", err, waited)
	}
}

func TestReadContextIsInterruptedByCancel(t *testing.T) {
	ring := anonRing(t, 8, 2)
	r := mustReader(t, ring.Reader)
	mustWriter(t, ring)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		// Cancel once the read is blocked (observed: it waits for data).
		for giveUp := time.Now().Add(hangGuard); time.Now().Before(giveUp); runtime.Gosched() {
			if s, err := ring.Stats(); err == nil && len(s.ReaderStats) == 1 && s.ReaderStats[0].Waits > 0 {
				break
			}
		}
		cancel()
	}()
	if _, err := r.ReadContext(ctx, make([]byte, 8)); !errors.Is(err, context.Canceled) {
		t.Fatalf("ReadContext: %v", err)
	}
	ctx, cancel = context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := r.PeekContext(ctx, func([]byte) error { return nil }); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("PeekContext past its deadline: %v", err)
	}
}

func TestTooLargeMessagesAreRefusedAndKept(t *testing.T) {
	ring := anonRing(t, 8, 2)
	r := mustReader(t, ring.Reader)
	w := mustWriter(t, ring)
	if err := w.Write(make([]byte, 9), shmring.Forever); !errors.Is(err, shmring.ErrTooLarge) {
		t.Fatalf("9 bytes into 8: %v", err)
	}
	if err := w.Write([]byte("12345678"), shmring.Forever); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Read(make([]byte, 4), shmring.Forever); !errors.Is(err, shmring.ErrTooLarge) {
		t.Fatalf("into 4 bytes: %v", err)
	}
	if m, err := r.ReadMessage(shmring.Forever); err != nil || string(m) != "12345678" {
		t.Fatalf("%q, %v", m, err)
	}
}

func TestReserveCommitsOrAborts(t *testing.T) {
	ring := anonRing(t, 16, 4)
	r := mustReader(t, ring.Reader)
	w := mustWriter(t, ring)
	failure := errors.New("not today")
	if err := w.Reserve(shmring.Forever, func(slot []byte) (int, error) { return 0, failure }); err != failure {
		t.Fatalf("fill error: %v", err)
	}
	func() {
		defer func() { recover() }()
		w.Reserve(shmring.Forever, func(slot []byte) (int, error) { panic("fill panics") })
	}()
	err := w.Reserve(shmring.Forever, func(slot []byte) (int, error) { return 17, nil })
	if !errors.Is(err, shmring.ErrTooLarge) {
		t.Fatalf("17 bytes into a 16-byte slot: %v", err)
	}
	err = w.Reserve(shmring.Forever, func(slot []byte) (int, error) {
		if len(slot) != 16 {
			t.Errorf("slot of %d bytes", len(slot))
		}
		return copy(slot, "ok"), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if m, err := r.ReadMessage(0); err != nil || string(m) != "ok" {
		t.Fatalf("aborted slots must be skipped: %q, %v", m, err)
	}
	stats, err := ring.Stats()
	if err != nil || stats.WriterStats[0].Aborted != 3 { // fill error, panic, failed commit
		t.Fatalf("stats %+v, %v", stats, err)
	}
}

func TestViewSeesMessagesInPlace(t *testing.T) {
	ring := anonRing(t, 16, 2)
	r := mustReader(t, ring.Reader)
	w := mustWriter(t, ring)
	for _, m := range []string{"first", "", "third"} {
		if err := w.Write([]byte(m), shmring.Forever); err != nil {
			t.Fatal(err)
		}
		err := r.Peek(0, func(view []byte) error {
			if !bytes.Equal(view, []byte(m)) {
				t.Errorf("view %q, want %q", view, m)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Peek(time.Millisecond, func([]byte) error { return nil }); !errors.Is(err, shmring.ErrTimeout) {
		t.Fatalf("every view was released, the ring is empty: %v", err)
	}
}

func TestEndOfStreamAfterTheLastWriter(t *testing.T) {
	ring := anonRing(t, 8, 4)
	r := mustReader(t, ring.Reader)
	w, _ := ring.Writer()
	go func() {
		for i := uint64(0); i < 1000; i++ {
			if err := w.Write(binary.LittleEndian.AppendUint64(nil, i), shmring.Forever); err != nil {
				t.Error(err)
			}
		}
		w.Close()
	}()
	for i := uint64(0); ; i++ {
		m, err := r.ReadMessage(shmring.Forever)
		if errors.Is(err, shmring.ErrClosed) {
			if i != 1000 {
				t.Fatalf("stream ended after %d messages", i)
			}
			return
		}
		if err != nil || binary.LittleEndian.Uint64(m) != i {
			t.Fatalf("message %d: %x, %v", i, m, err)
		}
	}
}
