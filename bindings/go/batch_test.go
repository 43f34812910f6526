package shmring_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	shmring "github.com/shmring/shmring/bindings/go"
)

// pack lays messages back to back, the layout WriteBatch takes.
func pack(messages ...string) ([]byte, []uint64) {
	lengths := make([]uint64, len(messages))
	for i, m := range messages {
		lengths[i] = uint64(len(m))
	}
	return []byte(strings.Join(messages, "")), lengths
}

// unpack splits what ReadBatch copied.
func unpack(buf []byte, lengths []uint64) []string {
	var messages []string
	for _, n := range lengths {
		messages = append(messages, string(buf[:n]))
		buf = buf[n:]
	}
	return messages
}

func TestBatchesWriteAPrefixAndReadWhatIsReady(t *testing.T) {
	ring := anonRing(t, 8, 4)
	r := mustReader(t, ring.Reader)
	w := mustWriter(t, ring)
	data, lengths := pack("a", "", "ccc", "dddd", "e")
	n, err := w.WriteBatch(data, lengths, shmring.Forever)
	if err != nil || n != 4 {
		t.Fatalf("4 slots: wrote %d, %v", n, err)
	}
	if n, err := w.WriteBatch(data, lengths[4:], 0); !errors.Is(err, shmring.ErrFull) || n != 0 {
		t.Fatalf("full ring: wrote %d, %v", n, err)
	}
	buf, got := make([]byte, 6), make([]uint64, 8)
	n, err = r.ReadBatch(buf, got, time.Second)
	if want := "[a  ccc]"; err != nil || fmt.Sprint(unpack(buf, got[:n])) != want {
		t.Fatalf("6 bytes of buffer: %q, %v; want %s", unpack(buf, got[:n]), err, want)
	}
	if _, err := r.ReadBatch(make([]byte, 3), got, 0); !errors.Is(err, shmring.ErrTooLarge) {
		t.Fatalf("4 bytes into 3: %v", err)
	}
	n, err = r.ReadBatch(buf, got[:1], 0)
	if err != nil || fmt.Sprint(unpack(buf, got[:n])) != "[dddd]" {
		t.Fatalf("max one: %q, %v", unpack(buf, got[:n]), err)
	}
	if _, err := r.ReadBatch(buf, got, 0); !errors.Is(err, shmring.ErrEmpty) {
		t.Fatalf("drained: %v", err)
	}
}

func TestWriteBatchRefusesLengthsPastItsData(t *testing.T) {
	ring := anonRing(t, 8, 4)
	w := mustWriter(t, ring)
	_, err := w.WriteBatch([]byte("abc"), []uint64{2, 2}, 0)
	var e *shmring.Error
	if !errors.Is(err, shmring.ErrInvalid) || !errors.As(err, &e) || !strings.Contains(e.Detail, "message 1") {
		t.Fatalf("lengths 2+2 over 3 bytes: %v", err)
	}
}

func TestWriteBatchWritesAtMostMaxWriteBatch(t *testing.T) {
	ring := anonRing(t, 8, 2*shmring.MaxWriteBatch)
	mustReader(t, ring.Reader)
	w := mustWriter(t, ring)
	lengths := make([]uint64, shmring.MaxWriteBatch+1)
	if n, err := w.WriteBatch(nil, lengths, 0); err != nil || n != shmring.MaxWriteBatch {
		t.Fatalf("wrote %d, %v", n, err)
	}
}

func TestFailuresCarryTheCDetail(t *testing.T) {
	ring := anonRing(t, 8, 2)
	r := mustReader(t, ring.Reader)
	w := mustWriter(t, ring)
	var e *shmring.Error
	if err := w.Write(make([]byte, 9), 0); !errors.As(err, &e) || e.Detail == "" || e.Detail == "no error" {
		t.Fatalf("9 bytes into 8: %#v", err)
	}
	if _, err := r.Read(nil, 10*time.Millisecond); !errors.As(err, &e) || !strings.Contains(e.Detail, "deadline") {
		t.Fatalf("empty ring: %v", err)
	}
}

// The data path makes no heap allocation: the detail buffer is the
// handle's and the pointers handed to C do not escape.
func TestDataPathDoesNotAllocate(t *testing.T) {
	ring := anonRing(t, 64, 64)
	r := mustReader(t, ring.Reader)
	w := mustWriter(t, ring)
	msg, buf := make([]byte, 64), make([]byte, 64*8)
	lengths := []uint64{64, 64, 64, 64, 64, 64, 64, 64}
	view := func([]byte) error { return nil }
	allocs := testing.AllocsPerRun(200, func() {
		w.Write(msg, shmring.Forever)
		r.Read(buf, time.Second)
		w.TryWrite(msg)
		r.TryRead(buf)
		w.Write(msg, time.Second)
		r.Peek(shmring.Forever, view)
		w.WriteBatch(buf, lengths, time.Second)
		r.ReadBatch(buf, lengths, shmring.Forever)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per round", allocs)
	}
}
