package gobinary_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lang/gobinary"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extracttest"
	"github.com/bulkhead-sec/bulkhead/internal/testfixture/langroot"
)

func TestRequired(t *testing.T) {
	extracttest.RequiredModes(t, gobinary.New(), []extracttest.RequiredCase{
		{Path: "usr/local/bin/app", Mode: 0o755, Want: true},
		{Path: "app/server", Mode: 0o700, Want: true},
		{Path: "opt/x/run.sh", Mode: 0o744, Want: true}, // any execute bit; content decides
		{Path: "usr/bin/tool", Mode: 0o644, Want: true},
		{Path: "usr/sbin/daemon", Mode: 0o600, Want: true},
		{Path: "usr/lib/bin/libx.so", Mode: 0o644, Want: true},
		{Path: "usr/bin/README.md", Mode: 0o644},
		{Path: "etc/passwd", Mode: 0o644},
		{Path: "usr/lib/libc.so.6", Mode: 0o644},
		{Path: "usr/local/bin/link", Mode: fs.ModeSymlink | 0o777},
		{Path: "usr/local/bin", Mode: fs.ModeDir | 0o755},
	})
}

// binaries builds the fixture Go program once per target for all tests.
var binaries = struct {
	sync.Mutex
	m map[string]string
}{m: map[string]string{}}

func binary(t testing.TB, goos, goarch string) string {
	t.Helper()
	binaries.Lock()
	defer binaries.Unlock()
	key := goos + "/" + goarch
	if p, ok := binaries.m[key]; ok {
		return p
	}
	dir, err := os.MkdirTemp("", "gobinary-test-")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "goapp")
	langroot.BuildGoBinary(t, p, goos, goarch)
	binaries.m[key] = p
	return p
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, p := range binaries.m {
		os.RemoveAll(filepath.Dir(p))
	}
	os.Exit(code)
}

func extract(t testing.TB, path string, r io.Reader, size int64) ([]inventory.Package, error) {
	t.Helper()
	return extractIn(t.TempDir(), path, r, size)
}

func extractIn(tmp, path string, r io.Reader, size int64) ([]inventory.Package, error) {
	return gobinary.New().Extract(context.Background(), &inventory.Input{
		Path: path, Mode: 0o755, Size: size, Reader: r, TempDir: tmp,
	})
}

func TestExtract(t *testing.T) {
	gov := langroot.GoVersion(t)
	const path = "usr/local/bin/goapp"
	deps := func(goos, goarch string) []inventory.Package {
		return []inventory.Package{
			{Name: "github.com/google/uuid", Version: "v1.3.0", Type: "golang", PURL: "pkg:golang/github.com/google/uuid@v1.3.0",
				Path: path, Extractor: gobinary.Name, Metadata: map[string]string{"replaces": "github.com/google/uuid@v1.1.0"}},
			{Name: "golang.org/x/text", Version: "v0.3.7", Type: "golang", PURL: "pkg:golang/golang.org/x/text@v0.3.7",
				Path: path, Extractor: gobinary.Name},
			{Name: "stdlib", Version: gov, Type: "golang", PURL: "pkg:golang/stdlib@" + gov,
				Path: path, Extractor: gobinary.Name, Metadata: map[string]string{"GOOS": goos, "GOARCH": goarch}},
		}
	}
	mainMeta := func(goos, goarch string, extra ...string) map[string]string {
		m := map[string]string{
			"-buildmode": "exe", "-compiler": "gc", "-trimpath": "true", "CGO_ENABLED": "0",
			"GOOS": goos, "GOARCH": goarch, "main_package": "example.com/goapp",
			"go_version": "go" + gov, "version": "(devel)",
		}
		for i := 0; i+1 < len(extra); i += 2 {
			m[extra[i]] = extra[i+1]
		}
		return m
	}
	main := func(goos, goarch string) inventory.Package {
		return inventory.Package{Name: "example.com/goapp", Type: "golang", PURL: "pkg:golang/example.com/goapp",
			Path: path, Extractor: gobinary.Name, Metadata: mainMeta(goos, goarch)}
	}
	// Per-architecture level settings (GOAMD64=v1, GOARM64=v8.0) vary
	// with the toolchain; they are checked on their own below.
	ignoreLevel := cmpopts.IgnoreMapEntries(func(k, _ string) bool { return k == "GOAMD64" || k == "GOARM64" })
	var cases []extracttest.Case
	for _, target := range [][2]string{{"linux", "amd64"}, {"windows", "amd64"}, {"darwin", "arm64"}} {
		goos, goarch := target[0], target[1]
		if testing.Short() && goos != runtime.GOOS {
			t.Logf("%s/%s: cross-compiling skipped in -short mode", goos, goarch)
			continue
		}
		cases = append(cases, extracttest.Case{
			Name: goos + "/" + goarch, File: binary(t, goos, goarch), Path: path, Mode: 0o755,
			Want: append([]inventory.Package{main(goos, goarch)}, deps(goos, goarch)...),
			Check: func(t *testing.T, got []inventory.Package) {
				if goarch == "amd64" && len(got) > 0 && got[0].Metadata["GOAMD64"] == "" {
					t.Errorf("main module metadata has no GOAMD64: %v", got[0].Metadata)
				}
			},
		})
	}
	extracttest.Extract(t, gobinary.New(), cases, ignoreLevel)
}

