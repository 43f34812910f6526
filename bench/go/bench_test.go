package main

// The program, short: every row ok with a positive rate and no fault
// injected; with one corrupted message (the SHMRING_BENCH_CORRUPT hook)
// every row says it injected the fault, then FAILED, and exit 1. The writer
// writes past the corrupted message whatever -duration says, so nothing
// depends on the machine's speed; no timing is asserted.

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	shmring "github.com/shmring/shmring/bindings/go"
)

// TestMain lets the test binary serve as a cell's child, as the program does.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "-role" {
		os.Exit(program(os.Args[1:], os.Stdout))
	}
	os.Exit(m.Run())
}

func runProgram(t *testing.T) (int, []row) {
	t.Helper()
	var out bytes.Buffer
	code := program([]string{"-duration", "0.2"}, &out)
	var rows []row
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var r row
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("not a JSON row: %q: %v", line, err)
		}
		rows = append(rows, r)
	}
	return code, rows
}

func TestEveryWorkloadIsOkWithAPositiveRate(t *testing.T) {
	code, rows := runProgram(t)
	if code != 0 || len(rows) != len(workloads) {
		t.Fatalf("exit %d, rows %+v", code, rows)
	}
	for i, r := range rows {
		if r.Workload != workloads[i].name || r.Transport != "go" {
			t.Errorf("row %d: %+v", i, r)
		}
		if r.Status != "ok" || !(r.MsgPerS > 0) || r.Injected != 0 {
			t.Errorf("not ok: %+v", r)
		}
	}
}

func TestACorruptedMessageFails(t *testing.T) {
	t.Setenv(corruptEnv, "5")
	code, rows := runProgram(t)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if len(rows) != len(workloads) {
		t.Fatalf("rows %+v", rows)
	}
	for _, r := range rows {
		if r.Injected < 1 {
			t.Errorf("no fault injected, so nothing to catch: %+v", r)
			continue
		}
		if !strings.HasPrefix(r.Status, "FAILED: 1 bad messages; first: message 5: checksum") {
			t.Errorf("corruption not caught: %+v", r)
		}
	}
}

// BenchmarkEmptyCgoCall: one cgo call of an empty C function with a Go
// pointer argument (as every binding call passes), the floor per call.
func BenchmarkEmptyCgoCall(b *testing.B) {
	buf := make([]byte, 64)
	for i := 0; i < b.N; i++ {
		emptyCgoCall(buf)
	}
}

// BenchmarkWriteRead: one 64 B Write and one Read through the binding in
// one goroutine (no other process, so no cache-line transfers): the
// binding's per-message cost on both sides, cgo included.
func BenchmarkWriteRead(b *testing.B) {
	ring, wr, rd := benchRing(b)
	defer ring.Close()
	message, buf := make([]byte, 64), make([]byte, 64)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := wr.Write(message, shmring.Forever); err != nil {
			b.Fatal(err)
		}
		if _, err := rd.Read(buf, shmring.Forever); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriteReadBatch: WriteBatch and ReadBatch of 64 messages of 64 B
// in one goroutine; ns/op is per message.
func BenchmarkWriteReadBatch(b *testing.B) {
	ring, wr, rd := benchRing(b)
	defer ring.Close()
	messages, buf := make([]byte, 64*batchSize), make([]byte, 64*batchSize)
	lengths := make([]uint64, batchSize)
	for i := range lengths {
		lengths[i] = 64
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += batchSize {
		if n, err := wr.WriteBatch(messages, lengths, shmring.Forever); err != nil || n != batchSize {
			b.Fatal(n, err)
		}
		if n, err := rd.ReadBatch(buf, lengths, shmring.Forever); err != nil || n != batchSize {
			b.Fatal(n, err)
		}
	}
}

// benchRing: an anonymous ring of 1024 slots of 64 B with one writer and
// one reader, for the single-goroutine benchmarks.
func benchRing(b *testing.B) (*shmring.Ring, *shmring.Writer, *shmring.Reader) {
	ring, err := shmring.CreateAnonymous(64, 1024, nil)
	if err != nil {
		b.Fatal(err)
	}
	rd, err := ring.Reader()
	if err != nil {
		b.Fatal(err)
	}
	wr, err := ring.Writer()
	if err != nil {
		b.Fatal(err)
	}
	return ring, wr, rd
}
