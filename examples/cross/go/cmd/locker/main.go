// locker is the Go program of the cross-language rwlock check (tests/cross/README.md).
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	shmring "github.com/shmring/shmring/bindings/go"
)

type options struct {
	shared, exclusive, create, busy bool
	timeout                         time.Duration
	ready, until                    string
	waitShared                      uint32
}

func waitUntil(what string, limit time.Duration, done func() (bool, error)) error {
	deadline := time.Now().Add(limit)
	for {
		ok, err := done()
		if err != nil || ok {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: not after %v", what, limit)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func run(name string, o options) (string, error) {
	kind, hold, release := "shared", (*shmring.RWLock).RLock, (*shmring.RWLock).RUnlock
	if o.exclusive {
		kind, hold, release = "exclusive", (*shmring.RWLock).Lock, (*shmring.RWLock).Unlock
	}
	var lock *shmring.RWLock
	var err error
	if o.create {
		lock, err = shmring.CreateRWLock(name, 0, 0)
	} else {
		lock, err = shmring.OpenRWLock(name, 10*time.Second)
	}
	if err != nil {
		return "", err
	}
	defer lock.Close()

	start := time.Now()
	err = hold(lock, o.timeout)
	waited := time.Since(start)
	if o.busy {
		state, serr := lock.State()
		if serr != nil {
			return "", serr
		}
		if !errors.Is(err, shmring.ErrTimeout) || waited < o.timeout || !state.Exclusive {
			return "", fmt.Errorf("%s hold: %v after %v (want a timeout after %v); state %+v (want exclusive)",
				kind, err, waited, o.timeout, state)
		}
		return fmt.Sprintf("%s hold busy for %d ms, lock held exclusively", kind, waited.Milliseconds()), lock.Close()
	}
	if err != nil {
		return "", fmt.Errorf("%s hold: %w", kind, err)
	}
	err = waitUntil(fmt.Sprintf("%d shared holds", o.waitShared), 10*time.Second, func() (bool, error) {
		state, err := lock.State()
		return state.SharedHolds >= o.waitShared, err
	})
	if err != nil {
		return "", err
	}
	if o.ready != "" {
		if err := os.WriteFile(o.ready, nil, 0o600); err != nil {
			return "", err
		}
	}
	if o.until != "" {
		err = waitUntil(o.until+" to appear", 30*time.Second, func() (bool, error) {
			_, err := os.Stat(o.until)
			return err == nil, nil
		})
		if err != nil {
			return "", err
		}
	}
	if err := release(lock); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s hold taken after %d ms, released", kind, waited.Milliseconds()), lock.Close()
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: locker NAME (--shared|--exclusive) --timeout MS [--create] [--busy] [--ready FILE] [--wait-shared N] [--until FILE]")
		os.Exit(2)
	}
	var o options
	var timeoutMS uint64
	var waitShared uint
	flags := flag.NewFlagSet("locker", flag.ExitOnError)
	flags.BoolVar(&o.shared, "shared", false, "take a shared hold")
	flags.BoolVar(&o.exclusive, "exclusive", false, "take the exclusive hold")
	flags.BoolVar(&o.create, "create", false, "create the lock")
	flags.BoolVar(&o.busy, "busy", false, "the hold must time out, the lock being held exclusively")
	flags.Uint64Var(&timeoutMS, "timeout", 0, "how long to wait for the hold, ms")
	flags.StringVar(&o.ready, "ready", "", "file to create once the hold is taken")
	flags.UintVar(&waitShared, "wait-shared", 0, "hold until the lock has this many shared holds")
	flags.StringVar(&o.until, "until", "", "hold until this file exists")
	flags.Parse(os.Args[2:])
	if o.shared == o.exclusive {
		fmt.Fprintln(os.Stderr, "locker go: --shared or --exclusive")
		os.Exit(2)
	}
	o.timeout = time.Duration(timeoutMS) * time.Millisecond
	o.waitShared = uint32(waitShared)
	done, err := run(os.Args[1], o)
	if err != nil {
		fmt.Fprintf(os.Stderr, "locker go: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("locker go: %s\n", done)
}
