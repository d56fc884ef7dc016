// Package lockfiletest holds test helpers shared by the lockfile extractors.
package lockfiletest

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile"
	"github.com/google/go-cmp/cmp"
)

// Input returns an Input for the file at file, with Path set to path.
func Input(t testing.TB, file, path string) *inventory.Input {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return &inventory.Input{Path: path, Mode: 0o644, Size: int64(len(b)), Reader: bytes.NewReader(b)}
}

// Parse runs p.Parse on the file at file, presented as path.
func Parse(t testing.TB, p lockfile.Parser, file, path string) *lockfile.Result {
	t.Helper()
	r, err := p.Parse(context.Background(), Input(t, file, path))
	if err != nil {
		t.Fatalf("Parse(%q): %v", file, err)
	}
	return r
}

// Bytes returns an Input over b with Path set to path.
func Bytes(b []byte, path string) *inventory.Input {
	return &inventory.Input{Path: path, Mode: fs.FileMode(0o644), Size: int64(len(b)), Reader: bytes.NewReader(b)}
}

// CheckExtractor checks what every lockfile extractor must satisfy: a Name
// starting with "lockfile/", a positive Version, Required true for every
// wanted path and false for the others and for non-regular files, Extract
// agreeing with Parse, and an over-limit file refused.
func CheckExtractor(t *testing.T, e inventory.Extractor, wanted, unwanted []string, sample []byte) {
	t.Helper()
	if n := e.Name(); len(n) <= len("lockfile/") || n[:len("lockfile/")] != "lockfile/" {
		t.Errorf("Name() = %q, want lockfile/...", n)
	}
	if e.Version() < 1 {
		t.Errorf("Version() = %d, want >= 1", e.Version())
	}
	for _, p := range wanted {
		if !e.Required(p, 0o644) {
			t.Errorf("Required(%q, regular) = false, want true", p)
		}
		if e.Required(p, fs.ModeDir|0o755) {
			t.Errorf("Required(%q, dir) = true, want false", p)
		}
		if e.Required(p, fs.ModeSymlink|0o777) {
			t.Errorf("Required(%q, symlink) = true, want false", p)
		}
	}
	for _, p := range unwanted {
		if e.Required(p, 0o644) {
			t.Errorf("Required(%q) = true, want false", p)
		}
	}
	ctx := context.Background()
	pkgs, err := e.Extract(ctx, Bytes(sample, "x/"+wanted[0]))
	if err != nil {
		t.Fatalf("Extract(sample): %v", err)
	}
	r, err := e.(lockfile.Parser).Parse(ctx, Bytes(sample, "x/"+wanted[0]))
	if err != nil {
		t.Fatalf("Parse(sample): %v", err)
	}
	if len(pkgs) == 0 || len(pkgs) != len(r.Packages) {
		t.Errorf("Extract(sample) gave %d packages, Parse gave %d; want the same, more than 0", len(pkgs), len(r.Packages))
	}
	for _, p := range pkgs {
		if p.Extractor != e.Name() || p.Path != "x/"+wanted[0] || p.PURL == "" || p.Type == "" {
			t.Errorf("Extract(sample) package %+v: want Extractor %q, Path %q, a PURL and a Type", p, e.Name(), "x/"+wanted[0])
		}
	}
	big := &inventory.Input{Path: wanted[0], Mode: 0o644, Size: int64(len(sample)), Reader: bytes.NewReader(sample), MaxBytes: int64(len(sample) - 1)}
	if _, err := e.Extract(ctx, big); err == nil || !errorsIsTooLarge(err) {
		t.Errorf("Extract(over MaxBytes) error = %v, want inventory.ErrTooLarge", err)
	}
}

func errorsIsTooLarge(err error) bool { return errors.Is(err, inventory.ErrTooLarge) }

// Case is one Parse run of a table: the testdata File presented at Path,
// and the packages and skipped entries wanted, in order.
type Case struct {
	File, Path  string
	Want        []inventory.Package
	WantSkipped []lockfile.Skip
}

// ParseCases runs p.Parse on every case in a subtest named after its file
// and compares the packages and the skipped entries with cmp.Diff.
func ParseCases(t *testing.T, p lockfile.Parser, cases []Case) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.File, func(t *testing.T) {
			r := Parse(t, p, c.File, c.Path)
			if diff := cmp.Diff(c.Want, r.Packages); diff != "" {
				t.Errorf("Packages mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(c.WantSkipped, r.Skipped); diff != "" {
				t.Errorf("Skipped mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
