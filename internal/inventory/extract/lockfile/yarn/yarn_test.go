package yarn

import (
	"os"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile/internal/lockfiletest"
)

func pkg(path, name, version, purl, rel string, deps ...string) inventory.Package {
	p := inventory.Package{Name: name, Version: version, Type: "npm", PURL: purl, Path: path,
		Relationship: rel, Extractor: Name}
	if len(deps) > 0 {
		p.DependsOn = deps
	}
	return p
}

func TestParse(t *testing.T) {
	const c, b, b6 = "classic/yarn.lock", "berry/yarn.lock", "berry6/yarn.lock"
	lockfiletest.ParseCases(t, New(), []lockfiletest.Case{
		{
			File: "testdata/classic.yarn.lock", Path: c,
			Want: []inventory.Package{
				pkg(c, "@babel/code-frame", "7.22.13", "pkg:npm/%40babel/code-frame@7.22.13", "", "@babel/highlight", "chalk"),
				pkg(c, "@babel/highlight", "7.22.20", "pkg:npm/%40babel/highlight@7.22.20", "", "@babel/helper-validator-identifier", "chalk", "js-tokens"),
				pkg(c, "@babel/helper-validator-identifier", "7.22.20", "pkg:npm/%40babel/helper-validator-identifier@7.22.20", ""),
				pkg(c, "chalk", "2.4.2", "pkg:npm/chalk@2.4.2", "", "ansi-styles", "escape-string-regexp", "supports-color"),
				pkg(c, "js-tokens", "4.0.0", "pkg:npm/js-tokens@4.0.0", ""),
				pkg(c, "string-width", "4.2.3", "pkg:npm/string-width@4.2.3", "", "fsevents"),
			},
			WantSkipped: []lockfile.Skip{
				{Name: "left-pad", Spec: "git+https://github.com/left-pad/left-pad.git#v1.3.0", Reason: "git or URL dependency", Line: 41},
				{Name: "my-lib", Spec: "file:../my-lib", Reason: "local path", Line: 45},
			},
		},
		{
			File: "testdata/berry.yarn.lock", Path: b,
			Want: []inventory.Package{
				pkg(b, "@types/node", "20.8.10", "pkg:npm/%40types/node@20.8.10", "direct", "undici-types"),
				pkg(b, "lodash", "3.10.1", "pkg:npm/lodash@3.10.1", "transitive"),
				pkg(b, "lodash", "4.17.21", "pkg:npm/lodash@4.17.21", "direct"),
				pkg(b, "old-helper", "1.0.0", "pkg:npm/old-helper@1.0.0", "direct", "lodash"),
				pkg(b, "resolve", "1.22.8", "pkg:npm/resolve@1.22.8", "direct", "is-core-module"),
			},
			WantSkipped: []lockfile.Skip{
				{Name: "resolve", Spec: "patch:resolve@npm%3A1.22.8#optional!builtin<compat/resolve>::version=1.22.8&hash=c3c19d", Reason: "patch"},
				{Name: "shared-ui", Spec: "workspace:packages/shared-ui", Reason: "workspace package"},
				{Name: "web", Spec: "workspace:.", Reason: "workspace package"},
			},
		},
		{
			File: "testdata/berry-v6.yarn.lock", Path: b6,
			Want: []inventory.Package{
				pkg(b6, "ms", "2.1.3", "pkg:npm/ms@2.1.3", "direct"),
			},
			WantSkipped: []lockfile.Skip{
				{Name: "app", Spec: "workspace:.", Reason: "workspace package"},
				{Name: "tiny-fork", Spec: "https://github.com/acme/tiny-fork.git#commit=4f6c1a9b6e0d2c3b5a7f8e9d0c1b2a3f4e5d6c7b", Reason: "git or URL dependency"},
			},
		},
	})
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{
		"not a lockfile\n",
		"  version \"1.0.0\"\n",
		"__metadata:\n  version: 8\n\"a@npm:1\": [\n",
		"__metadata:\n  version: 8\n\"a@npm:1\":\n  version: [1]\n",
	} {
		if _, err := Parse([]byte(in)); err == nil {
			t.Errorf("Parse(%q) = nil error, want an error", in)
		}
	}
	for _, in := range []string{"", "# yarn lockfile v1\n\n"} {
		r, err := Parse([]byte(in))
		if err != nil || len(r.Packages) != 0 {
			t.Errorf("Parse(%q) = %v, %v; want no packages and no error", in, r, err)
		}
	}
}

func TestExtractor(t *testing.T) {
	sample, err := os.ReadFile("testdata/classic.yarn.lock")
	if err != nil {
		t.Fatal(err)
	}
	lockfiletest.CheckExtractor(t, New(),
		[]string{"yarn.lock", "web/yarn.lock"},
		[]string{"package.json", "yarn.lock.orig", ".yarnrc.yml", "pnpm-lock.yaml", "node_modules/x/yarn.lock"},
		sample)
}

func FuzzParse(f *testing.F) {
	for _, p := range []string{"testdata/classic.yarn.lock", "testdata/berry.yarn.lock", "testdata/berry-v6.yarn.lock"} {
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
