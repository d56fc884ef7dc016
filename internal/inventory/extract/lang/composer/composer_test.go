package composer_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lang/composer"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extracttest"
)

func TestRequired(t *testing.T) {
	extracttest.Required(t, composer.New(),
		[]string{
			"var/www/html/vendor/composer/installed.json",
			"vendor/composer/installed.json",
		},
		[]string{
			"var/www/html/composer.json",
			"var/www/html/composer.lock",
			"var/www/html/myvendor/composer/installed.json",
			"vendor/composer/installed.php",
		})
}

func TestExtract(t *testing.T) {
	const path = "vendor/composer/installed.json"
	monolog := inventory.Package{Name: "monolog/monolog", Version: "2.3.5", Type: "composer",
		PURL: "pkg:composer/monolog/monolog@2.3.5", Licenses: []string{"MIT"},
		DependsOn: []string{"psr/log", "symfony/polyfill-php80"}, Path: path, Extractor: composer.Name}
	psr := inventory.Package{Name: "psr/log", Version: "1.1.4", Type: "composer",
		PURL: "pkg:composer/psr/log@1.1.4", Licenses: []string{"MIT"}, Path: path, Extractor: composer.Name}
	dev := inventory.Package{Name: "phpunit/phpunit", Version: "9.5.10", Type: "composer",
		PURL: "pkg:composer/phpunit/phpunit@9.5.10", Licenses: []string{"BSD-3-Clause"}, Path: path,
		Extractor: composer.Name, Metadata: map[string]string{"dev": "true"}}
	const monologJSON = `{"name":"monolog/monolog","version":"2.3.5","license":["MIT"],
		"require":{"php":">=7.2","ext-json":"*","psr/log":"^1.0.1","symfony/polyfill-php80":"^1"}}`
	const psrJSON = `{"name":"psr/log","version":"v1.1.4","license":"MIT","require":{"php":">=5.3.0"}}`
	extracttest.Extract(t, composer.New(), []extracttest.Case{
		{Name: "composer 1 array", Path: path, Data: []byte("[" + monologJSON + "," + psrJSON + "]"),
			Want: []inventory.Package{monolog, psr}},
		{Name: "composer 2 object", Path: path, Data: []byte(`{"packages":[` + monologJSON + "," + psrJSON +
			`,{"name":"phpunit/phpunit","version":"9.5.10","license":["BSD-3-Clause"]}],"dev":true,"dev-package-names":["phpunit/phpunit"]}`),
			Want: []inventory.Package{monolog, psr, dev}},
		{Name: "entries without version skipped", Path: path, Data: []byte(`[{"name":"a/b"},{"version":"1"}]`)},
		{Name: "empty", Path: path, Data: []byte(`{"packages":[]}`)},
	})
}

func TestExtractErrors(t *testing.T) {
	const path = "vendor/composer/installed.json"
	var cases []extracttest.Case
	for _, data := range []string{`"x"`, `[1]`, `{"packages":`, ``} {
		// Every error names the file.
		cases = append(cases, extracttest.Case{Name: fmt.Sprintf("%q", data), Path: path, Data: []byte(data), ErrContains: []string{path}})
	}
	cases = append(cases, extracttest.Case{Name: "over MaxFileSize", Path: path, Data: []byte("[]"), WantErr: inventory.ErrTooLarge,
		Input: func(in *inventory.Input) { in.Size = composer.MaxFileSize + 1 }})
	extracttest.Extract(t, composer.New(), cases)
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`[{"name":"a/b","version":"v1","license":["MIT"],"require":{"c/d":"*","php":"*"}}]`))
	f.Add([]byte(`{"packages":[{"name":"a/b","version":"1"}],"dev-package-names":["a/b"]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, err := composer.Parse(data)
		if err != nil {
			return
		}
		for _, p := range pkgs {
			if p.Name == "" || p.Version == "" || p.PURL == "" {
				t.Errorf("bad package %+v", p)
			}
		}
	})
}

func BenchmarkExtract(b *testing.B) {
	var entries []string
	for i := range 200 {
		entries = append(entries, fmt.Sprintf(`{"name":"vendor%d/pkg%d","version":"v%d.2.3","license":["MIT"],`+
			`"require":{"php":">=7.2","psr/log":"^1"},"description":"%s"}`, i, i, i, strings.Repeat("d", 200)))
	}
	data := []byte(`{"packages":[` + strings.Join(entries, ",") + `]}`)
	b.SetBytes(int64(len(data)))
	r := bytes.NewReader(nil)
	for b.Loop() {
		r.Reset(data)
		if _, err := composer.New().Extract(context.Background(), &inventory.Input{
			Path: "vendor/composer/installed.json", Size: int64(len(data)), Reader: r,
		}); err != nil {
			b.Fatal(err)
		}
	}
}
