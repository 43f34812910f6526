// producer is the Go writer of the cross-language tests (tests/cross/README.md).
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	shmring "github.com/shmring/shmring/bindings/go"
	"github.com/shmring/shmring/examples/cross/go/message"
)

const wait = 30 * time.Second

func waitForParticipants(ring *shmring.Ring, readers, writers uint64) error {
	// Woken by the readers' joins, whatever their language.
	if err := ring.WaitForReaders(uint32(readers), "", wait); err != nil {
		return err
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		stats, err := ring.Stats()
		if err != nil {
			return err
		}
		if stats.Readers >= readers && stats.WritersJoined >= writers {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d readers and %d writers after 30 s, want %d and %d",
				stats.Readers, stats.WritersJoined, readers, writers)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func writeAll(w *shmring.Writer, id uint32, count, slotBytes uint64) error {
	buffer := make([]byte, slotBytes)
	for s := uint64(0); s < count; s++ {
		n := message.Length(id, s, slotBytes)
		if s%2 == 0 {
			message.Encode(buffer[:n], id, s)
			if err := w.Write(buffer[:n], wait); err != nil {
				return err
			}
			continue
		}
		err := w.Reserve(wait, func(slot []byte) (int, error) {
			message.Encode(slot[:n], id, s)
			return int(n), nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func run(name string, id uint32, count, slotBytes, slotCount, readers, writers uint64) error {
	var ring *shmring.Ring
	var err error
	if slotBytes > 0 {
		ring, err = shmring.Create(name, slotBytes, slotCount, nil)
	} else {
		ring, err = shmring.Open(name, 10*time.Second)
	}
	if err != nil {
		return err
	}
	defer ring.Close()
	w, err := ring.Writer()
	if err != nil {
		return err
	}
	defer w.Close()
	if err := waitForParticipants(ring, readers, writers); err != nil {
		return err
	}
	if err := writeAll(w, id, count, ring.Geometry().SlotBytes); err != nil {
		return err
	}
	return w.Close()
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: producer NAME --id W --count N [--create SLOT_BYTES SLOT_COUNT] [--readers R] [--writers K]")
		os.Exit(2)
	}
	name := os.Args[1]
	flags := flag.NewFlagSet("producer", flag.ExitOnError)
	id := flags.Uint("id", 0, "writer id")
	count := flags.Uint64("count", 0, "messages to write")
	readers := flags.Uint64("readers", 0, "readers to wait for")
	writers := flags.Uint64("writers", 1, "writers to wait for")
	create := flags.Bool("create", false, "create the ring: SLOT_BYTES SLOT_COUNT follow the flags")
	flags.Parse(reorderCreate(os.Args[2:]))
	var slotBytes, slotCount uint64
	if *create {
		if _, err := fmt.Sscan(flags.Arg(0)+" "+flags.Arg(1), &slotBytes, &slotCount); err != nil {
			fmt.Fprintln(os.Stderr, "producer go: --create SLOT_BYTES SLOT_COUNT:", err)
			os.Exit(2)
		}
	}
	if err := run(name, uint32(*id), *count, slotBytes, slotCount, *readers, *writers); err != nil {
		fmt.Fprintln(os.Stderr, "producer go:", err)
		os.Exit(1)
	}
	fmt.Printf("producer go: wrote %d messages as writer %d\n", *count, *id)
}

// reorderCreate moves "--create A B" to the end as "--create ... A B", so
// the flag package (which stops at the first non-flag) sees every flag.
func reorderCreate(args []string) []string {
	var flags, values []string
	for i := 0; i < len(args); i++ {
		if args[i] == "--create" && i+2 < len(args) {
			flags = append(flags, args[i])
			values = append(values, args[i+1], args[i+2])
			i += 2
			continue
		}
		flags = append(flags, args[i])
	}
	return append(flags, values...)
}
