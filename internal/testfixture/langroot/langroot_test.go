package langroot_test

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

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

// TestImage imports the fixture into Docker, exports a container's
// filesystem again and runs the extractors over that tar stream, each
// file given as a plain stream (no ReadAt), as an image walk would.
func TestImage(t *testing.T) {
	name, want := langroot.Image(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "docker", "create", name, "/none").Output()
	if err != nil {
		t.Fatalf("docker create %s: %v", name, err)
	}
	id := strings.TrimSpace(string(out))
	defer exec.Command("docker", "rm", "-f", id).Run()
	cmd := exec.CommandContext(ctx, "docker", "export", id)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	extractors := lang.Extractors()
	var got []langroot.Expected
	tr := tar.NewReader(stdout)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		mode := h.FileInfo().Mode()
		var want []inventory.Extractor
		for _, e := range extractors {
			if e.Required(h.Name, mode) {
				want = append(want, e)
			}
		}
		if len(want) == 0 {
			continue
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range want {
			pkgs, err := e.Extract(ctx, &inventory.Input{Path: h.Name, Mode: mode, Size: h.Size,
				Reader: struct{ io.Reader }{bytes.NewReader(data)}, TempDir: t.TempDir()})
			if err != nil {
				t.Errorf("%s on %s: %v", e.Name(), h.Name, err)
			}
			for _, pk := range pkgs {
				got = append(got, langroot.Expected{Type: pk.Type, Name: pk.Name, Version: pk.Version, PURL: pk.PURL, Path: pk.Path})
			}
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("docker export: %v", err)
	}
	langroot.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("packages found in the exported image (-want +got):\n%s", diff)
	}
}
