package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"
)

const usage = "usage: pipeline-liveview --ring NAME --out DIR [--report-ms 500] [--thumbnail-ms 1000] [--thumbnail-width 320]"

type options struct {
	ring, out      string
	reportEvery    time.Duration
	thumbnailEvery time.Duration
	thumbnailWidth int
}

// parseArgs reads the command line of PROTOCOL.md; its error is one line.
func parseArgs(args []string) (options, error) {
	flags := flag.NewFlagSet("pipeline-liveview", flag.ContinueOnError)
	flags.SetOutput(io.Discard) // the caller prints one line, not flag's usage block
	var o options
	var reportMs, thumbnailMs int
	flags.StringVar(&o.ring, "ring", "", "frames ring name")
	flags.StringVar(&o.out, "out", "", "output directory")
	flags.IntVar(&reportMs, "report-ms", 500, "progress line period")
	flags.IntVar(&thumbnailMs, "thumbnail-ms", 1000, "thumbnail period")
	flags.IntVar(&o.thumbnailWidth, "thumbnail-width", 320, "thumbnail width in pixels")
	if err := flags.Parse(args); err != nil {
		return o, fmt.Errorf("%v; %s", err, usage)
	}
	switch {
	case flags.NArg() > 0:
		return o, fmt.Errorf("unexpected argument %q; %s", flags.Arg(0), usage)
	case o.ring == "":
		return o, errors.New("--ring is required; " + usage)
	case o.out == "":
		return o, errors.New("--out is required; " + usage)
	case reportMs <= 0 || thumbnailMs <= 0 || o.thumbnailWidth <= 0:
		return o, errors.New("--report-ms, --thumbnail-ms and --thumbnail-width must be positive")
	}
	o.reportEvery = time.Duration(reportMs) * time.Millisecond
	o.thumbnailEvery = time.Duration(thumbnailMs) * time.Millisecond
	return o, nil
}
