package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"image/jpeg"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	shmring "github.com/shmring/shmring/bindings/go"
)

const testWait = 20 * time.Second

// A thumbnail-sized test frame: 64x32 pixels.
const testWidth, testHeight = 64, 32

// newRing creates a ring no other test or run uses (sandboxed runs share
// pids and /dev/shm, hence the time), removed when the test ends.
func newRing(t *testing.T, tag string, slots uint64) (string, *shmring.Ring) {
	t.Helper()
	name := fmt.Sprintf("/pipeline-liveview-%s-%d-%d", tag, os.Getpid(), time.Now().UnixNano())
	ring, err := shmring.Create(name, uint64(len(encodeFrame(0, testWidth, testHeight, [3]byte{}))), slots, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ring.Close(); shmring.Unlink(name) })
	return name, ring
}

// stage is run() in a goroutine, its stdout lines arriving on a channel.
type stage struct {
	lines  chan string
	code   chan int
	stderr bytes.Buffer // read only after code has been received
}

func startStage(args ...string) *stage {
	s := &stage{lines: make(chan string, 10000), code: make(chan int, 1)}
	out, in := io.Pipe()
	go func() {
		code := run(args, in, &s.stderr)
		in.Close()
		s.code <- code
	}()
	go func() {
		scanner := bufio.NewScanner(out)
		for scanner.Scan() {
			s.lines <- scanner.Text()
		}
		close(s.lines)
	}()
	return s
}

// startOnRing starts the stage on ring name with fast reports and
// thumbnails, and waits for its ready line.
func startOnRing(t *testing.T, name, out string) *stage {
	t.Helper()
	s := startStage("--ring", name, "--out", out, "--report-ms", "20", "--thumbnail-ms", "30", "--thumbnail-width", "16")
	select {
	case line := <-s.lines:
		if line != `{"stage":"liveview","event":"ready"}` {
			t.Fatalf("first line %q", line)
		}
	case <-time.After(testWait):
		t.Fatal("no ready line")
	}
	return s
}

// finish waits for the exit code and returns it with the remaining lines.
func (s *stage) finish(t *testing.T) (int, []string) {
	t.Helper()
	var code int
	select {
	case code = <-s.code:
	case <-time.After(testWait):
		t.Fatal("run did not return")
	}
	var lines []string
	for line := range s.lines {
		lines = append(lines, line)
	}
	return code, lines
}

// writeFrames writes one frame per number (blue, BGR order) and ends the
// stream; pause is the time between frames.
func writeFrames(t *testing.T, ring *shmring.Ring, numbers []uint64, pause time.Duration) {
	t.Helper()
	w, err := ring.Writer()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range numbers {
		if err := w.Write(encodeFrame(n, testWidth, testHeight, [3]byte{255, 0, 0}), testWait); err != nil {
			t.Fatal(err)
		}
		time.Sleep(pause)
	}
	if err := w.Close(); err != nil { // the last writer leaving ends the stream
		t.Fatal(err)
	}
}

// doneOf checks the last line is the done line and returns it decoded.
func doneOf(t *testing.T, code int, lines []string, s *stage) doneEvent {
	t.Helper()
	if code != 0 || len(lines) == 0 {
		t.Fatalf("exit %d, lines %q, stderr %q", code, lines, s.stderr.String())
	}
	var done doneEvent
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &done); err != nil || done.Event != "done" || done.Stage != "liveview" {
		t.Fatalf("last line %q: %v", lines[len(lines)-1], err)
	}
	return done
}

func numbers(from, to uint64) []uint64 {
	var n []uint64
	for i := from; i < to; i++ {
		n = append(n, i)
	}
	return n
}

