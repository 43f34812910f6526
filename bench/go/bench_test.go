package main

// The program, short: every row ok (or n/a) with a positive rate; with one
// corrupted message (the SHMRING_BENCH_CORRUPT hook) FAILED and exit 1. No
// timing is asserted.

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
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
		if workloads[i].kind == batch {
			if !strings.HasPrefix(r.Status, "n/a") {
				t.Errorf("batch row: %+v", r)
			}
		} else if r.Status != "ok" || !(r.MsgPerS > 0) {
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
	for i, r := range rows {
		if workloads[i].kind == batch {
			continue // n/a, checked above
		}
		if !strings.HasPrefix(r.Status, "FAILED: 1 bad messages; first: message 5: checksum") {
			t.Errorf("corruption not caught: %+v", r)
		}
	}
}
