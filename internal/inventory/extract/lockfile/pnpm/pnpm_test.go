package pnpm

import (
	"os"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile/internal/lockfiletest"
)

func pkg(path, name, version, purl, rel string, meta map[string]string, deps ...string) inventory.Package {
	p := inventory.Package{Name: name, Version: version, Type: "npm", PURL: purl, Path: path,
		Relationship: rel, Extractor: Name, Metadata: meta}
	if len(deps) > 0 {
		p.DependsOn = deps
	}
	return p
}

var dev = map[string]string{"scope": "dev"}

func TestParse(t *testing.T) {
	const v5, v6, v9 = "a/pnpm-lock.yaml", "b/pnpm-lock.yaml", "c/pnpm-lock.yaml"
	lockfiletest.ParseCases(t, New(), []lockfiletest.Case{
		{
			File: "testdata/v5.pnpm-lock.yaml", Path: v5,
			Want: []inventory.Package{
				pkg(v5, "@types/prop-types", "15.7.5", "pkg:npm/%40types/prop-types@15.7.5", "transitive", dev),
				pkg(v5, "@types/react", "18.2.14", "pkg:npm/%40types/react@18.2.14", "direct", dev, "@types/prop-types"),
				pkg(v5, "js-tokens", "4.0.0", "pkg:npm/js-tokens@4.0.0", "transitive", nil),
				pkg(v5, "loose-envify", "1.4.0", "pkg:npm/loose-envify@1.4.0", "transitive", nil, "js-tokens"),
				pkg(v5, "react-dom", "18.2.0", "pkg:npm/react-dom@18.2.0", "direct", nil, "loose-envify", "react", "scheduler"),
				pkg(v5, "react", "18.2.0", "pkg:npm/react@18.2.0", "transitive", nil, "loose-envify"),
				pkg(v5, "scheduler", "0.23.0", "pkg:npm/scheduler@0.23.0", "transitive", nil, "loose-envify"),
				pkg(v5, "typescript", "5.0.4", "pkg:npm/typescript@5.0.4", "direct", dev),
			},
		},
		{
			File: "testdata/v6.pnpm-lock.yaml", Path: v6,
			Want: []inventory.Package{
				pkg(v6, "@vitest/expect", "0.34.6", "pkg:npm/%40vitest/expect@0.34.6", "direct", dev, "chai"),
				pkg(v6, "chai", "4.3.10", "pkg:npm/chai@4.3.10", "transitive", dev),
				pkg(v6, "debug", "4.3.4", "pkg:npm/debug@4.3.4", "direct", nil, "ms"),
				pkg(v6, "fsevents", "2.3.3", "pkg:npm/fsevents@2.3.3", "direct", map[string]string{"optional": "true"}),
				pkg(v6, "ms", "2.1.2", "pkg:npm/ms@2.1.2", "transitive", nil),
			},
			WantSkipped: []lockfile.Skip{
				{Name: "tiny-fork", Spec: "https://codeload.github.com/acme/tiny-fork/tar.gz/4f6c1a9b6e0d2c3b5a7f8e9d0c1b2a3f4e5d6c7b", Reason: "git or URL dependency"},
			},
		},
		{
			File: "testdata/v9.pnpm-lock.yaml", Path: v9,
			Want: []inventory.Package{
				pkg(v9, "ansi-regex", "5.0.1", "pkg:npm/ansi-regex@5.0.1", "transitive", nil),
				pkg(v9, "eslint-plugin-local", "1.0.0", "pkg:npm/eslint-plugin-local@1.0.0", "direct", dev, "js-tokens"),
				pkg(v9, "express", "4.18.2", "pkg:npm/express@4.18.2", "direct", nil),
				pkg(v9, "js-tokens", "4.0.0", "pkg:npm/js-tokens@4.0.0", "transitive", nil),
				pkg(v9, "loose-envify", "1.4.0", "pkg:npm/loose-envify@1.4.0", "transitive", nil, "js-tokens"),
				pkg(v9, "prettier", "3.0.3", "pkg:npm/prettier@3.0.3", "direct", dev),
				pkg(v9, "react-dom", "18.2.0", "pkg:npm/react-dom@18.2.0", "direct", nil, "loose-envify", "react", "scheduler"),
				pkg(v9, "react", "18.2.0", "pkg:npm/react@18.2.0", "transitive", nil, "loose-envify"),
				pkg(v9, "scheduler", "0.23.0", "pkg:npm/scheduler@0.23.0", "transitive", nil, "loose-envify"),
				pkg(v9, "string-width", "4.2.3", "pkg:npm/string-width@4.2.3", "direct", nil, "ansi-regex"),
			},
			WantSkipped: []lockfile.Skip{
				{Name: "tiny-fork", Spec: "https://codeload.github.com/acme/tiny-fork/tar.gz/4f6c1a9b6e0d2c3b5a7f8e9d0c1b2a3f4e5d6c7b", Reason: "git or URL dependency"},
			},
		},
	})
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{
		"packages: {}\n",
		"lockfileVersion: '4.0'\n",
		"lockfileVersion: banana\n",
		"lockfileVersion: '9.0'\npackages: [1, 2]\n",
		"lockfileVersion: [\n",
	} {
		if _, err := Parse([]byte(in)); err == nil {
			t.Errorf("Parse(%q) = nil error, want an error", in)
		}
	}
	r, err := Parse([]byte("lockfileVersion: '9.0'\n\nimporters:\n\n  .: {}\n"))
	if err != nil || len(r.Packages) != 0 {
		t.Errorf("Parse(empty project) = %v, %v; want no packages and no error", r, err)
	}
}

func TestExtractor(t *testing.T) {
	sample, err := os.ReadFile("testdata/v9.pnpm-lock.yaml")
	if err != nil {
		t.Fatal(err)
	}
	lockfiletest.CheckExtractor(t, New(),
		[]string{"pnpm-lock.yaml", "apps/web/pnpm-lock.yaml"},
		[]string{"pnpm-workspace.yaml", "pnpm-lock.yml", "yarn.lock", "web/node_modules/.pnpm/x/pnpm-lock.yaml"},
		sample)
}

func FuzzParse(f *testing.F) {
	for _, p := range []string{"testdata/v5.pnpm-lock.yaml", "testdata/v6.pnpm-lock.yaml", "testdata/v9.pnpm-lock.yaml"} {
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
			if !lockfile.IsNPMVersion(p.Version) || p.Name == "" || p.PURL == "" {
				t.Errorf("package %+v: want a name, a concrete version and a PURL", p)
			}
		}
	})
}
