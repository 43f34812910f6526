// consumer is the Go reader of the cross-language tests (tests/cross/README.md).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	shmring "github.com/shmring/shmring/bindings/go"
	"github.com/shmring/shmring/examples/cross/go/message"
)

const wait = 30 * time.Second

func printInfo(ring *shmring.Ring) {
	g := ring.Geometry()
	fmt.Printf("slot_bytes=%d slot_count=%d max_writers=%d max_readers=%d max_groups=%d layout_version=%d segment_bytes=%d version=0x%06x\n",
		g.SlotBytes, g.SlotCount, g.MaxWriters, g.MaxReaders, g.MaxGroups, g.LayoutVersion, g.SegmentBytes, shmring.Version())
}

// consume reads (alternating copies and zero-copy views) and checks every
// message until end of stream.
func consume(r *shmring.Reader, c *message.Checker) error {
	buffer := make([]byte, c.SlotBytes)
	for n := 0; ; n++ {
		var checkErr, err error
		if n%2 == 0 {
			var length int
			length, err = r.Read(buffer, wait)
			if err == nil {
				checkErr = c.Check(buffer[:length])
			}
		} else {
			err = r.Peek(wait, func(m []byte) error { checkErr = c.Check(m); return nil })
		}
		if errors.Is(err, shmring.ErrClosed) {
			break
		}
		if err != nil {
			return err
		}
		if checkErr != nil {
			return fmt.Errorf("message %d: %w", c.Messages, checkErr)
		}
	}
	if _, err := r.Read(buffer, 0); !errors.Is(err, shmring.ErrClosed) {
		return fmt.Errorf("the stream ended, then did not stay ended: %v", err)
	}
	return nil
}

func parseWriters(list string) ([]uint32, error) {
	var writers []uint32
	for _, w := range strings.Split(list, ",") {
		v, err := strconv.ParseUint(w, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("--writers: %w", err)
		}
		writers = append(writers, uint32(v))
	}
	return writers, nil
}

func run(name, writerList, group, reportPath string, count uint64, info bool) (uint64, error) {
	ring, err := shmring.Open(name, 10*time.Second)
	if err != nil {
		return 0, err
	}
	defer ring.Close()
	if info {
		printInfo(ring)
		return 0, nil
	}
	writers, err := parseWriters(writerList)
	if err != nil {
		return 0, err
	}
	var report io.Writer
	if reportPath != "" {
		f, err := os.Create(reportPath)
		if err != nil {
			return 0, err
		}
		defer f.Close()
		report = f
	}
	c := message.NewChecker(ring.Geometry().SlotBytes, count, writers, report)
	var r *shmring.Reader
	if group != "" {
		r, err = ring.GroupReader(group)
	} else {
		r, err = ring.Reader()
	}
	if err != nil {
		return 0, err
	}
	defer r.Close()
	if err := consume(r, c); err != nil {
		return c.Messages, err
	}
	if group == "" {
		if err := c.CheckComplete(); err != nil {
			return c.Messages, fmt.Errorf("at end of stream: %w", err)
		}
	}
	return c.Messages, c.Finish()
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: consumer NAME --writers W1,W2 --count N [--group G] [--report FILE]\n       consumer NAME --info")
		os.Exit(2)
	}
	flags := flag.NewFlagSet("consumer", flag.ExitOnError)
	writers := flags.String("writers", "0", "writer ids, comma-separated")
	count := flags.Uint64("count", 0, "messages per writer")
	group := flags.String("group", "", "join this group instead of reading broadcast")
	report := flags.String("report", "", "file to get one line per message")
	info := flags.Bool("info", false, "print the ring's geometry and exit")
	flags.Parse(os.Args[2:])
	n, err := run(os.Args[1], *writers, *group, *report, *count, *info)
	if err != nil {
		fmt.Fprintln(os.Stderr, "consumer go:", err)
		os.Exit(1)
	}
	if !*info {
		inGroup := ""
		if *group != "" {
			inGroup = " in group " + *group
		}
		fmt.Printf("consumer go%s: %d messages checked, end of stream\n", inGroup, n)
	}
}
