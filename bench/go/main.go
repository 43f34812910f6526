// Command shmring-bench-go: the Go API on python -m shmring_bench's
// workloads, with the CLI, child protocol and JSON lines of bench/c
// (bench/README.md):
//
//	64B        Writer.Write / Reader.Read, one message per call
//	64B-batch  Writer.WriteBatch / Reader.ReadBatch, 64 messages per call
//	1080p      Writer.Write (copy in) / Reader.View (zero-copy read)
//
// Each cell runs this program twice more, as -role writer and -role
// reader, on a named ring the parent creates and removes.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	shmring "github.com/shmring/shmring/bindings/go"
)

type kind int

const (
	perCall kind = iota
	batch
	frame
)

type workload struct {
	name  string
	size  int
	slots uint64
	kind  kind
}

var workloads = []workload{
	{"64B", 64, 1024, perCall},
	{"64B-batch", 64, 1024, batch},
	{"1080p", 6_220_800, 8, frame},
}

// row is one result (the schema of bench/README.md).
type row struct {
	Workload  string   `json:"workload"`
	Transport string   `json:"transport"`
	Size      int      `json:"size"`
	Writers   int      `json:"writers"`
	Readers   int      `json:"readers"`
	MsgPerS   float64  `json:"msg_per_s"`
	MBPerS    float64  `json:"mb_per_s"`
	P50us     *float64 `json:"p50_us"`
	P99us     *float64 `json:"p99_us"`
	Status    string   `json:"status"`
	Injected  uint64   `json:"injected"` // faults the test hook planted
}

// verdict is a cell's outcome.
type verdict struct {
	msgPerS  float64
	status   string
	injected uint64
}

// child is a running writer or reader and its report lines.
type child struct {
	cmd   *exec.Cmd
	lines *bufio.Scanner
}

func spawn(role, ring string, w workload, seconds float64) (*child, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, "-role", role, "-ring", ring, "-workloads", w.name,
		"-duration", strconv.FormatFloat(seconds, 'g', -1, 64))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &child{cmd, bufio.NewScanner(out)}, nil
}

func (c *child) next() string {
	if c.lines.Scan() {
		return c.lines.Text()
	}
	return ""
}

// cell runs one workload.
func cell(w workload, seconds float64) verdict {
	name := fmt.Sprintf("/shmring-bench-go-%d-%d", os.Getpid(), time.Now().UnixNano())
	ring, err := shmring.Create(name, uint64(w.size), w.slots, nil)
	if err != nil {
		return verdict{status: "FAILED: create: " + err.Error()}
	}
	defer func() { ring.Close(); shmring.Unlink(name) }()
	var ready, written, read string
	if rd, err := spawn("reader", name, w, seconds); err == nil {
		var wr *child
		if ready = rd.next(); ready == "ready" {
			wr, _ = spawn("writer", name, w, seconds) // nil if it failed
		}
		if wr != nil {
			written = wr.next()
			wr.cmd.Wait()
		} else {
			rd.cmd.Process.Kill() // no writer will end its stream
		}
		read = rd.next()
		rd.cmd.Wait()
	}
	return judge(ready, written, read)
}

// judge is the cell's verdict from its children's report lines.
func judge(ready, written, read string) verdict {
	var nWritten, injected, nRead, ns, errs uint64
	if _, err := fmt.Sscanf(written, "written %d %d", &nWritten, &injected); err != nil {
		return verdict{status: "FAILED: writer: " + firstNonEmpty(written, ready)}
	}
	failed := func(status string) verdict { return verdict{status: status, injected: injected} }
	fields := strings.SplitN(read, " ", 5)
	if _, err := fmt.Sscanf(read, "read %d %d %d", &nRead, &ns, &errs); err != nil {
		return failed("FAILED: reader: " + firstNonEmpty(read, "died"))
	}
	if errs > 0 {
		first := ""
		if len(fields) == 5 {
			first = fields[4]
		}
		return failed(fmt.Sprintf("FAILED: %d bad messages; first: %s", errs, first))
	}
	if nRead != nWritten || nRead == 0 {
		return failed(fmt.Sprintf("FAILED: %d written, %d read", nWritten, nRead))
	}
	return verdict{float64(nRead) / (float64(ns) / 1e9), "ok", injected}
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// runRole is a child's whole life: one report line, exit status 0 or 1.
func runRole(role, ring string, w workload, seconds float64) int {
	watchdog(seconds)
	var report string
	var err error
	if role == "writer" {
		report, err = writer(ring, w, seconds)
	} else {
		report, err = reader(ring, w, func() { fmt.Println("ready") })
	}
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	fmt.Println(report)
	return 0
}

func main() {
	os.Exit(program(os.Args[1:], os.Stdout))
}

// program is the whole command (also run by the test): rows go to out.
func program(args []string, out io.Writer) int {
	flags := flag.NewFlagSet("shmring-bench-go", flag.ContinueOnError)
	seconds := flags.Float64("duration", 2, "seconds per workload")
	only := flags.String("workloads", "64B,64B-batch,1080p", "comma-separated")
	role := flags.String("role", "", "internal: writer or reader (a cell's child)")
	ring := flags.String("ring", "", "internal: the ring's name (a cell's child)")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	if !(*seconds > 0) {
		fmt.Fprintln(os.Stderr, "shmring-bench-go: -duration must be positive")
		return 2
	}
	var chosen []workload
	for _, name := range strings.Split(*only, ",") {
		found := false
		for _, w := range workloads {
			if w.name == name {
				chosen, found = append(chosen, w), true
			}
		}
		if !found {
			fmt.Fprintf(os.Stderr, "shmring-bench-go: unknown workload %q\n", name)
			return 2
		}
	}
	if *role != "" {
		return runRole(*role, *ring, chosen[0], *seconds)
	}
	failed := 0
	rows := json.NewEncoder(out)
	for _, w := range chosen {
		v := cell(w, *seconds)
		if strings.HasPrefix(v.status, "FAILED") {
			failed = 1
		}
		rows.Encode(row{w.name, "go", w.size, 1, 1, v.msgPerS, v.msgPerS * float64(w.size) / 1e6,
			nil, nil, v.status, v.injected})
	}
	return failed
}
