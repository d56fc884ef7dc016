// Package extracttest is the shared test kit of the inventory extractors
// (in the spirit of osv-scalibr's extracttest): table tests of Required
// and of Extract over testdata files, so that each extractor's tests list
// cases instead of copying the loop, the file reading and the diff.
package extracttest

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
)

// Required checks that e wants every path of wanted as a regular file but
// not as a symlink or a directory, and none of unwanted.
func Required(t *testing.T, e inventory.Extractor, wanted, unwanted []string) {
	t.Helper()
	for _, p := range wanted {
		for _, m := range []fs.FileMode{0o644, fs.ModeSymlink | 0o777, fs.ModeDir | 0o755} {
			if got, want := e.Required(p, m), m.IsRegular(); got != want {
				t.Errorf("%s: Required(%q, %v) = %v, want %v", e.Name(), p, m, got, want)
			}
		}
	}
	for _, p := range unwanted {
		if e.Required(p, 0o644) {
			t.Errorf("%s: Required(%q) = true, want false", e.Name(), p)
		}
	}
}

// Case is one Extract run: the testdata File presented at Path (File's
// own name when empty), and the packages or the error wanted.
type Case struct {
	// Name names the subtest; File (and Path) when empty.
	Name string
	File string
	Path string
	// Want are the packages, in order; WantErr, when set, is the error
	// (matched with errors.Is) and Want is not checked.
	Want    []inventory.Package
	WantErr error
	// Input adjusts the input before the run (OS, limits).
	Input func(*inventory.Input)
}

// Input returns an Input over the bytes of file, presented at path.
func Input(t testing.TB, file, path string) *inventory.Input {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return &inventory.Input{Path: path, Mode: 0o644, Size: int64(len(b)), Reader: bytes.NewReader(b)}
}

// Extract runs e.Extract on every case in a subtest and compares the
// packages with cmp.Diff (opts added).
func Extract(t *testing.T, e inventory.Extractor, cases []Case, opts ...cmp.Option) {
	t.Helper()
	for _, c := range cases {
		path := c.Path
		if path == "" {
			path = c.File
		}
		name := c.Name
		if name == "" {
			name = c.File
			if path != c.File {
				name += "@" + path
			}
		}
		t.Run(name, func(t *testing.T) {
			in := Input(t, c.File, path)
			if c.Input != nil {
				c.Input(in)
			}
			got, err := e.Extract(context.Background(), in)
			if c.WantErr != nil {
				if !errors.Is(err, c.WantErr) {
					t.Fatalf("Extract(%s) error = %v, want %v", c.File, err, c.WantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Extract(%s): %v", c.File, err)
			}
			if diff := cmp.Diff(c.Want, got, opts...); diff != "" {
				t.Errorf("Extract(%s) mismatch (-want +got):\n%s", c.File, diff)
			}
		})
	}
}