func TestThumbnailsProgressAndDone(t *testing.T) {
	name, ring := newRing(t, "ok", 8)
	out := t.TempDir()
	s := startOnRing(t, name, out)
	writeFrames(t, ring, numbers(0, 10), 20*time.Millisecond)
	code, lines := s.finish(t)
	done := doneOf(t, code, lines, s)

	if done.counts != (counts{Frames: 10, Skipped: 0, LastFrame: 9}) {
		t.Errorf("counts %+v", done.counts)
	}
	summary, thumbDir := filepath.Join(out, "liveview.json"), filepath.Join(out, "thumbnails")
	if strings.Join(done.Outputs, " ") != summary+" "+thumbDir {
		t.Errorf("outputs %q", done.Outputs)
	}
	if saved, err := os.ReadFile(summary); err != nil || string(saved) != lines[len(lines)-1]+"\n" {
		t.Errorf("liveview.json %q (%v), done line %q", saved, err, lines[len(lines)-1])
	}
	progress := lines[:len(lines)-1]
	if len(progress) == 0 || !strings.HasPrefix(progress[0], `{"stage":"liveview","event":"progress","frames":`) {
		t.Errorf("progress lines %q", progress)
	}

	// 10 frames over about 200 ms, a thumbnail every 30 ms: a few, blue.
	thumbs, _ := filepath.Glob(filepath.Join(thumbDir, "*"))
	if len(thumbs) < 2 || filepath.Base(thumbs[0]) != "thumb-0001.jpg" {
		t.Fatalf("thumbnails %q", thumbs)
	}
	f, err := os.Open(thumbs[len(thumbs)-1])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := jpeg.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 16 || b.Dy() != 8 {
		t.Errorf("thumbnail bounds %v, want 16x8", b)
	}
	if r, _, b, _ := img.At(8, 4).RGBA(); r > 0x2000 || b < 0xD000 {
		t.Errorf("a blue frame gave a thumbnail pixel of red %#x, blue %#x", r, b)
	}
}

func TestSkippedCountsFrameNumberGaps(t *testing.T) {
	name, ring := newRing(t, "gaps", 8)
	s := startOnRing(t, name, t.TempDir())
	writeFrames(t, ring, []uint64{0, 1, 5, 6, 9}, time.Millisecond)
	code, lines := s.finish(t)
	if got := doneOf(t, code, lines, s).counts; got != (counts{Frames: 5, Skipped: 5, LastFrame: 9}) {
		t.Errorf("counts %+v, want 5 frames, 5 skipped (2, 3, 4, 7, 8), last 9", got)
	}
}

func TestNeverSlowsTheWriterAndAccountsForEveryFrame(t *testing.T) {
	const total = 500
	name, ring := newRing(t, "lapped", 4)
	s := startOnRing(t, name, t.TempDir())
	w, err := ring.Writer()
	if err != nil {
		t.Fatal(err)
	}
	for n := uint64(0); n < total; n++ {
		// A try-write: with only a lossy reader the ring is never full.
		if err := w.TryWrite(encodeFrame(n, testWidth, testHeight, [3]byte{byte(n), 0, 0})); err != nil {
			t.Fatalf("frame %d: %v", n, err)
		}
	}
	w.Close()
	code, lines := s.finish(t)
	got := doneOf(t, code, lines, s).counts
	t.Logf("%d frames written: %d seen, %d skipped", total, got.Frames, got.Skipped)
	if got.LastFrame != total-1 || got.Frames+got.Skipped != total || got.Frames == 0 {
		t.Errorf("counts %+v: frames + skipped must be %d, last %d", got, total, total-1)
	}
}

func TestCorruptHeaderExits3(t *testing.T) {
	name, ring := newRing(t, "corrupt", 8)
	out := t.TempDir()
	s := startOnRing(t, name, out)
	w, err := ring.Writer()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	frame := encodeFrame(0, testWidth, testHeight, [3]byte{})
	frame[0] ^= 0xFF
	if err := w.Write(frame, testWait); err != nil {
		t.Fatal(err)
	}
	code, _ := s.finish(t)
	stderr := s.stderr.String()
	if code != 3 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "bad frame message") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "liveview.json")); err == nil {
		t.Error("liveview.json written after a bad frame")
	}
}

func TestSigtermExits130Promptly(t *testing.T) {
	name, _ := newRing(t, "term", 8)
	out := t.TempDir()
	s := startOnRing(t, name, out)
	sent := time.Now()
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	code, _ := s.finish(t)
	if code != 130 || time.Since(sent) > time.Second {
		t.Fatalf("exit %d after %v", code, time.Since(sent))
	}
	if _, err := os.Stat(filepath.Join(out, "liveview.json")); err == nil {
		t.Error("liveview.json written after SIGTERM")
	}
}

func TestBadArgumentsExit2WithOneLine(t *testing.T) {
	for _, args := range [][]string{
		{"--out", "d"},
		{"--ring", "/r"},
		{"--ring", "/r", "--out", "d", "--thumbnail-width", "0"},
		{"--ring", "/r", "--out", "d", "--report-ms", "x"},
		{"--ring", "/r", "--out", "d", "extra"},
		{"--colour"},
	} {
		s := startStage(args...)
		code, lines := s.finish(t)
		if stderr := s.stderr.String(); code != 2 || len(lines) != 0 || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, lines, stderr)
		}
	}
}
