package shmring_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	shmring "github.com/shmring/shmring/bindings/go"
)

const short = 50 * time.Millisecond

// hangGuard: how long an awaited state may take to appear; a guard against
// a hang, not a measurement.
const hangGuard = 30 * time.Second

// pollState polls the lock's state until done says so (events are ordered
// by what is observed, never by pausing); an error after hangGuard. Safe in
// any goroutine.
func pollState(l *shmring.RWLock, what string, done func(shmring.LockState) bool) error {
	giveUp := time.Now().Add(hangGuard)
	for {
		s, err := l.State()
		if err != nil || done(s) {
			return err
		}
		if time.Now().After(giveUp) {
			return fmt.Errorf("%s: not seen in %v; last %+v", what, hangGuard, s)
		}
		runtime.Gosched()
	}
}

// awaitState is pollState in the test's goroutine.
func awaitState(t *testing.T, l *shmring.RWLock, what string, done func(shmring.LockState) bool) {
	t.Helper()
	must(t, pollState(l, what, done))
}

// anonLock makes an anonymous lock and n extra handles on it, all closed at
// test end.
func anonLock(t *testing.T, extra int) []*shmring.RWLock {
	t.Helper()
	lock, err := shmring.CreateAnonymousRWLock(0)
	if err != nil {
		t.Fatal(err)
	}
	locks := []*shmring.RWLock{lock}
	for i := 0; i < extra; i++ {
		other, err := lock.Dup()
		if err != nil {
			t.Fatal(err)
		}
		locks = append(locks, other)
	}
	t.Cleanup(func() {
		for _, l := range locks {
			if err := l.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		}
	})
	return locks
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("got %v, want %v", err, want)
	}
}

func wantState(t *testing.T, l *shmring.RWLock, shared uint32, exclusive bool) {
	t.Helper()
	s, err := l.State()
	must(t, err)
	if s.SharedHolds != shared || s.Exclusive != exclusive {
		t.Fatalf("state %+v, want %d shared, exclusive %v", s, shared, exclusive)
	}
}

func TestRWLockSharedHoldsNest(t *testing.T) {
	l := anonLock(t, 1)
	wantState(t, l[0], 0, false)
	must(t, l[0].RLock(shmring.Forever))
	must(t, l[0].TryRLock())
	must(t, l[1].RLock(short))
	wantState(t, l[1], 3, false)
	must(t, l[0].RUnlock())
	must(t, l[0].RUnlock())
	must(t, l[1].RUnlock())
	wantState(t, l[0], 0, false)
	wantErr(t, l[0].RUnlock(), shmring.ErrInvalid)
}

func TestRWLockExclusiveKeepsOthersOut(t *testing.T) {
	l := anonLock(t, 1)
	must(t, l[0].Lock(short))
	wantState(t, l[0], 0, true)
	wantErr(t, l[1].TryRLock(), shmring.ErrTimeout)
	wantErr(t, l[1].TryLock(), shmring.ErrTimeout)
	start := time.Now()
	wantErr(t, l[1].RLock(short), shmring.ErrTimeout)
	if time.Since(start) < short {
		t.Fatalf("RLock timed out after %v, before %v", time.Since(start), short)
	}
	wantErr(t, l[1].Lock(short), shmring.ErrTimeout)
	wantErr(t, l[0].TryLock(), shmring.ErrInvalid)
	wantErr(t, l[0].TryRLock(), shmring.ErrInvalid)
	must(t, l[0].Unlock())
	must(t, l[1].TryRLock())
	wantErr(t, l[1].TryLock(), shmring.ErrInvalid) // no upgrade
	wantErr(t, l[0].TryLock(), shmring.ErrTimeout)
	must(t, l[1].RUnlock())
}

func TestRWLockContextCancelsAWait(t *testing.T) {
	l := anonLock(t, 1)
	must(t, l[0].Lock(shmring.Forever))
	ctx, cancel := context.WithTimeout(context.Background(), short)
	defer cancel()
	wantErr(t, l[1].RLockContext(ctx), context.DeadlineExceeded)
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	go func() {
		// Cancel once the wait is blocked in the core (observed).
		if err := pollState(l[0], "LockContext blocked", func(s shmring.LockState) bool { return s.Waiters > 0 }); err != nil {
			t.Error(err)
		}
		cancel2()
	}()
	wantErr(t, l[1].LockContext(ctx2), context.Canceled)
	must(t, l[0].Unlock())
	must(t, l[1].LockContext(context.Background()))
	must(t, l[1].Unlock())
}

func TestRWLockWriterPreferenceAndHandOver(t *testing.T) {
	l := anonLock(t, 2)
	must(t, l[0].RLock(shmring.Forever))
	got := make(chan error, 1)
	release := make(chan struct{})
	go func() {
		err := l[1].Lock(hangGuard)
		got <- err
		if err == nil {
			<-release // hold until the test has looked
			got <- l[1].Unlock()
		}
	}()
	awaitState(t, l[0], "the writer in line", func(s shmring.LockState) bool { return s.WriterWaiting })
	select {
	case err := <-got:
		t.Fatalf("the writer got in past a shared hold: %v", err)
	default:
	}
	wantErr(t, l[2].TryRLock(), shmring.ErrTimeout)   // behind the waiting writer
	wantErr(t, l[2].RLock(short), shmring.ErrTimeout) // also when it waits
	must(t, l[0].RLock(0))                            // nested: never waits
	must(t, l[0].RUnlock())
	must(t, l[0].RUnlock())
	must(t, <-got)
	wantState(t, l[0], 0, true)
	wantErr(t, l[2].TryRLock(), shmring.ErrTimeout)
	close(release)
	must(t, l[2].RLock(hangGuard))
	must(t, <-got)
	must(t, l[2].RUnlock())
}

