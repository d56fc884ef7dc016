package dockerfile

import (
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

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

// IsDockerfile reports whether a file name looks like a Dockerfile:
// Dockerfile, Containerfile, Dockerfile.<suffix>, <prefix>.Dockerfile and
// <prefix>.dockerfile. A filesystem scan uses it to pick files to lint.
func IsDockerfile(p string) bool {
	base := path.Base(strings.ReplaceAll(p, `\`, "/"))
	lower := strings.ToLower(base)
	switch {
	case lower == "dockerfile" || lower == "containerfile":
		return true
	case strings.HasPrefix(lower, "dockerfile.") || strings.HasPrefix(lower, "containerfile."):
		// Dockerfile.dockerignore is an ignore file, not a Dockerfile.
		return !strings.HasSuffix(lower, ".dockerignore")
	case strings.HasSuffix(lower, ".dockerfile") || strings.HasSuffix(lower, ".containerfile"):
		return true
	}
	return false
}
