package compose

import (
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

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

// IsComposeFile reports whether a file name is one Docker Compose looks
// for or a common variant: compose.yaml, compose.yml, docker-compose.yaml,
// docker-compose.yml, and those with a middle part such as
// docker-compose.prod.yml or compose.override.yaml. A filesystem scan uses
// it to pick files to lint.
func IsComposeFile(p string) bool {
	base := strings.ToLower(path.Base(strings.ReplaceAll(p, `\`, "/")))
	ext := path.Ext(base)
	if ext != ".yml" && ext != ".yaml" {
		return false
	}
	stem := strings.TrimSuffix(base, ext)
	for _, pre := range []string{"docker-compose", "compose"} {
		if stem == pre || strings.HasPrefix(stem, pre+".") || strings.HasPrefix(stem, pre+"-") {
			return true
		}
	}
	return false
}
