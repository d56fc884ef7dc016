package cargo

import (
	"os"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile/internal/lockfiletest"
)

func pkg(path, name, version, rel string, deps ...string) inventory.Package {
	p := inventory.Package{Name: name, Version: version, Type: "cargo", PURL: "pkg:cargo/" + name + "@" + version,
		Path: path, Relationship: rel, Extractor: Name}
	if len(deps) > 0 {
		p.DependsOn = deps
	}
	return p
}

func TestParse(t *testing.T) {
	const v3, v1 = "ws/Cargo.lock", "old/Cargo.lock"
	lockfiletest.ParseCases(t, New(), []lockfiletest.Case{
		{
			File: "testdata/Cargo.lock", Path: v3,
			Want: []inventory.Package{
				pkg(v3, "aho-corasick", "1.1.3", "transitive", "memchr"),
				pkg(v3, "bitflags", "1.3.2", "direct"),
				pkg(v3, "bitflags", "2.6.0", "direct"),
				pkg(v3, "memchr", "2.7.4", "transitive"),
				pkg(v3, "regex", "1.10.6", "direct", "aho-corasick", "memchr", "regex-automata", "regex-syntax"),
				pkg(v3, "regex-automata", "0.4.7", "transitive", "aho-corasick", "memchr", "regex-syntax"),
				pkg(v3, "regex-syntax", "0.8.4", "transitive"),
			},
			WantSkipped: []lockfile.Skip{
				{Name: "cli", Reason: "workspace package"},
				{Name: "core", Reason: "workspace package"},
				{Name: "tiny-http", Spec: "git+https://github.com/tiny-http/tiny-http?branch=master#ce2a1e2a0f63a4b4c4aa3d4d19a2db1f5c4a4f1e", Reason: "git dependency"},
			},
		},
		{
			File: "testdata/v1-Cargo.lock", Path: v1,
			Want: []inventory.Package{pkg(v1, "libc", "0.2.40", "direct")},
		},
	})
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{"[[package]\n", "version = 3\nversion = 4\n", "[[package]]\nname = \"a\"\ndependencies = [\n"} {
		if _, err := Parse([]byte(in)); err == nil {
			t.Errorf("Parse(%q) = nil error, want an error", in)
		}
	}
}

func TestExtractor(t *testing.T) {
	sample, err := os.ReadFile("testdata/Cargo.lock")
	if err != nil {
		t.Fatal(err)
	}
	lockfiletest.CheckExtractor(t, New(),
		[]string{"Cargo.lock", "crates/x/Cargo.lock"},
		[]string{"Cargo.toml", "cargo.lock", "Cargo.lock.orig"},
		sample)
}

func FuzzParse(f *testing.F) {
	for _, p := range []string{"testdata/Cargo.lock", "testdata/v1-Cargo.lock"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Parse(b)
		if err != nil {
			return
		}
		for _, p := range r.Packages {
			if p.Name == "" || p.Version == "" || p.PURL == "" {
				t.Errorf("package %+v: want a name, a version and a PURL", p)
			}
		}
	})
}
