package poetry

import (
	"os"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile/internal/lockfiletest"
)

func pkg(path, name, version, purl string, meta map[string]string, deps ...string) inventory.Package {
	p := inventory.Package{Name: name, Version: version, Type: "pypi", PURL: purl, Path: path,
		Extractor: Name, Metadata: meta}
	if len(deps) > 0 {
		p.DependsOn = deps
	}
	return p
}

func TestParse(t *testing.T) {
	const p2, p1 = "svc/poetry.lock", "old/poetry.lock"
	lockfiletest.ParseCases(t, New(), []lockfiletest.Case{
		{
			File: "testdata/poetry.lock", Path: p2,
			Want: []inventory.Package{
				pkg(p2, "certifi", "2024.7.4", "pkg:pypi/certifi@2024.7.4", map[string]string{"groups": "main"}),
				pkg(p2, "colorama", "0.4.6", "pkg:pypi/colorama@0.4.6", map[string]string{"scope": "dev", "groups": "dev"}),
				pkg(p2, "pytest", "8.3.2", "pkg:pypi/pytest@8.3.2", map[string]string{"scope": "dev", "groups": "dev"}, "colorama", "iniconfig", "packaging", "pluggy"),
				pkg(p2, "requests", "2.32.3", "pkg:pypi/requests@2.32.3", map[string]string{"groups": "main,dev"}, "certifi", "charset-normalizer", "idna", "urllib3"),
				pkg(p2, "zope-interface", "6.4.post2", "pkg:pypi/zope-interface@6.4.post2", map[string]string{"groups": "main"}, "setuptools"),
			},
			WantSkipped: []lockfile.Skip{
				{Name: "shared-utils", Spec: "../shared-utils", Reason: "local path"},
				{Name: "httpx", Spec: "https://github.com/encode/httpx.git", Reason: "git dependency"},
			},
		},
		{
			File: "testdata/legacy-poetry.lock", Path: p1,
			Want: []inventory.Package{
				pkg(p1, "click", "8.1.3", "pkg:pypi/click@8.1.3", nil, "colorama"),
				pkg(p1, "colorama", "0.4.6", "pkg:pypi/colorama@0.4.6", nil),
				pkg(p1, "black", "23.1.0", "pkg:pypi/black@23.1.0", map[string]string{"scope": "dev"}, "click"),
			},
		},
	})
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{"[[package]\n", "package = 1\n[[package]]\n", "[[package]]\nname = \n"} {
		if _, err := Parse([]byte(in)); err == nil {
			t.Errorf("Parse(%q) = nil error, want an error", in)
		}
	}
	r, err := Parse([]byte("[[package]]\nname = \"a\"\n"))
	if err != nil || len(r.Packages) != 0 || len(r.Skipped) != 1 {
		t.Errorf("Parse(no version) = %+v, %v; want one skipped entry and no error", r, err)
	}
}

func TestExtractor(t *testing.T) {
	sample, err := os.ReadFile("testdata/poetry.lock")
	if err != nil {
		t.Fatal(err)
	}
	lockfiletest.CheckExtractor(t, New(),
		[]string{"poetry.lock", "services/api/poetry.lock"},
		[]string{"pyproject.toml", "poetry.lock.bak", "Pipfile.lock"},
		sample)
}

func FuzzParse(f *testing.F) {
	for _, p := range []string{"testdata/poetry.lock", "testdata/legacy-poetry.lock"} {
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
