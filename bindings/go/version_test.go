package shmring_test

import (
	"fmt"
	"testing"

	shmring "github.com/shmring/shmring/bindings/go"
)

// The module's release (version.go) is the version of the C core it links.
func TestModuleVersionIsTheCoreVersion(t *testing.T) {
	v := shmring.Version()
	core := fmt.Sprintf("%d.%d.%d", v>>16, (v>>8)&0xff, v&0xff)
	if core != shmring.ModuleVersion {
		t.Fatalf("module version %s, C core %s: run scripts/sync-vendored.sh", shmring.ModuleVersion, core)
	}
}
