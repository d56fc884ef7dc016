package langroot_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lang"
	"github.com/bulkhead-sec/bulkhead/internal/testfixture/langroot"
)

// TestBuild runs every language extractor over the built folder, with a
// plain walk standing in for the core's, and wants exactly the expected
// packages: nothing missing, nothing invented.
func TestBuild(t *testing.T) {
	dir := t.TempDir()
	want := langroot.Build(t, dir)
	got := extractDir(t, dir)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("packages found in the fixture root (-want +got):\n%s", diff)
	}
}

func extractDir(t *testing.T, dir string) []langroot.Expected {
	t.Helper()
	ctx := context.Background()
	extractors := lang.Extractors()
	var got []langroot.Expected
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		for _, e := range extractors {
			if !e.Required(rel, info.Mode()) {
				continue
			}
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			pkgs, err := e.Extract(ctx, &inventory.Input{Path: rel, Mode: info.Mode(), Size: info.Size(), Reader: f, TempDir: t.TempDir()})
			f.Close()
			if err != nil {
				t.Errorf("%s on %s: %v", e.Name(), rel, err)
			}
			for _, pk := range pkgs {
				if pk.Extractor != e.Name() {
					t.Errorf("%s on %s: package %s has Extractor %q", e.Name(), rel, pk.Name, pk.Extractor)
				}
				got = append(got, langroot.Expected{Type: pk.Type, Name: pk.Name, Version: pk.Version, PURL: pk.PURL, Path: pk.Path})
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	langroot.Sort(got)
	return got
}
