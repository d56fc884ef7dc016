// Package extracttest is the shared test kit of the inventory extractors
// (in the spirit of osv-scalibr's extracttest): table tests of Required
// and of Extract over testdata files or bytes built in the test, so that
// each extractor's tests list cases instead of copying the loop, the file
// reading and the diff.
package extracttest

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"strings"
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

// RequiredCase is one Required question for extractors whose answer
// depends on the file mode (executable bits, for binaries).
type RequiredCase struct {
	Path string
	Mode fs.FileMode
	Want bool
}

// RequiredModes checks e.Required on every case; for a case wanted, it
// also checks that the same path is refused as a symlink and as a
// directory, whatever its permission bits.
func RequiredModes(t *testing.T, e inventory.Extractor, cases []RequiredCase) {
	t.Helper()
	for _, c := range cases {
		if got := e.Required(c.Path, c.Mode); got != c.Want {
			t.Errorf("%s: Required(%q, %v) = %v, want %v", e.Name(), c.Path, c.Mode, got, c.Want)
		}
		if !c.Want {
			continue
		}
		for _, m := range []fs.FileMode{fs.ModeSymlink | 0o777, fs.ModeDir | 0o755} {
			if e.Required(c.Path, m) {
				t.Errorf("%s: Required(%q, %v) = true, want false", e.Name(), c.Path, m)
			}
		}
	}
}

// Case is one Extract run: the testdata File, or Data when File is
// empty, presented at Path with Mode, and the packages or the error
// wanted.
type Case struct {
	// Name names the subtest; File (and Path) when empty.
	Name string
	File string
	// Data is the file's content when there is no File (bytes built in
	// the test: a hand-made ELF, an inline JSON document).
	Data []byte
	// Path is where the file is presented; File when empty.
	Path string
	// Mode is the file mode presented; 0o644 when zero.
	Mode fs.FileMode
	// Want are the packages, in order. WantErr (matched with errors.Is)
	// and ErrContains (substrings of the message) each make the case
	// expect an error; Want is then not checked.
	Want        []inventory.Package
	WantErr     error
	ErrContains []string
	// Input adjusts the input before the run (OS, limits).
	Input func(*inventory.Input)
	// Check, when set, runs on the packages of a run without error, after
	// the comparison with Want (checks the diff options let through).
	Check func(t *testing.T, got []inventory.Package)
}

// Input returns an Input over the bytes of file, presented at path.
func Input(t testing.TB, file, path string) *inventory.Input {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return DataInput(b, path)
}

// DataInput returns an Input over data, presented at path.
func DataInput(data []byte, path string) *inventory.Input {
	return &inventory.Input{Path: path, Mode: 0o644, Size: int64(len(data)), Reader: bytes.NewReader(data)}
}

// Extract runs e.Extract on every case in a subtest, with a temporary
// directory of the subtest as the input's TempDir, and compares the
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
		src := c.File
		if src == "" {
			src = name
		}
		t.Run(name, func(t *testing.T) {
			var in *inventory.Input
			if c.File != "" {
				in = Input(t, c.File, path)
			} else {
				in = DataInput(c.Data, path)
			}
			if c.Mode != 0 {
				in.Mode = c.Mode
			}
			in.TempDir = t.TempDir()
			if c.Input != nil {
				c.Input(in)
			}
			got, err := e.Extract(context.Background(), in)
			if c.WantErr != nil || len(c.ErrContains) > 0 {
				if err == nil {
					t.Fatalf("Extract(%s) error = nil, want %v %q", src, c.WantErr, c.ErrContains)
				}
				if c.WantErr != nil && !errors.Is(err, c.WantErr) {
					t.Errorf("Extract(%s) error = %v, want %v", src, err, c.WantErr)
				}
				for _, s := range c.ErrContains {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("Extract(%s) error = %v, want one saying %q", src, err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("Extract(%s): %v", src, err)
			}
			if diff := cmp.Diff(c.Want, got, opts...); diff != "" {
				t.Errorf("Extract(%s) mismatch (-want +got):\n%s", src, diff)
			}
			if c.Check != nil {
				c.Check(t, got)
			}
		})
	}
}
