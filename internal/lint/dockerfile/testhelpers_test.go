package dockerfile

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/rule"
)

// Helpers only the tests use.

// LintFile reads the Dockerfile at path (at most MaxSize bytes) and lints
// it; findings carry path as given.
func LintFile(p string, opts Options) ([]finding.Finding, error) {
	fh, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("lint dockerfile: %w", err)
	}
	defer fh.Close()
	src, err := io.ReadAll(io.LimitReader(fh, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("lint dockerfile %q: read: %w", p, err)
	}
	return Lint(p, src, opts)
}

// UnknownRules returns the ids in ids that name no Dockerfile rule (by id
// or alias, in any case, through the rule catalogue's lookup) and are not
// "all".
func UnknownRules(ids []string) []string {
	c := rule.NewCatalogue(Rules())
	var out []string
	for _, id := range ids {
		if !strings.EqualFold(strings.TrimSpace(id), "all") && c.Lookup(id) == nil {
			out = append(out, id)
		}
	}
	return out
}
