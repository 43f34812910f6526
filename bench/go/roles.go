package main

// The two child processes of a cell: the writer and the reader, each on
// the ring the parent made, reporting one line on stdout (bench/README.md).

import (
	"errors"
	"fmt"
	"os"
	"time"

	shmring "github.com/shmring/shmring/bindings/go"
)

const (
	// ioTimeout: calls wait without a timeout, as bench/c's do; instead
	// watchdog ends a child that outlives its window by watchdogSlack (a
	// dead peer), and the cell fails.
	ioTimeout     = shmring.Forever
	watchdogSlack = 60 * time.Second
	// openTimeout: how long a ring may take to appear.
	openTimeout = 10 * time.Second
	// clockEverySmall: the writer reads the clock every this many calls
	// (a clock read costs about as much as a 64 B write).
	clockEverySmall = 256
	// batchSize: messages per WriteBatch / ReadBatch call in 64B-batch.
	batchSize = 64
)

// watchdog ends this process seconds + watchdogSlack from now.
func watchdog(seconds float64) {
	time.AfterFunc(time.Duration(seconds*float64(time.Second))+watchdogSlack, func() {
		fmt.Fprintln(os.Stderr, "shmring-bench-go: a child outlived its window; giving up")
		os.Exit(3)
	})
}

// writer writes for seconds (and at least the test hook's p.minimum()
// messages), then leaves (which ends the stream): "written N INJECTED".
func writer(ringName string, w workload, seconds float64) (string, error) {
	ring, err := shmring.Open(ringName, openTimeout)
	if err != nil {
		return "", fmt.Errorf("open: %w", err)
	}
	defer ring.Close()
	wr, err := ring.Writer()
	if err != nil {
		return "", fmt.Errorf("writer: %w", err)
	}
	count := 2
	if w.kind == batch {
		count = batchSize
	}
	p := newPayload(w.size, count)
	lengths := make([]uint64, count)
	for i := range lengths {
		lengths[i] = uint64(w.size)
	}
	clockEvery := clockEverySmall
	if w.kind == frame {
		clockEvery = 1
	}
	end := time.Now().Add(time.Duration(seconds * float64(time.Second)))
	n, minimum := uint64(0), p.minimum()
	for calls := 0; calls%clockEvery != 0 || n < minimum || time.Now().Before(end); calls++ {
		if w.kind != batch {
			if err := wr.Write(p.message(n), ioTimeout); err != nil {
				return "", fmt.Errorf("write: %w", err)
			}
			n++
			continue
		}
		// n is a multiple of batchSize: message n+i is the payload's i-th.
		for i := range batchSize {
			p.message(n + uint64(i))
		}
		for done := 0; done < batchSize; {
			written, err := wr.WriteBatch(p.messages[done*w.size:], lengths[done:], ioTimeout)
			if err != nil {
				return "", fmt.Errorf("write batch: %w", err)
			}
			done += written
		}
		n += uint64(batchSize)
	}
	if err := wr.Close(); err != nil {
		return "", fmt.Errorf("writer close: %w", err)
	}
	return fmt.Sprintf("written %d %d", n, p.injected), nil
}

// reader joins, says "ready" (through ready), reads and checks every
// message until the end of the stream: "read N NS ERRORS FIRST-ERROR".
func reader(ringName string, w workload, ready func()) (string, error) {
	ring, err := shmring.Open(ringName, openTimeout)
	if err != nil {
		return "", fmt.Errorf("open: %w", err)
	}
	defer ring.Close()
	rd, err := ring.Reader()
	if err != nil {
		return "", fmt.Errorf("reader: %w", err)
	}
	defer rd.Close()
	ready()
	c := newChecker(w.size)
	buf := make([]byte, w.size*batchSize)
	lengths := make([]uint64, batchSize)
	check := func(message []byte) error { c.check(message); return nil }
	var n uint64
	var first time.Time
	for {
		got := 1
		switch w.kind {
		case frame:
			err = rd.Peek(ioTimeout, check)
		case batch:
			got, err = rd.ReadBatch(buf, lengths, ioTimeout)
			for i, offset := 0, uint64(0); i < got; i++ {
				c.check(buf[offset : offset+lengths[i]])
				offset += lengths[i]
			}
		default:
			var length int
			if length, err = rd.Read(buf[:w.size], ioTimeout); err == nil {
				c.check(buf[:length])
			}
		}
		if err != nil {
			break
		}
		if n == 0 {
			first = time.Now() // time runs from the first message
		}
		n += uint64(got)
	}
	elapsed := time.Since(first)
	if !errors.Is(err, shmring.ErrClosed) {
		return "", fmt.Errorf("read: %w", err)
	}
	return fmt.Sprintf("read %d %d %d %s", n, elapsed.Nanoseconds(), c.errors, c.firstError), nil
}
