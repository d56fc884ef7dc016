// Package yamlnode reads YAML lockfiles as a yaml.v3 node tree and walks it
// by hand. Decoding large mappings into Go maps or structs with yaml.v3
// checks for duplicate keys pairwise, which is quadratic in the number of
// keys: a 20,000-entry yarn.lock took tens of seconds, and a hostile file
// could take hours. Walking nodes is linear. Aliases are not followed.
package yamlnode

import (
	"fmt"
	"iter"

	"gopkg.in/yaml.v3"
)

// Parse parses one YAML document and returns its root node, or nil for an
// empty document. A panic inside the YAML library is returned as an error.
func Parse(data []byte) (root *yaml.Node, err error) {
	defer func() {
		if v := recover(); v != nil {
			root, err = nil, fmt.Errorf("yaml: %v", v)
		}
	}()
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		return doc.Content[0], nil
	}
	return nil, nil
}

// Pairs yields the key and value nodes of a mapping node, in file order;
// nothing for any other node.
func Pairs(n *yaml.Node) iter.Seq2[string, *yaml.Node] {
	return func(yield func(string, *yaml.Node) bool) {
		if n == nil || n.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if !yield(n.Content[i].Value, n.Content[i+1]) {
				return
			}
		}
	}
}

// Get returns the value of key in a mapping node, or nil.
func Get(n *yaml.Node, key string) *yaml.Node {
	for k, v := range Pairs(n) {
		if k == key {
			return v
		}
	}
	return nil
}

// Scalar returns the value of a scalar node, or "".
func Scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

// IsMapping reports whether n is a mapping node.
func IsMapping(n *yaml.Node) bool { return n != nil && n.Kind == yaml.MappingNode }
