package apk

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extracttest"
)

func TestRequired(t *testing.T) {
	extracttest.Required(t, New(),
		[]string{"lib/apk/db/installed", "usr/lib/apk/db/installed"},
		[]string{"lib/apk/db/installed.new", "usr/local/lib/apk/db/installed", "lib/apk/db/triggers"})
}

func TestExtract(t *testing.T) {
	const path = "lib/apk/db/installed"
	extracttest.Extract(t, New(), []extracttest.Case{
		{File: "testdata/installed", Path: path, Want: []inventory.Package{
			{Name: "musl", Version: "1.2.4-r2", Type: "apk", Arch: "x86_64", SourceVersion: "1.2.4-r2", Licenses: []string{"MIT"},
				Path: path, Extractor: Name, Metadata: map[string]string{"maintainer": "Timo Teräs <timo.teras@iki.fi>"}},
			{Name: "busybox", Version: "1.36.1-r5", Type: "apk", Arch: "x86_64", SourceVersion: "1.36.1-r5", Licenses: []string{"GPL-2.0-only"},
				DependsOn: []string{"libc.musl-x86_64.so.1"},
				Path:      path, Extractor: Name, Metadata: map[string]string{"maintainer": "Sören Tempel <soeren+alpine@soeren-tempel.net>"}},
			{Name: "libcrypto3", Version: "3.1.4-r1", Type: "apk", Arch: "x86_64", SourceName: "openssl", SourceVersion: "3.1.4-r1", Licenses: []string{"Apache-2.0"},
				DependsOn: []string{"libc.musl-x86_64.so.1"},
				Path:      path, Extractor: Name, Metadata: map[string]string{"maintainer": "Ariadne Conill <ariadne@dereferenced.org>"}},
			{Name: "ssl_client", Version: "1.36.1-r5", Type: "apk", Arch: "x86_64", SourceName: "busybox", SourceVersion: "1.36.1-r5", Licenses: []string{"GPL-2.0-only"},
				DependsOn: []string{"libc.musl-x86_64.so.1", "libcrypto.so.3", "libssl.so.3", "busybox", "openssl"},
				Path:      path, Extractor: Name, Metadata: map[string]string{"maintainer": "Sören Tempel <soeren+alpine@soeren-tempel.net>"}},
		}},
		{File: "testdata/installed-wolfi", Path: path, Want: []inventory.Package{
			{Name: "glibc", Version: "2.38-r5", Type: "apk", Arch: "aarch64", SourceVersion: "2.38-r5", Licenses: []string{"LGPL-2.1-or-later"},
				DependsOn: []string{"wolfi-baselayout", "glibc-locale-posix"}, Path: path, Extractor: Name},
		}},
		{File: "testdata/installed-crlf", Path: path, Want: []inventory.Package{
			{Name: "crlf", Version: "1.0-r0", Type: "apk", Arch: "x86_64", Path: path, Extractor: Name},
		}},
	})
}

func TestDependsNames(t *testing.T) {
	tests := map[string][]string{
		"":                                  nil,
		"musl>=1.2.4 so:libz.so.1 cmd:sh":   {"musl", "libz.so.1", "sh"},
		"a a=1 !b  c~2.0 d<3 e>1 pc:libffi": {"a", "c", "d", "e", "libffi"},
		"/bin/sh":                           {"/bin/sh"},
		"so:":                               nil,
	}
	for in, want := range tests {
		if diff := cmp.Diff(want, dependsNames(in)); diff != "" {
			t.Errorf("dependsNames(%q) mismatch (-want +got):\n%s", in, diff)
		}
	}
}

func TestLimits(t *testing.T) {
	const path = "lib/apk/db/installed"
	entry := "P:p\nV:1-r0\n\n"
	t.Run("too many packages", func(t *testing.T) {
		r := io.MultiReader(strings.NewReader(strings.Repeat(entry, MaxPackages)), strings.NewReader(entry))
		_, err := New().Extract(context.Background(), &inventory.Input{Path: path, Size: -1, Reader: r})
		if !errors.Is(err, ErrTooManyPackages) {
			t.Errorf("Extract(%d records) error = %v, want ErrTooManyPackages", MaxPackages+1, err)
		}
	})
	t.Run("max bytes while streaming", func(t *testing.T) {
		_, err := New().Extract(context.Background(), &inventory.Input{Path: path, Size: -1, Reader: strings.NewReader(strings.Repeat(entry, 100)), MaxBytes: 500})
		if !errors.Is(err, inventory.ErrTooLarge) {
			t.Errorf("Extract over MaxBytes error = %v, want ErrTooLarge", err)
		}
	})
	t.Run("long lines", func(t *testing.T) {
		long := strings.Repeat("F:x", MaxLineBytes)
		in := "P:a\n" + long + "\nV:1-r0\nD:" + strings.Repeat("d", 3*MaxLineBytes) + " e\n\nP:b\nV:2-r0\n"
		got, err := New().Extract(context.Background(), &inventory.Input{Path: path, Size: int64(len(in)), Reader: strings.NewReader(in)})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Version != "1-r0" || got[1].Name != "b" {
			t.Errorf("Extract with long lines = %+v, want a@1-r0 and b", got)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := New().Extract(ctx, &inventory.Input{Path: path, Size: -1, Reader: strings.NewReader(entry)})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Extract(cancelled) error = %v, want context.Canceled", err)
		}
	})
}

func BenchmarkExtract(b *testing.B) {
	data, err := os.ReadFile("testdata/installed")
	if err != nil {
		b.Fatal(err)
	}
	big := bytes.Repeat(append(data, '\n'), (10<<20)/len(data))
	b.SetBytes(int64(len(big)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New().Extract(context.Background(), &inventory.Input{Path: "lib/apk/db/installed", Size: int64(len(big)), Reader: bytes.NewReader(big)}); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzExtract(f *testing.F) {
	for _, p := range []string{"testdata/installed", "testdata/installed-wolfi", "testdata/installed-crlf"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		pkgs, err := New().Extract(context.Background(), &inventory.Input{Path: "lib/apk/db/installed", Size: int64(len(b)), Reader: bytes.NewReader(b)})
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
