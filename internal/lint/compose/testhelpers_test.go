package compose

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

// Helpers only the tests use.

// LintFile reads the compose file at path (at most MaxSize bytes) and
// lints it; findings carry path as given.
func LintFile(p string, opts Options) ([]finding.Finding, error) {
	fh, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("lint compose file: %w", err)
	}
	defer fh.Close()
	src, err := io.ReadAll(io.LimitReader(fh, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("lint compose file %q: read: %w", p, err)
	}
	return Lint(p, src, opts)
}

// UnknownRules returns the ids in ids that name no rule (by id or alias,
// in any case), so that a command can reject a mistyped rule name.
func UnknownRules(ids []string) []string {
	known := map[string]bool{"ALL": true}
	for _, r := range allRules {
		known[r.Meta.ID] = true
		for _, a := range r.Meta.Aliases {
			known[strings.ToUpper(a)] = true
		}
	}
	var out []string
	for _, id := range ids {
		if !known[strings.ToUpper(strings.TrimSpace(id))] {
			out = append(out, id)
		}
	}
	return out
}
