package dpkg

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extracttest"
	"github.com/bulkhead-sec/bulkhead/internal/testenv"
)

func TestRequired(t *testing.T) {
	extracttest.Required(t, New(),
		[]string{"var/lib/dpkg/status", "var/lib/dpkg/status.d/libc6"},
		[]string{"var/lib/dpkg/status-old", "var/lib/dpkg/status.d/libc6.md5sums", "var/lib/dpkg/status.d/.hidden",
			"var/lib/dpkg/status.d/", "var/lib/dpkg/status.d/sub/libc6", "var/lib/dpkg/available", "usr/var/lib/dpkg/status"})
}

func TestExtract(t *testing.T) {
	const status = "var/lib/dpkg/status"
	pkg := func(name, version, arch, src, srcVersion string, deps ...string) inventory.Package {
		return inventory.Package{Name: name, Version: version, Type: "deb", Arch: arch, SourceName: src, SourceVersion: srcVersion,
			DependsOn: deps, Path: status, Extractor: Name}
	}
	extracttest.Extract(t, New(), []extracttest.Case{
		{File: "testdata/status", Path: status, Want: []inventory.Package{
			pkg("bash", "5.2.15-2+b8", "amd64", "", "5.2.15-2", "libc6", "libtinfo6", "base-files", "debianutils"),
			pkg("libc6", "2.36-9+deb12u14", "amd64", "glibc", "2.36-9+deb12u14", "libgcc-s1"),
			pkg("tzdata", "2025b-0+deb12u2", "all", "", "2025b-0+deb12u2", "debconf", "debconf-2.0"),
			pkg("zlib1g", "1:1.2.13.dfsg-1", "amd64", "zlib", "1:1.2.13.dfsg-1", "libc6"),
			pkg("libc6", "2.36-9+deb12u14", "i386", "glibc", "2.36-9+deb12u14", "libgcc-s1"),
			pkg("held", "1:3.0-2+b1", "arm64", "heldsrc", "1:3.0-2", "libfoo1", "libfoo-alt", "libbar2", "libbaz"),
		}},
		{File: "testdata/status.d/base-files", Path: "var/lib/dpkg/status.d/base-files", Want: []inventory.Package{{
			Name: "base-files", Version: "12.4+deb12u5", Type: "deb", Arch: "amd64", SourceVersion: "12.4+deb12u5",
			Path: "var/lib/dpkg/status.d/base-files", Extractor: Name}}},
		{File: "testdata/status.d/libssl3", Path: "var/lib/dpkg/status.d/libssl3", Want: []inventory.Package{{
			Name: "libssl3", Version: "3.0.11-1~deb12u2", Type: "deb", Arch: "amd64", SourceName: "openssl", SourceVersion: "3.0.11-1~deb12u2",
			DependsOn: []string{"libc6"}, Path: "var/lib/dpkg/status.d/libssl3", Extractor: Name}}},
		// In the main status file an entry without Status is not installed.
		{File: "testdata/status.d/base-files", Path: status},
	})
}

