package lang_test

import (
	"io/fs"
	"strings"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lang"
)

func TestExtractors(t *testing.T) {
	seen := map[string]bool{}
	list := lang.Extractors()
	if len(list) != 8 {
		t.Errorf("got %d extractors, want 8", len(list))
	}
	for _, e := range list {
		if seen[e.Name()] {
			t.Errorf("duplicate extractor name %q", e.Name())
		}
		seen[e.Name()] = true
		if !strings.HasPrefix(e.Name(), "lang/") {
			t.Errorf("extractor name %q lacks the lang/ prefix", e.Name())
		}
		if e.Version() < 1 {
			t.Errorf("%s: Version %d, want >= 1", e.Name(), e.Version())
		}
	}
}

// BenchmarkRequired calls every extractor's Required on a mix of typical
// image paths, as the core does for every file of every layer.
func BenchmarkRequired(b *testing.B) {
	files := []struct {
		path string
		mode fs.FileMode
	}{
		{"usr/lib/x86_64-linux-gnu/libc.so.6", 0o755},
		{"usr/share/doc/bash/copyright", 0o644},
		{"usr/bin/bash", 0o755},
		{"etc/ssl/certs/ca-certificates.crt", 0o644},
		{"app/node_modules/lodash/package.json", 0o644},
		{"app/node_modules/lodash/lodash.js", 0o644},
		{"usr/lib/python3/dist-packages/yaml/__init__.py", 0o644},
		{"usr/lib/python3/dist-packages/PyYAML-5.3.1.egg-info", 0o644},
		{"opt/app/app.jar", 0o644},
		{"usr/share/zoneinfo/Europe/Paris", 0o644},
	}
	list := lang.Extractors()
	b.ReportMetric(float64(len(files)), "files/op")
	n := 0
	for b.Loop() {
		for _, f := range files {
			for _, e := range list {
				if e.Required(f.path, f.mode) {
					n++
				}
			}
		}
	}
	_ = n
}