func TestRWLockWaitForExclusive(t *testing.T) {
	l := anonLock(t, 1)
	wantErr(t, l[0].WaitForExclusive(short), shmring.ErrInvalid)
	must(t, l[0].RLock(shmring.Forever))
	must(t, l[0].RLock(shmring.Forever))
	wantErr(t, l[0].WaitForExclusive(short), shmring.ErrTimeout)
	wantState(t, l[0], 2, false)
	done := make(chan error, 1)
	var wrote atomic.Bool
	go func() {
		// Only once the hold is lent (observed): the writer comes after the
		// reader began to wait, the case the seed's wait_for_write is for.
		err := pollState(l[1], "the shared hold lent", func(s shmring.LockState) bool {
			return s.SharedHolds == 0 && s.Waiters > 0
		})
		if err == nil {
			err = l[1].Lock(hangGuard)
		}
		if err != nil {
			done <- err
			return
		}
		wrote.Store(true)
		done <- l[1].Unlock()
	}()
	must(t, l[0].WaitForExclusive(hangGuard))
	if !wrote.Load() {
		t.Fatal("WaitForExclusive returned before a writer's turn")
	}
	must(t, <-done)
	wantState(t, l[0], 2, false)
	must(t, l[0].RUnlock())
	must(t, l[0].RUnlock())
}

func TestRWLockNamedAndErrors(t *testing.T) {
	name := uniqueName("lock")
	lock, err := shmring.CreateRWLock(name, 3, 0)
	must(t, err)
	defer lock.Close()
	defer shmring.Unlink(name)
	opened, err := shmring.OpenRWLock(name, short)
	must(t, err)
	must(t, opened.Lock(0))
	wantState(t, lock, 0, true)
	_, err = shmring.CreateRWLock(name, 3, 0)
	wantErr(t, err, shmring.ErrExists)
	third, err := lock.Dup()
	must(t, err)
	_, err = third.Dup()
	wantErr(t, err, shmring.ErrLimit)
	must(t, third.Close())
	must(t, opened.Close()) // releases its exclusive hold
	must(t, opened.Close())
	wantErr(t, opened.TryRLock(), shmring.ErrClosed)
	must(t, lock.TryLock())
	must(t, lock.Unlock())

	ringName := uniqueName("notlock")
	ring, err := shmring.Create(ringName, 64, 4, nil)
	must(t, err)
	defer ring.Close()
	defer shmring.Unlink(ringName)
	_, err = shmring.OpenRWLock(ringName, 0)
	if !errors.Is(err, shmring.ErrCorrupt) && !errors.Is(err, shmring.ErrVersion) {
		t.Fatalf("opening a ring as a lock: %v", err)
	}
	_, err = shmring.OpenRWLock(uniqueName("missing"), 0)
	wantErr(t, err, shmring.ErrNotFound)
	_, err = shmring.CreateRWLock("bad\x00name", 0, 0)
	wantErr(t, err, shmring.ErrInvalid)
}

// TestRWLockHolderChild is not a test on its own: the test below runs this
// binary again with SHMRING_GO_LOCK_HOLDER naming a lock, to hold it
// exclusively in another process until killed.
func TestRWLockHolderChild(t *testing.T) {
	name := os.Getenv("SHMRING_GO_LOCK_HOLDER")
	if name == "" {
		t.Skip("run by TestRWLockHolderKilledInAnotherProcess")
	}
	lock, err := shmring.OpenRWLock(name, 5*time.Second)
	must(t, err)
	must(t, lock.Lock(5*time.Second))
	os.Stdout.WriteString("holding\n")
	// The hold itself: this process keeps the lock until the test kills it.
	time.Sleep(time.Minute)
}

func TestRWLockHolderKilledInAnotherProcess(t *testing.T) {
	name := uniqueName("killed")
	lock, err := shmring.CreateRWLock(name, 0, 0)
	must(t, err)
	defer lock.Close()
	defer shmring.Unlink(name)
	child := exec.Command(os.Args[0], "-test.run=^TestRWLockHolderChild$", "-test.v")
	child.Env = append(os.Environ(), "SHMRING_GO_LOCK_HOLDER="+name)
	out, err := child.StdoutPipe()
	must(t, err)
	must(t, child.Start())
	defer child.Wait()
	defer child.Process.Kill()
	held := false
	for scan := bufio.NewScanner(out); !held && scan.Scan(); {
		held = strings.Contains(scan.Text(), "holding")
	}
	if !held {
		t.Fatal("the child never held the lock")
	}
	wantErr(t, lock.RLock(short), shmring.ErrTimeout)
	wantState(t, lock, 0, true)
	must(t, child.Process.Kill())
	_ = child.Wait()
	// A dead holder's hold ends (the timeout is a hang guard, not a bound on
	// how fast: that depends on the machine).
	must(t, lock.RLock(hangGuard))
	must(t, lock.RUnlock())
}