// TestExtractStream feeds the binary through a reader without ReadAt, as
// a tar stream does: the magic peek must not lose the first bytes.
func TestExtractStream(t *testing.T) {
	b, err := os.ReadFile(binary(t, runtime.GOOS, runtime.GOARCH))
	if err != nil {
		t.Fatal(err)
	}
	got, err := extract(t, "bin/app", io.MultiReader(bytes.NewReader(b)), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range got {
		names = append(names, p.Name+"@"+p.Version)
	}
	want := []string{"example.com/goapp@", "github.com/google/uuid@v1.3.0", "golang.org/x/text@v0.3.7", "stdlib@" + langroot.GoVersion(t)}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
}

func TestExtractNotGo(t *testing.T) {
	goBin, err := os.ReadFile(binary(t, runtime.GOOS, runtime.GOARCH))
	if err != nil {
		t.Fatal(err)
	}
	// Not a Go binary: no packages and no error.
	extracttest.Extract(t, gobinary.New(), []extracttest.Case{
		{Name: "empty", Path: "bin/x", Mode: 0o755, Data: nil},
		{Name: "short", Path: "bin/x", Mode: 0o755, Data: []byte("\x7fE")},
		{Name: "shell script", Path: "bin/x", Mode: 0o755, Data: []byte("#!/bin/sh\necho hello\n")},
		{Name: "ELF without Go build info", Path: "bin/x", Mode: 0o755, Data: langroot.ELF(langroot.Section{Name: ".text", Data: []byte{0xc3}})},
		{Name: "ELF magic then garbage", Path: "bin/x", Mode: 0o755, Data: append([]byte("\x7fELF"), bytes.Repeat([]byte{0xff}, 200)...)},
		{Name: "MZ then garbage", Path: "bin/x", Mode: 0o755, Data: append([]byte("MZ"), bytes.Repeat([]byte{0}, 200)...)},
		{Name: "Go binary truncated to its first 64 KiB", Path: "bin/x", Mode: 0o755, Data: goBin[:64<<10]},
	})
}

func TestExtractTooLarge(t *testing.T) {
	b := langroot.ELF(langroot.Section{Name: ".text", Data: make([]byte, 4096)})
	_, err := gobinary.New().Extract(context.Background(), &inventory.Input{
		Path: "bin/x", Mode: 0o755, Size: int64(len(b)), Reader: bytes.NewReader(b), MaxBytes: 1024,
	})
	if !errors.Is(err, inventory.ErrTooLarge) {
		t.Errorf("Extract over MaxBytes: err = %v, want ErrTooLarge", err)
	}
}

func FuzzExtract(f *testing.F) {
	f.Add([]byte("\x7fELF"))
	f.Add(langroot.ELF(langroot.Section{Name: ".go.buildinfo", Data: []byte("\xff Go buildinf:\x08\x02")}))
	f.Add([]byte("MZ\x90\x00"))
	f.Add([]byte("\xcf\xfa\xed\xfe"))
	tmp := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, err := gobinary.New().Extract(context.Background(), &inventory.Input{
			Path: "bin/x", Mode: 0o755, Size: int64(len(data)), Reader: bytes.NewReader(data), TempDir: tmp,
		})
		if err != nil && pkgs != nil {
			t.Errorf("packages %v returned with error %v", pkgs, err)
		}
	})
}

func BenchmarkExtract(b *testing.B) {
	bin := binary(b, runtime.GOOS, runtime.GOARCH)
	fi, err := os.Stat(bin)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(fi.Size())
	tmp := b.TempDir()
	for b.Loop() {
		f, err := os.Open(bin)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := extractIn(tmp, "bin/app", f, fi.Size()); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}

// BenchmarkExtractNotGo measures the cost of a non-binary executable (a
// shell script): the magic peek only.
func BenchmarkExtractNotGo(b *testing.B) {
	script := bytes.Repeat([]byte("#!/bin/sh\necho hello\n"), 100)
	b.SetBytes(int64(len(script)))
	tmp := b.TempDir()
	for b.Loop() {
		if _, err := extractIn(tmp, "bin/x", bytes.NewReader(script), int64(len(script))); err != nil {
			b.Fatal(err)
		}
	}
}
