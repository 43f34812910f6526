package shmring_test

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	shmring "github.com/shmring/shmring/bindings/go"
)

// TestStaleChild is not a test on its own: the tests below run this binary
// again with SHMRING_GO_STALE_ROLE ("creator" or "reader") and
// SHMRING_GO_STALE_NAME, to join the ring in another process and hold on
// until killed.
func TestStaleChild(t *testing.T) {
	role, name := os.Getenv("SHMRING_GO_STALE_ROLE"), os.Getenv("SHMRING_GO_STALE_NAME")
	if role == "" {
		t.Skip("run by the stale-segment tests")
	}
	var ring *shmring.Ring
	var err error
	if role == "creator" {
		ring, err = shmring.Create(name, 64, 8, nil)
		must(t, err)
		_, err = ring.Writer()
		must(t, err)
	} else {
		ring, err = shmring.Open(name, 10e9)
		must(t, err)
	}
	_, err = ring.Reader()
	must(t, err)
	os.Stdout.WriteString("ready\n")
	select {} // hold on until killed
}

func startStaleChild(t *testing.T, role, name string) *exec.Cmd {
	t.Helper()
	child := exec.Command(os.Args[0], "-test.run=^TestStaleChild$", "-test.v")
	child.Env = append(os.Environ(), "SHMRING_GO_STALE_ROLE="+role, "SHMRING_GO_STALE_NAME="+name)
	out, err := child.StdoutPipe()
	must(t, err)
	must(t, child.Start())
	t.Cleanup(func() { _ = child.Process.Kill(); _ = child.Wait() })
	for scan := bufio.NewScanner(out); scan.Scan(); {
		if strings.Contains(scan.Text(), "ready") {
			return child
		}
	}
	t.Fatalf("the %s child never got ready", role)
	return nil
}

func killChild(t *testing.T, child *exec.Cmd) {
	t.Helper()
	must(t, child.Process.Kill()) // SIGKILL
	_ = child.Wait()
}

func wantExistsNaming(t *testing.T, err error, what string) {
	t.Helper()
	var e *shmring.Error
	if !errors.Is(err, shmring.ErrExists) || !errors.As(err, &e) || !strings.Contains(e.Detail, what) {
		t.Fatalf("want ErrExists naming %q, got %v", what, err)
	}
}

func TestStaleRingOfAKilledParticipantIsReplaced(t *testing.T) {
	name := uniqueName("stale-killed")
	defer shmring.Unlink(name)
	child := startStaleChild(t, "creator", name)
	pid := child.Process.Pid
	_, err := shmring.Create(name, 64, 8, &shmring.Options{ReplaceStale: true})
	wantExistsNaming(t, err, fmt.Sprintf("pid %d (creator)", pid))
	killChild(t, child)
	in, err := shmring.Inspect(name)
	must(t, err)
	if in.Kind != shmring.SegmentRing || !in.Stale || in.DeadEntries != 3 || len(in.Live) != 0 ||
		in.CreatorPid != uint64(pid) || in.SlotCount != 8 {
		t.Fatalf("inspection of a killed child's ring: %+v", in)
	}
	_, err = shmring.Create(name, 64, 8, nil)
	wantErr(t, err, shmring.ErrExists)
	ring, err := shmring.Create(name, 64, 8, &shmring.Options{ReplaceStale: true})
	must(t, err)
	defer ring.Close()
	if ring.NextSequence() != 0 {
		t.Fatal("the replacement is not a fresh ring")
	}
}

func TestStaleLiveAndStoppedReaderKeepTheRing(t *testing.T) {
	name := uniqueName("stale-reader")
	defer shmring.Unlink(name)
	creator := startStaleChild(t, "creator", name)
	reader := startStaleChild(t, "reader", name)
	killChild(t, creator)
	pid := reader.Process.Pid
	in, err := shmring.Inspect(name)
	must(t, err)
	if len(in.Live) != 1 || in.Live[0] != (shmring.Participant{Pid: uint32(pid), Role: shmring.RoleReader}) ||
		in.Stale || in.CreatorAlive || in.LiveReaders != 1 {
		t.Fatalf("inspection with a live reader: %+v", in)
	}
	named := fmt.Sprintf("pid %d (reader)", pid)
	for _, stopped := range []bool{false, true} {
		if stopped {
			must(t, syscall.Kill(pid, syscall.SIGSTOP)) // a stopped process is alive
		}
		_, err = shmring.Create(name, 64, 8, &shmring.Options{ReplaceStale: true})
		wantExistsNaming(t, err, named)
		wantExistsNaming(t, shmring.RemoveStale(name), named)
	}
	killChild(t, reader)
	must(t, shmring.RemoveStale(name))
	_, err = shmring.Inspect(name)
	wantErr(t, err, shmring.ErrNotFound)
	wantErr(t, shmring.RemoveStale(name), shmring.ErrNotFound)
}

func TestStaleLockOfThisProcessIsKept(t *testing.T) {
	name := uniqueName("stale-lock")
	defer shmring.Unlink(name)
	lock, err := shmring.CreateRWLock(name, 4, 0)
	must(t, err)
	defer lock.Close()
	in, err := shmring.Inspect(name)
	must(t, err)
	if in.Kind != shmring.SegmentRWLock || in.LiveHolders != 1 || in.MaxHolders != 4 || in.Stale {
		t.Fatalf("inspection of a live lock: %+v", in)
	}
	_, err = shmring.CreateRWLock(name, 4, 0o600|shmring.ReplaceStale)
	wantExistsNaming(t, err, fmt.Sprintf("pid %d (lock holder, this process)", os.Getpid()))
	_, err = shmring.Inspect("bad\x00name")
	wantErr(t, err, shmring.ErrInvalid)
}
