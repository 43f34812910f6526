package main

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	shmring "github.com/shmring/shmring/bindings/go"
)

const (
	// openWait is how long to wait for the orchestrator's ring to appear.
	openWait = 10 * time.Second
	// pollInterval bounds each wait for a frame, so a signal or a due
	// progress line is noticed promptly.
	pollInterval = 100 * time.Millisecond
)

// errInterrupted: SIGTERM or SIGINT arrived (exit 130, nothing more written).
var errInterrupted = errors.New("interrupted")

// badFrameError is a frame that failed a header check (exit 3).
type badFrameError struct{ error }

// run is the program: it returns the exit code of PROTOCOL.md (0 done,
// 2 bad arguments, 3 bad frame, 130 signal; 1 for any other trouble).
func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseArgs(args)
	if err != nil {
		fmt.Fprintln(stderr, "pipeline-liveview:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	err = watch(ctx, o, stdout)
	var badFrame badFrameError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errInterrupted):
		return 130
	case errors.As(err, &badFrame):
		fmt.Fprintln(stderr, "pipeline-liveview:", err)
		return 3
	default:
		fmt.Fprintln(stderr, "pipeline-liveview:", err)
		return 1
	}
}

// watch joins the ring as a lossy reader, announces readiness and views
// frames until end of stream, then writes liveview.json and the done line.
func watch(ctx context.Context, o options, stdout io.Writer) error {
	ring, err := shmring.Open(o.ring, openWait)
	if err != nil {
		return fmt.Errorf("%s: %w", o.ring, err)
	}
	defer ring.Close()
	reader, err := ring.LossyReader()
	if err != nil {
		return fmt.Errorf("joining as a lossy reader: %w", err)
	}
	defer reader.Close() // closing twice is a no-op
	v := viewer{counts: counts{LastFrame: -1}, thumbs: thumbnails{
		dir: filepath.Join(o.out, "thumbnails"), width: o.thumbnailWidth, every: o.thumbnailEvery,
	}}
	// Made before "ready" so that an unusable --out fails before any frame.
	if err := os.MkdirAll(v.thumbs.dir, 0o755); err != nil {
		return err
	}
	if err := emit(stdout, newEvent("ready")); err != nil {
		return err
	}

	started := time.Now()
	nextReport := started.Add(o.reportEvery)
	for {
		if ctx.Err() != nil {
			return errInterrupted
		}
		if now := time.Now(); !now.Before(nextReport) {
			if err := emit(stdout, progressEvent{newEvent("progress"), v.counts}); err != nil {
				return err
			}
			nextReport = now.Add(o.reportEvery)
		}
		// Never negative: a negative timeout would wait forever.
		err := v.next(reader, max(0, min(pollInterval, time.Until(nextReport))))
		if errors.Is(err, shmring.ErrClosed) {
			break
		}
		if err != nil {
			return err
		}
	}
	if err := reader.Close(); err != nil {
		return err
	}

	summary := filepath.Join(o.out, "liveview.json")
	done := doneEvent{newEvent("done"), v.counts, milliRound(cpuSeconds()),
		milliRound(time.Since(started).Seconds()), []string{summary, v.thumbs.dir}}
	if err := writeJSON(summary, done); err != nil {
		return err
	}
	return emit(stdout, done)
}

func writeJSON(path string, event any) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := emit(f, event); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// viewer is what the stage knows: frame counts and the thumbnail pacing.
type viewer struct {
	counts counts
	thumbs thumbnails
}

// next views one frame (waiting up to wait for it) zero-copy: checks its
// header, counts it and the frames its number says were skipped, and
// makes a thumbnail from it if one is due. Nil also when no frame came or
// the view was overwritten while read (lapped: it counts as skipped once a
// later frame arrives). ErrClosed at end of stream.
func (v *viewer) next(reader *shmring.Reader, wait time.Duration) error {
	var header frameHeader
	var pixels []byte
	var headerErr error
	var thumb *image.RGBA
	due := v.thumbs.due(time.Now())
	err := reader.Peek(wait, func(message []byte) error {
		header, pixels, headerErr = parseHeader(message)
		if headerErr == nil && due {
			thumb = scaleDown(header, pixels, v.thumbs.width)
		}
		return nil
	})
	switch {
	case errors.Is(err, shmring.ErrTimeout), errors.Is(err, shmring.ErrEmpty), errors.Is(err, shmring.ErrLapped):
		return nil
	case err != nil:
		return err
	case headerErr != nil:
		return badFrameError{headerErr}
	}
	v.counts.add(header.frameNo)
	if thumb != nil {
		return v.thumbs.write(thumb, time.Now())
	}
	return nil
}

// add counts a frame, and as skipped the numbers between it and the last
// one (the source numbers frames 0, 1, 2, ... with no gaps).
func (c *counts) add(frameNo uint64) {
	c.Frames++
	if int64(frameNo) > c.LastFrame {
		c.Skipped += frameNo - uint64(c.LastFrame+1)
		c.LastFrame = int64(frameNo)
	}
}
