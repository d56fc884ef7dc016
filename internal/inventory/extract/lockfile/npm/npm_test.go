package npm

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
	const v3 = "web/package-lock.json"
	const v2 = "mono/package-lock.json"
	const v1 = "legacy/package-lock.json"
	const sw = "cli/npm-shrinkwrap.json"
	lockfiletest.ParseCases(t, New(), []lockfiletest.Case{
		{
			File: "testdata/v3/package-lock.json", Path: v3,
			Want: []inventory.Package{
				pkg(v3, "@types/node", "20.8.10", "pkg:npm/%40types/node@20.8.10", "direct", nil, "undici-types"),
				pkg(v3, "debug", "4.3.4", "pkg:npm/debug@4.3.4", "direct", nil, "ms"),
				pkg(v3, "ms", "2.1.2", "pkg:npm/ms@2.1.2", "transitive", nil),
				pkg(v3, "fsevents", "2.3.3", "pkg:npm/fsevents@2.3.3", "direct", map[string]string{"optional": "true"}),
				pkg(v3, "ms", "2.1.3", "pkg:npm/ms@2.1.3", "direct", dev),
				pkg(v3, "string-width", "4.2.3", "pkg:npm/string-width@4.2.3", "transitive", dev),
				pkg(v3, "undici-types", "5.26.5", "pkg:npm/undici-types@5.26.5", "transitive", nil),
			},
			WantSkipped: []lockfile.Skip{
				{Spec: "../local-utils", Reason: "workspace package"},
				{Name: "left-pad", Spec: "git+ssh://git@github.com/left-pad/left-pad.git#5e8a6e3c0cb5b0b8d1d1f0a1a0aab25b8e0b6e2c", Reason: "git dependency"},
				{Name: "local-utils", Spec: "../local-utils", Reason: "link"},
			},
		},
		{
			File: "testdata/v2/package-lock.json", Path: v2,
			Want: []inventory.Package{
				pkg(v2, "js-tokens", "4.0.0", "pkg:npm/js-tokens@4.0.0", "transitive", nil),
				pkg(v2, "loose-envify", "1.4.0", "pkg:npm/loose-envify@1.4.0", "transitive", nil, "js-tokens"),
				pkg(v2, "react", "18.2.0", "pkg:npm/react@18.2.0", "direct", nil, "loose-envify"),
				pkg(v2, "typescript", "5.2.2", "pkg:npm/typescript@5.2.2", "direct", dev),
				pkg(v2, "js-tokens", "3.0.2", "pkg:npm/js-tokens@3.0.2", "transitive", nil),
			},
			WantSkipped: []lockfile.Skip{
				{Name: "@acme/ui", Spec: "packages/ui", Reason: "link"},
				{Name: "@acme/ui", Spec: "packages/ui", Reason: "workspace package"},
			},
		},
		{
			File: "testdata/v1/package-lock.json", Path: v1,
			Want: []inventory.Package{
				pkg(v1, "accepts", "1.3.8", "pkg:npm/accepts@1.3.8", "", nil, "mime-types", "negotiator"),
				pkg(v1, "debug", "2.6.9", "pkg:npm/debug@2.6.9", "", nil, "ms"),
				pkg(v1, "ms", "2.0.0", "pkg:npm/ms@2.0.0", "", nil),
				pkg(v1, "mime-db", "1.52.0", "pkg:npm/mime-db@1.52.0", "", nil),
				pkg(v1, "mime-types", "2.1.35", "pkg:npm/mime-types@2.1.35", "", nil, "mime-db"),
				pkg(v1, "ms", "2.1.3", "pkg:npm/ms@2.1.3", "", dev),
				pkg(v1, "negotiator", "0.6.3", "pkg:npm/negotiator@0.6.3", "", nil),
				pkg(v1, "string-width", "4.2.3", "pkg:npm/string-width@4.2.3", "", dev),
			},
			WantSkipped: []lockfile.Skip{
				{Name: "my-fork", Spec: "github:someone/my-fork#2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e", Reason: "git dependency"},
			},
		},
		{
			File: "testdata/shrinkwrap/npm-shrinkwrap.json", Path: sw,
			Want: []inventory.Package{
				pkg(sw, "minimist", "1.2.8", "pkg:npm/minimist@1.2.8", "direct", nil),
			},
		},
	})
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{``, `{`, `[]`, `{"packages": []}`, `{"lockfileVersion": "3"}`} {
		if _, err := Parse([]byte(in)); err == nil {
			t.Errorf("Parse(%q) = nil error, want an error", in)
		}
	}
	// A file with nothing in it is not an error.
	r, err := Parse([]byte(`{"lockfileVersion": 3, "packages": {"": {"name": "x"}}}`))
	if err != nil || len(r.Packages) != 0 {
		t.Errorf("Parse(empty project) = %v, %v; want no packages and no error", r, err)
	}
}

func TestExtractor(t *testing.T) {
	sample, err := os.ReadFile("testdata/v3/package-lock.json")
	if err != nil {
		t.Fatal(err)
	}
	lockfiletest.CheckExtractor(t, New(),
		[]string{"package-lock.json", "app/package-lock.json", "a/b/npm-shrinkwrap.json"},
		[]string{"package.json", "yarn.lock", "node_modules/.package-lock.json", "package-lock.json.bak", "xpackage-lock.json", "node_modules/left-pad/package-lock.json", "app/node_modules/x/npm-shrinkwrap.json"},
		sample)
}

func FuzzParse(f *testing.F) {
	for _, p := range []string{"testdata/v1/package-lock.json", "testdata/v2/package-lock.json", "testdata/v3/package-lock.json"} {
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
