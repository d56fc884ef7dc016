package compose

import (
	"bytes"

	"fmt"
	"gopkg.in/yaml.v3"
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
// docker-compose.prod.yml or compose.override.yaml, or a name ending in a
// compose part (bad-compose.yaml). A filesystem scan uses it to pick files
// to lint; bulkhead lint recognises compose files by content as well.
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
	// A compose part after a separator: bad-compose.yaml, app.compose.yml,
	// web_docker-compose.yml.
	for _, sep := range []string{"-", ".", "_"} {
		if strings.HasSuffix(stem, sep+"compose") || strings.Contains(stem, sep+"compose.") || strings.Contains(stem, sep+"compose-") {
			return true
		}
	}
	return false
}

// LooksLikeCompose reports whether src is a compose file by its content: a
// YAML document whose top level is a mapping with a services key. The
// file name does not matter (stack.yml, compose.prod.yaml, anything).
func LooksLikeCompose(src []byte) bool {
	if len(src) > MaxSize {
		return false
	}
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(src)).Decode(&doc); err != nil || len(doc.Content) == 0 {
		return false
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "services" {
			v := root.Content[i+1]
			return v.Kind == yaml.MappingNode || (v.Kind == yaml.ScalarNode && v.Tag == "!!null")
		}
	}
	return false
}
