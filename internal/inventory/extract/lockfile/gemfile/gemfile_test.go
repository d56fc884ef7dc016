package gemfile

import (
	"os"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile/internal/lockfiletest"
)

func pkg(name, version, rel string, meta map[string]string, deps ...string) inventory.Package {
	p := inventory.Package{Name: name, Version: version, Type: "gem", PURL: "pkg:gem/" + name + "@" + version,
		Path: "app/Gemfile.lock", Relationship: rel, Extractor: Name, Metadata: meta}
	if len(deps) > 0 {
		p.DependsOn = deps
	}
	return p
}

func TestParse(t *testing.T) {
	want := []inventory.Package{
		pkg("actionpack", "7.1.3.4", "direct", nil, "actionview", "activesupport", "nokogiri", "rack"),
		pkg("actionview", "7.1.3.4", "transitive", nil, "activesupport", "builder"),
		pkg("activesupport", "7.1.3.4", "transitive", nil, "concurrent-ruby", "i18n", "tzinfo"),
		pkg("builder", "3.3.0", "transitive", nil),
		pkg("concurrent-ruby", "1.3.3", "transitive", nil),
		pkg("i18n", "1.14.5", "transitive", nil, "concurrent-ruby"),
		pkg("mini_portile2", "2.8.7", "transitive", nil),
		pkg("nokogiri", "1.16.6", "direct", map[string]string{"platform": "arm64-darwin,x86_64-linux"}, "mini_portile2", "racc"),
		pkg("pg", "1.5.6", "direct", nil),
		pkg("racc", "1.8.0", "transitive", nil),
		pkg("rack", "3.1.7", "transitive", nil),
		pkg("rspec-core", "3.13.0", "direct", nil, "rspec-support"),
		pkg("rspec-support", "3.13.1", "transitive", nil),
		pkg("tzinfo", "2.0.6", "transitive", nil, "concurrent-ruby"),
	}
	wantSkipped := []lockfile.Skip{
		{Name: "feature_flags", Spec: "0.9.1", Reason: "git dependency", Line: 6},
		{Name: "billing", Spec: "0.1.0", Reason: "local path", Line: 12},
	}
	lockfiletest.ParseCases(t, New(), []lockfiletest.Case{{File: "testdata/Gemfile.lock", Path: "app/Gemfile.lock", Want: want, WantSkipped: wantSkipped}})
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{
		"GEM\n  specs:\n    rack 3.1.7\n",
		"GEM\n  specs:\n    rack (3.1.7\n",
		"DEPENDENCIES\n  rack >= 1\n",
	} {
		if _, err := Parse([]byte(in)); err == nil {
			t.Errorf("Parse(%q) = nil error, want an error", in)
		}
	}
}

func TestExtractor(t *testing.T) {
	sample, err := os.ReadFile("testdata/Gemfile.lock")
	if err != nil {
		t.Fatal(err)
	}
	lockfiletest.CheckExtractor(t, New(),
		[]string{"Gemfile.lock", "rails/Gemfile.lock", "gems.locked"},
		[]string{"Gemfile", "gemfile.lock", "foo.gemspec"},
		sample)
}

func FuzzParse(f *testing.F) {
	b, err := os.ReadFile("testdata/Gemfile.lock")
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
