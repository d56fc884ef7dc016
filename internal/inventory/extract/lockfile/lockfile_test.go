package lockfile

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/google/go-cmp/cmp"
)

func TestReadAll(t *testing.T) {
	data := []byte("0123456789")
	tests := []struct {
		name    string
		in      *inventory.Input
		want    []byte
		wantErr error
	}{
		{name: "fits", in: &inventory.Input{Path: "a", Size: 10, Reader: bytes.NewReader(data)}, want: data},
		{name: "unknown size fits", in: &inventory.Input{Path: "a", Size: -1, Reader: bytes.NewReader(data), MaxBytes: 10}, want: data},
		{name: "declared size over MaxBytes", in: &inventory.Input{Path: "a", Size: 10, Reader: bytes.NewReader(data), MaxBytes: 9}, wantErr: inventory.ErrTooLarge},
		{name: "stream over MaxBytes", in: &inventory.Input{Path: "a", Size: -1, Reader: bytes.NewReader(data), MaxBytes: 9}, wantErr: inventory.ErrTooLarge},
		{name: "size lies", in: &inventory.Input{Path: "a", Size: 2, Reader: bytes.NewReader(data), MaxBytes: 5}, wantErr: inventory.ErrTooLarge},
		{name: "declared size over MaxFileBytes", in: &inventory.Input{Path: "a", Size: MaxFileBytes + 1, Reader: bytes.NewReader(data)}, wantErr: inventory.ErrTooLarge},
		{name: "read error", in: &inventory.Input{Path: "a", Size: -1, Reader: iotest.ErrReader(io.ErrUnexpectedEOF)}, wantErr: io.ErrUnexpectedEOF},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadAll(tc.in)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("ReadAll error = %v, want %v", err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ReadAll mismatch (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := ReadAll(&inventory.Input{Path: "nil"}); err == nil || !strings.Contains(err.Error(), `"nil"`) {
		t.Errorf("ReadAll(no reader) error = %v, want one naming the path", err)
	}
}

func TestNormalizePyPI(t *testing.T) {
	for in, want := range map[string]string{
		"Flask":             "flask",
		"zope.interface":    "zope-interface",
		"typing_extensions": "typing-extensions",
		"Foo__Bar--.baz":    "foo-bar-baz",
		"a":                 "a",
		"":                  "",
	} {
		if got := NormalizePyPI(in); got != want {
			t.Errorf("NormalizePyPI(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIsNPMVersion(t *testing.T) {
	for in, want := range map[string]bool{
		"1.2.3":             true,
		"0.0.0-use.local":   true,
		"1.2.3-beta.1+b.7":  true,
		"1.2":               false,
		"^1.2.3":            false,
		"1.2.3 || 2":        false,
		"file:../x":         false,
		"github:a/b":        false,
		"latest":            false,
		"":                  false,
		"https://x/y-1.2.3": false,
	} {
		if got := IsNPMVersion(in); got != want {
			t.Errorf("IsNPMVersion(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestNPMPURL(t *testing.T) {
	for _, tc := range []struct{ name, version, want string }{
		{"lodash", "4.17.21", "pkg:npm/lodash@4.17.21"},
		{"@babel/core", "7.22.5", "pkg:npm/%40babel/core@7.22.5"},
		{"@weird", "1.0.0", "pkg:npm/%40weird@1.0.0"},
	} {
		if got := NPMPURL(tc.name, tc.version); got != tc.want {
			t.Errorf("NPMPURL(%q, %q) = %q, want %q", tc.name, tc.version, got, tc.want)
		}
	}
	if got, want := PyPIPURL("Zope.Interface", "6.0"), "pkg:pypi/zope-interface@6.0"; got != want {
		t.Errorf("PyPIPURL = %q, want %q", got, want)
	}
}

func TestDedup(t *testing.T) {
	in := []inventory.Package{
		{Name: "a", Version: "1", Relationship: "transitive", DependsOn: []string{"c"}},
		{Name: "b", Version: "1"},
		{Name: "a", Version: "1", Relationship: "direct", DependsOn: []string{"b", "c"}},
		{Name: "a", Version: "2", Relationship: "transitive"},
		{Name: "b", Version: "1", Relationship: "transitive"},
	}
	want := []inventory.Package{
		{Name: "a", Version: "1", Relationship: "direct", DependsOn: []string{"b", "c"}},
		{Name: "b", Version: "1", Relationship: "transitive"},
		{Name: "a", Version: "2", Relationship: "transitive"},
	}
	if diff := cmp.Diff(want, Dedup(in)); diff != "" {
		t.Errorf("Dedup mismatch (-want +got):\n%s", diff)
	}
}

func TestSortedUnique(t *testing.T) {
	if diff := cmp.Diff([]string{"a", "b", "c"}, SortedUnique([]string{"c", "", "a", "b", "a", "c"})); diff != "" {
		t.Errorf("SortedUnique mismatch (-want +got):\n%s", diff)
	}
	if got := SortedUnique([]string{"", ""}); got != nil {
		t.Errorf("SortedUnique(empty strings) = %q, want nil", got)
	}
}
