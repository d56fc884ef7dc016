package scan

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
)

// partialExtractor finds one package in every *.jar and also reports that
// it had to skip something, as the Java extractor does for a corrupt jar
// nested in a fat jar.
type partialExtractor struct{}

func (partialExtractor) Name() string { return "test/partial" }
func (partialExtractor) Version() int { return 1 }
func (partialExtractor) Required(p string, m fs.FileMode) bool {
	return m.IsRegular() && strings.HasSuffix(p, ".jar")
}
func (partialExtractor) Extract(context.Context, *inventory.Input) ([]inventory.Package, error) {
	return []inventory.Package{{Name: "found", Version: "1", Type: "maven"}}, errors.New("skipped nested.jar: not a zip")
}

func TestPartialExtractKeepsPackages(t *testing.T) {
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "app.jar"), []byte("PK"), 0o644)
	r, err := Dir(context.Background(), root, Options{Extractors: []inventory.Extractor{partialExtractor{}}, NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range r.Packages {
		got = append(got, p.Name+"@"+p.Version)
	}
	if diff := cmp.Diff([]string{"found@1"}, got); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
	if !strings.Contains(strings.Join(r.Warnings, "\n"), "skipped nested.jar") {
		t.Errorf("warnings = %q, want the extractor's error", r.Warnings)
	}
}

func TestScanDirSkip(t *testing.T) {
	root := t.TempDir()
	for _, p := range []string{"keep/a.jar", "build/b.jar"} {
		os.MkdirAll(filepath.Join(root, filepath.Dir(p)), 0o755)
		os.WriteFile(filepath.Join(root, p), []byte("PK"), 0o644)
	}
	r, err := Dir(context.Background(), root, Options{
		Extractors: []inventory.Extractor{partialExtractor{}}, NoCache: true,
		Skip: func(rel string, isDir bool) bool { return isDir && rel == "build" },
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range r.Packages {
		got = append(got, p.Path)
	}
	if diff := cmp.Diff([]string{"keep/a.jar"}, got); diff != "" {
		t.Errorf("paths (-want +got):\n%s", diff)
	}
}
