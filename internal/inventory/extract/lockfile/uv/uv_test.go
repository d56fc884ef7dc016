package uv

import (
	"os"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile/internal/lockfiletest"
)

func pkg(name, version, purl, rel string, meta map[string]string, deps ...string) inventory.Package {
	p := inventory.Package{Name: name, Version: version, Type: "pypi", PURL: purl, Path: "api/uv.lock",
		Relationship: rel, Extractor: Name, Metadata: meta}
	if len(deps) > 0 {
		p.DependsOn = deps
	}
	return p
}

func TestParse(t *testing.T) {
	dev := map[string]string{"scope": "dev"}
	want := []inventory.Package{
		pkg("anyio", "4.6.2.post1", "pkg:pypi/anyio@4.6.2.post1", "transitive", nil, "idna", "sniffio"),
		pkg("fastapi", "0.115.4", "pkg:pypi/fastapi@0.115.4", "direct", nil, "pydantic", "starlette"),
		pkg("idna", "3.10", "pkg:pypi/idna@3.10", "transitive", nil),
		pkg("iniconfig", "2.0.0", "pkg:pypi/iniconfig@2.0.0", "transitive", dev),
		pkg("pydantic", "2.9.2", "pkg:pypi/pydantic@2.9.2", "transitive", nil, "typing-extensions"),
		pkg("pyopenssl", "24.2.1", "pkg:pypi/pyopenssl@24.2.1", "direct", nil),
		pkg("pytest", "8.3.3", "pkg:pypi/pytest@8.3.3", "direct", dev, "iniconfig", "typing-extensions"),
		pkg("sniffio", "1.3.1", "pkg:pypi/sniffio@1.3.1", "transitive", nil),
		pkg("typing-extensions", "4.12.2", "pkg:pypi/typing-extensions@4.12.2", "transitive", nil),
	}
	wantSkipped := []lockfile.Skip{
		{Name: "demo-api", Spec: ".", Reason: "workspace package"},
		{Name: "internal-lib", Spec: "../internal-lib", Reason: "local path"},
		{Name: "starlette", Spec: "https://github.com/encode/starlette?rev=0.41.2#7f0b5ad4a1c0d1b4b0c2c7e7e4f8f6d4b2a8e3f1", Reason: "git dependency"},
	}
	lockfiletest.ParseCases(t, New(), []lockfiletest.Case{{File: "testdata/uv.lock", Path: "api/uv.lock", Want: want, WantSkipped: wantSkipped}})
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{"[[package]\n", "package = \"x\"\n[[package]]\n", "[[package]]\nsource = {\n"} {
		if _, err := Parse([]byte(in)); err == nil {
			t.Errorf("Parse(%q) = nil error, want an error", in)
		}
	}
	r, err := Parse([]byte("version = 1\n[[package]]\nname = \"app\"\nsource = { virtual = \".\" }\n"))
	if err != nil || len(r.Packages) != 0 || len(r.Skipped) != 1 {
		t.Errorf("Parse(virtual root only) = %+v, %v; want one skipped entry and no error", r, err)
	}
}

func TestExtractor(t *testing.T) {
	sample, err := os.ReadFile("testdata/uv.lock")
	if err != nil {
		t.Fatal(err)
	}
	lockfiletest.CheckExtractor(t, New(),
		[]string{"uv.lock", "py/uv.lock"},
		[]string{"uv.toml", "pyproject.toml", "xuv.lock"},
		sample)
}

func FuzzParse(f *testing.F) {
	b, err := os.ReadFile("testdata/uv.lock")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
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
