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

// instructions are the Dockerfile instruction keywords.
var instructions = map[string]bool{
	"from": true, "run": true, "cmd": true, "label": true, "maintainer": true, "expose": true, "env": true,
	"add": true, "copy": true, "entrypoint": true, "volume": true, "user": true, "workdir": true, "arg": true,
	"onbuild": true, "stopsignal": true, "healthcheck": true, "shell": true,
}

// LooksLikeDockerfile reports whether src reads as a Dockerfile by its
// content: its first line that is neither blank nor a comment starts with
// an instruction keyword (FROM, RUN, ARG, ...), in any case. A fragment
// without FROM qualifies.
func LooksLikeDockerfile(src []byte) bool {
	s := string(src)
	if len(s) > MaxSize {
		s = s[:MaxSize]
	}
	for len(s) > 0 {
		line := s
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			line, s = s[:i], s[i+1:]
		} else {
			s = ""
		}
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		word := line
		if i := strings.IndexAny(line, " \t"); i >= 0 {
			word = line[:i]
		}
		return instructions[strings.ToLower(word)] && word != line
	}
	return false
}
