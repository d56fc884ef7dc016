package compose

import (
	"fmt"
	"path"
	"strings"

	"gopkg.in/yaml.v3"
)

// maxListed bounds how many items one finding's evidence names.
const maxListed = 5

// listShort joins items, naming at most maxListed and counting the rest.
func listShort(items []string) string {
	if len(items) <= maxListed {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:maxListed], ", "), len(items)-maxListed)
}

// itemLine returns the line of the i-th item of the sequence at key, or
// the key's line when the source has no such item.
func (s *Service) itemLine(key string, i int) int {
	seq, _ := mapGet(s.node, key)
	if seq != nil && seq.Kind == yaml.SequenceNode && i >= 0 && i < len(seq.Content) {
		return seq.Content[i].Line
	}
	return s.KeyLine(key)
}

// mapKeyLine returns the line of entry name in the mapping or list at key
// (environment, sysctls: either form), or the key's line.
func (s *Service) mapKeyLine(key, name string) int {
	n, _ := mapGet(s.node, key)
	if n == nil {
		return s.KeyLine(key)
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == name {
				return n.Content[i].Line
			}
		}
	case yaml.SequenceNode:
		for _, it := range n.Content {
			if it.Value == name || strings.HasPrefix(it.Value, name+"=") {
				return it.Line
			}
		}
	}
	return s.KeyLine(key)
}

// cleanHostPath normalises a bind source for comparison: "~" and "~/x"
// stay as written, everything else is cleaned.
func cleanHostPath(p string) string {
	p = strings.TrimSpace(p)
	if p == "" || strings.HasPrefix(p, "~") {
		return p
	}
	if !strings.HasPrefix(p, "/") {
		return p
	}
	return path.Clean(p)
}
