package lang_test

import (
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
