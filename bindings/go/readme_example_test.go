package shmring_test

// The example of bindings/go/README.md: frames below is the README's code,
// word for word (checked by //tests/lint:readme_examples).
// TestReadmeExampleRunsTwiceAfterACrash runs it twice in a row, each run a
// process of its own (this test binary again), after a crashed run.

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	shmring "github.com/shmring/shmring/bindings/go"
)

// ---- README.md ----
func frames(name, lockName string) error { // "/frames", "/config-lock"
	// ReplaceStale: a ring left by a crashed run of this program is replaced
	ring, err := shmring.Create(name, 4096, 8, &shmring.Options{ReplaceStale: true})
	if err != nil {
		return err // or shmring.Open(name, time.Second) in another process
	}
	defer shmring.Unlink(name)
	defer ring.Close()    // after its writers and readers
	r, _ := ring.Reader() // GroupReader("name"), LossyReader()
	defer r.Close()
	w, _ := ring.Writer()
	w.Write([]byte("hello"), shmring.Forever)
	w.Reserve(shmring.Forever, func(slot []byte) (int, error) { return copy(slot, "abc"), nil })
	w.Close() // the last writer ends the stream
	for {
		err := r.Peek(shmring.Forever, func(m []byte) error { fmt.Printf("%q\n", m); return nil })
		if errors.Is(err, shmring.ErrClosed) { // end of stream
			break
		}
	}

	lock, err := shmring.CreateRWLock(lockName, 0, shmring.ReplaceStale) // or OpenRWLock
	if err != nil {
		return err
	}
	defer shmring.Unlink(lockName)
	defer lock.Close()                              // releases its holds
	if err := lock.RLock(time.Second); err == nil { // ErrTimeout if busy
		defer lock.RUnlock()
	}
	return nil
}

// ---- end of the README's code ----

// TestReadmeChild is not a test on its own: the test below runs this
// binary again with SHMRING_GO_README = "example NAME LOCK" to run the
// example, or "crashed NAME LOCK" to leave what a crashed run leaves: a
// ring and a lock whose creator is gone.
func TestReadmeChild(t *testing.T) {
	words := strings.Fields(os.Getenv("SHMRING_GO_README"))
	if len(words) != 3 {
		t.Skip("run by TestReadmeExampleRunsTwiceAfterACrash")
	}
	if words[0] == "example" {
		must(t, frames(words[1], words[2]))
		return
	}
	_, err := shmring.Create(words[1], 4096, 8, nil)
	must(t, err)
	_, err = shmring.CreateRWLock(words[2], 0, 0)
	must(t, err)
}

func TestReadmeExampleRunsTwiceAfterACrash(t *testing.T) {
	name, lockName := uniqueName("readme"), uniqueName("readme-lock")
	defer shmring.Unlink(name)
	defer shmring.Unlink(lockName)
	inChild := func(role string) string {
		child := exec.Command(os.Args[0], "-test.run=^TestReadmeChild$", "-test.v")
		child.Env = append(os.Environ(), "SHMRING_GO_README="+role+" "+name+" "+lockName)
		out, err := child.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", role, err, out)
		}
		return string(out)
	}
	inChild("crashed")
	for _, n := range []string{name, lockName} {
		in, err := shmring.Inspect(n)
		if err != nil || !in.Stale {
			t.Fatalf("a crashed run's %s is not stale: %+v %v", n, in, err)
		}
	}
	for run := 1; run <= 2; run++ {
		if out := inChild("example"); !strings.Contains(out, "\"hello\"\n\"abc\"\n") {
			t.Fatalf("run %d printed:\n%s", run, out)
		}
	}
	_, err := shmring.Inspect(name)
	wantErr(t, err, shmring.ErrNotFound)
}
