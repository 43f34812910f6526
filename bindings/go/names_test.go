package shmring_test

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	shmring "github.com/shmring/shmring/bindings/go"
)

// A name that a C string would cut at its NUL byte, or that names a
// directory, is refused by every call that takes one, with the core's reason;
// a cut name never reaches another ring.
func TestNamesACStringWouldCutOrThatNameDirectoriesAreRefused(t *testing.T) {
	name := uniqueName("names")
	ring, err := shmring.Create(name, 64, 8, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer shmring.Unlink(name)
	defer ring.Close()
	for _, bad := range []string{name + "\x00other", "/ab\x00cd", ".", "..", "/.", "/.."} {
		calls := map[string]func() error{
			"Create": func() error { _, err := shmring.Create(bad, 64, 8, nil); return err },
			"Open":   func() error { _, err := shmring.Open(bad, 0); return err },
			"Unlink": func() error { return shmring.Unlink(bad) },
			"CreateRWLock": func() error {
				_, err := shmring.CreateRWLock(bad, 4, 0o600)
				return err
			},
			"OpenRWLock": func() error { _, err := shmring.OpenRWLock(bad, 0); return err },
		}
		for what, call := range calls {
			err := call()
			var e *shmring.Error
			if !errors.Is(err, shmring.ErrInvalid) || !errors.As(err, &e) ||
				!strings.Contains(e.Detail, "not a valid ring name") {
				t.Errorf("%s(%q) = %v, want ErrInvalid saying \"not a valid ring name\"", what, bad, err)
				continue
			}
			if strings.Contains(bad, "\x00") && !strings.Contains(e.Detail, "NUL") {
				t.Errorf("%s(%q): %q does not name the NUL byte", what, bad, e.Detail)
			}
		}
	}
	if _, err := os.Stat("/dev/shm/ab"); err == nil {
		t.Errorf("a ring was made under the cut name /ab")
	}
	again, err := shmring.Open(name, time.Second) // the Unlink above left it alone
	if err != nil {
		t.Fatalf("the ring whose name was cut is gone: %v", err)
	}
	again.Close()
}
