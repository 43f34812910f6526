// gomodzip DIR MODULE VERSION PROXYDIR: writes DIR as version VERSION of
// MODULE into the file-system module proxy PROXYDIR (MODULE/@v/VERSION.zip,
// .mod, .info and the list), with golang.org/x/mod/zip, which enforces the
// go command's rules for module zips. GOPROXY=file://PROXYDIR then serves it.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"
)

func main() {
	if len(os.Args) != 5 {
		fmt.Fprintln(os.Stderr, "usage: gomodzip DIR MODULE VERSION PROXYDIR")
		os.Exit(2)
	}
	if err := write(os.Args[1], module.Version{Path: os.Args[2], Version: os.Args[3]}, os.Args[4]); err != nil {
		fmt.Fprintln(os.Stderr, "gomodzip:", err)
		os.Exit(1)
	}
}

func write(dir string, mod module.Version, proxy string) error {
	escaped, err := module.EscapePath(mod.Path)
	if err != nil {
		return err
	}
	at := filepath.Join(proxy, escaped, "@v")
	if err := os.MkdirAll(at, 0o755); err != nil {
		return err
	}
	zipFile, err := os.Create(filepath.Join(at, mod.Version+".zip"))
	if err != nil {
		return err
	}
	if err := modzip.CreateFromDir(zipFile, mod, dir); err != nil {
		zipFile.Close()
		return err
	}
	if err := zipFile.Close(); err != nil {
		return err
	}
	goMod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return err
	}
	info := fmt.Sprintf(`{"Version":%q,"Time":%q}`+"\n", mod.Version, time.Now().UTC().Format(time.RFC3339))
	for name, content := range map[string][]byte{
		mod.Version + ".mod":  goMod,
		mod.Version + ".info": []byte(info),
		"list":                []byte(mod.Version + "\n"),
	} {
		if err := os.WriteFile(filepath.Join(at, name), content, 0o644); err != nil {
			return err
		}
	}
	fmt.Println(filepath.Join(at, mod.Version+".zip"))
	return nil
}
