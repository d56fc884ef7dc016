package compose

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// prepareForLoader returns the source compose-go is given: the file with
// port ranges collapsed (compose-go would expand them, one entry per
// port) and services with an empty body given an empty mapping (on which
// compose-go would otherwise panic). Unchanged input is returned as is.
func prepareForLoader(src []byte) ([]byte, error) {
	docs, err := parseDocs(src)
	if err != nil {
		return nil, err
	}
	changed := false
	for _, d := range docs {
		if len(d.Content) == 0 {
			continue
		}
		svcs, _ := mapGet(d.Content[0], "services")
		if svcs == nil || (svcs.Kind == yaml.ScalarNode && svcs.Tag == "!!null") {
			continue
		}
		if svcs.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("line %d: key services must be a mapping of service names to their settings, not a %s", svcs.Line, kindName(svcs))
		}
		for i := 1; i < len(svcs.Content); i += 2 {
			v := svcs.Content[i]
			if dv := deref(v); dv != nil && dv.Kind != yaml.MappingNode && !(dv.Kind == yaml.ScalarNode && (dv.Tag == "!!null" || dv.Value == "")) {
				return nil, fmt.Errorf("line %d: key services.%s must be a mapping of settings (image:, ports:, ...), not a %s", v.Line, svcs.Content[i-1].Value, kindName(dv))
			}
			if v.Kind == yaml.ScalarNode && (v.Tag == "!!null" || v.Value == "") {
				svcs.Content[i] = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: v.Line, Column: v.Column}
				changed = true
				continue
			}
			if collapsePortRanges(deref(v)) {
				changed = true
			}
		}
	}
	if !changed {
		return src, nil
	}
	var b bytes.Buffer
	for i, d := range docs {
		if i > 0 {
			b.WriteString("---\n")
		}
		out, err := yaml.Marshal(d)
		if err != nil {
			return nil, fmt.Errorf("re-encode yaml: %w", err)
		}
		b.Write(out)
	}
	return b.Bytes(), nil
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		return "single value"
	case yaml.MappingNode:
		return "mapping"
	}
	return "YAML node"
}

// compose-go reports decode errors in mapstructure's words, with the key
// path quoted in brackets ('services[web].ports[0]'): turn them into the
// dotted key path a user finds in the file.
var (
	msKeyRe    = regexp.MustCompile(`'([A-Za-z0-9_.\-\[\]]+)'`)
	bracketsRe = regexp.MustCompile(`\[([^\]]*)\]`)
)

// explainLoadError rewrites compose-go's error text so it names the key
// that is wrong, as written in the file ("services.web.ports.0").
func explainLoadError(err error) error {
	msg := err.Error()
	if strings.Contains(msg, "reflect:") {
		return fmt.Errorf("a service or key has a value of the wrong kind (compose-go: %v)", err)
	}
	msg = strings.Replace(msg, "decoding failed due to the following error(s):", "", 1)
	msg = strings.Join(strings.Fields(msg), " ")
	msg = msKeyRe.ReplaceAllStringFunc(msg, func(m string) string {
		inner := strings.Trim(m, "'")
		if !strings.Contains(inner, "[") {
			return m
		}
		return "key " + bracketsRe.ReplaceAllString(inner, ".$1")
	})
	return fmt.Errorf("%s", msg)
}