func TestParseEdgeCases(t *testing.T) {
	tests := []struct {
		name, in string
		want     []paragraph
	}{
		{"empty", "", nil},
		{"no trailing newline", "Package: a\nVersion: 1", []paragraph{{Package: "a", Version: "1"}}},
		{"crlf and blank runs", "Package: a\r\nVersion: 1\r\n\r\n\r\n\r\nPackage: b\r\n", []paragraph{{Package: "a", Version: "1"}, {Package: "b"}}},
		{"case-insensitive names", "PACKAGE: a\nversion:1\n", []paragraph{{Package: "a", Version: "1"}}},
		{"whitespace-only separator", "Package: a\n \t \nPackage: b\n", []paragraph{{Package: "a"}, {Package: "b"}}},
		{"junk line ignored", "Package: a\nnot a field\nVersion: 2\n", []paragraph{{Package: "a", Version: "2"}}},
		{"continuation of skipped field", "Description: x\n Package: fake\nPackage: a\n", []paragraph{{Package: "a"}}},
		{"leading continuation", " orphan\nPackage: a\n", []paragraph{{Package: "a"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []paragraph
			if err := parse(strings.NewReader(tt.in), func(p paragraph) error { got = append(got, p); return nil }); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(paragraph{})); diff != "" {
				t.Errorf("parse(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestLongLines(t *testing.T) {
	long := strings.Repeat("x", 3*MaxLineBytes)
	in := "Package: a\nStatus: install ok installed\nVersion: 1\nDescription: " + long + "\n" + strings.Repeat(" "+long+"\n", 3) +
		"Depends: " + long + "\n" + strings.Repeat(" , "+long+"\n", 20) + "\nPackage: b\nStatus: install ok installed\nVersion: 2\n"
	got, err := New().Extract(context.Background(), &inventory.Input{Path: "var/lib/dpkg/status", Size: int64(len(in)), Reader: strings.NewReader(in)})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range got {
		names = append(names, p.Name)
		for _, d := range p.DependsOn {
			if len(d) > 2*MaxLineBytes {
				t.Errorf("%s: dependency name of %d bytes kept", p.Name, len(d))
			}
		}
	}
	if diff := cmp.Diff([]string{"a", "b"}, names); diff != "" {
		t.Errorf("packages mismatch (-want +got):\n%s", diff)
	}
}

func TestLimits(t *testing.T) {
	entry := "Package: p\nStatus: install ok installed\nVersion: 1\n\n"
	t.Run("too many packages", func(t *testing.T) {
		r := io.MultiReader(strings.NewReader(strings.Repeat(entry, MaxPackages)), strings.NewReader(entry))
		_, err := New().Extract(context.Background(), &inventory.Input{Path: "var/lib/dpkg/status", Size: -1, Reader: r})
		if !errors.Is(err, ErrTooManyPackages) {
			t.Errorf("Extract(%d entries) error = %v, want ErrTooManyPackages", MaxPackages+1, err)
		}
	})
	t.Run("max bytes while streaming", func(t *testing.T) {
		in := strings.Repeat(entry, 100)
		_, err := New().Extract(context.Background(), &inventory.Input{Path: "var/lib/dpkg/status", Size: -1, Reader: strings.NewReader(in), MaxBytes: 1000})
		if !errors.Is(err, inventory.ErrTooLarge) {
			t.Errorf("Extract over MaxBytes error = %v, want ErrTooLarge", err)
		}
	})
	t.Run("declared size", func(t *testing.T) {
		_, err := New().Extract(context.Background(), &inventory.Input{Path: "var/lib/dpkg/status", Size: 2000, Reader: strings.NewReader(""), MaxBytes: 1000})
		if !errors.Is(err, inventory.ErrTooLarge) {
			t.Errorf("Extract over MaxBytes error = %v, want ErrTooLarge", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := New().Extract(ctx, &inventory.Input{Path: "var/lib/dpkg/status", Size: -1, Reader: strings.NewReader(entry)})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Extract(cancelled) error = %v, want context.Canceled", err)
		}
	})
}

// TestHostStatus reads this machine's own dpkg database, when there is one,
// and checks the result against what dpkg-query reports.
func TestHostStatus(t *testing.T) {
	const host = "/var/lib/dpkg/status"
	if _, err := os.Stat(host); err != nil {
		t.Skipf("no %s on this machine", host)
	}
	dq := testenv.RequireCommand(t, "dpkg-query")
	out, err := exec.Command(dq, "-W", "-f", "${db:Status-Status} ${Package} ${Version} ${Architecture} ${source:Package} ${source:Version}\n").Output()
	if err != nil {
		t.Fatalf("dpkg-query: %v", err)
	}
	var want []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(l)
		if len(f) != 6 || f[0] != "installed" {
			continue
		}
		if f[4] == f[1] {
			f[4] = ""
		}
		want = append(want, strings.Join(f[1:], " "))
	}
	f, err := os.Open(host)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	pkgs, err := New().Extract(context.Background(), &inventory.Input{Path: "var/lib/dpkg/status", Size: st.Size(), Reader: f})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range pkgs {
		got = append(got, strings.Join([]string{p.Name, p.Version, p.Arch, p.SourceName, p.SourceVersion}, " "))
	}
	sort.Strings(want)
	if diff := cmp.Diff(want, got, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("host dpkg database mismatch with dpkg-query (-want +got):\n%s", diff)
	}
	if len(got) == 0 {
		t.Error("no packages found in the host's dpkg database")
	}
}

func BenchmarkExtract(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "status"))
	if err != nil {
		b.Fatal(err)
	}
	// Make a status file of about 10 MB from the testdata entries.
	big := bytes.Repeat(append(data, '\n'), (10<<20)/len(data))
	b.SetBytes(int64(len(big)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New().Extract(context.Background(), &inventory.Input{Path: "var/lib/dpkg/status", Size: int64(len(big)), Reader: bytes.NewReader(big)}); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzExtract(f *testing.F) {
	for _, p := range []string{"testdata/status", "testdata/status.d/base-files", "testdata/status.d/libssl3"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, strings.Contains(p, "status.d"))
	}
	f.Fuzz(func(t *testing.T, b []byte, statusD bool) {
		path := "var/lib/dpkg/status"
		if statusD {
			path = "var/lib/dpkg/status.d/x"
		}
		pkgs, err := New().Extract(context.Background(), &inventory.Input{Path: path, Size: int64(len(b)), Reader: bytes.NewReader(b)})
		if err != nil {
			t.Fatalf("Extract: %v", err)
		}
		for _, p := range pkgs {
			if p.Name == "" || p.Version == "" {
				t.Errorf("package without name or version: %+v", p)
			}
		}
	})
}
