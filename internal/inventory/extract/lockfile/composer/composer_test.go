package composer

import (
	"os"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile/internal/lockfiletest"
)

func pkg(name, version string, meta map[string]string, deps ...string) inventory.Package {
	p := inventory.Package{Name: name, Version: version, Type: "composer", PURL: "pkg:composer/" + name + "@" + version,
		Path: "site/composer.lock", Extractor: Name, Metadata: meta}
	if len(deps) > 0 {
		p.DependsOn = deps
	}
	return p
}

func TestParse(t *testing.T) {
	want := []inventory.Package{
		pkg("guzzlehttp/guzzle", "7.8.1", nil, "guzzlehttp/promises", "guzzlehttp/psr7", "psr/http-client", "symfony/deprecation-contracts"),
		pkg("psr/http-client", "1.0.3", nil, "psr/http-message"),
		pkg("symfony/deprecation-contracts", "3.5.0", nil),
		pkg("symfony/polyfill-ctype", "1.30.0", nil),
		pkg("phpunit/phpunit", "10.5.28", map[string]string{"scope": "dev"}, "myclabs/deep-copy"),
	}
	wantSkipped := []lockfile.Skip{
		{Name: "acme/billing-bridge", Spec: "../billing-bridge", Reason: "local path"},
		{Name: "acme/test-helpers", Spec: "2.x-dev", Reason: "no concrete version"},
	}
	lockfiletest.ParseCases(t, New(), []lockfiletest.Case{{File: "testdata/composer.lock", Path: "site/composer.lock", Want: want, WantSkipped: wantSkipped}})
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{"", "{", `{"packages": {}}`, `{"packages": [{"name": "a/b", "version": "1.0.0", "require": {"x/y": 1}}]}`} {
		if _, err := Parse([]byte(in)); err == nil {
			t.Errorf("Parse(%q) = nil error, want an error", in)
		}
	}
}

func TestExtractor(t *testing.T) {
	sample, err := os.ReadFile("testdata/composer.lock")
	if err != nil {
		t.Fatal(err)
	}
	lockfiletest.CheckExtractor(t, New(),
		[]string{"composer.lock", "web/composer.lock"},
		[]string{"composer.json", "Composer.lock", "composer.lock.bak"},
		sample)
}

func FuzzParse(f *testing.F) {
	b, err := os.ReadFile("testdata/composer.lock")
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
