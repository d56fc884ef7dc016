package compose

import (
	"fmt"
	"io"
	"os"

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
