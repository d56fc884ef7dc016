package rules

import (
	"strings"
)

// template is a compiled output string: literal text and %field references.
type template struct {
	parts  []tplPart
	fields []*getter // distinct fields, in order of first use
}

type tplPart struct {
	lit string
	g   *getter // nil for literal parts
}

func isFieldChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.'
}

// compileTemplate parses an output template. Fields bulkhead cannot fill are
// reported in unsupported and render as <NA>.
func compileTemplate(s string) (t *template, unsupported []string) {
	t = &template{}
	seen := map[string]bool{}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			t.parts = append(t.parts, tplPart{lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); {
		if s[i] != '%' {
			lit.WriteByte(s[i])
			i++
			continue
		}
		j := i + 1
		paren := j < len(s) && s[j] == '('
		if paren {
			j++
		}
		start := j
		for j < len(s) && isFieldChar(s[j]) {
			j++
		}
		if j < len(s) && s[j] == '[' {
			if k := strings.IndexByte(s[j:], ']'); k > 0 {
				j += k + 1
			}
		}
		name := s[start:j]
		// A sentence may end right after a field: "file=%fd.name."
		for strings.HasSuffix(name, ".") {
			name = name[:len(name)-1]
			j--
		}
		if paren {
			if j < len(s) && s[j] == ')' {
				j++
			}
		}
		if name == "" || !strings.Contains(name, ".") {
			lit.WriteByte('%')
			i++
			continue
		}
		flush()
		fe, err := splitField(name, 0)
		var g *getter
		if err == nil {
			g, err = lookupField(fe)
		}
		if err != nil {
			unsupported = append(unsupported, name)
			g = &getter{name: name, kind: kStr, str: func(*ctx) (string, bool) { return "", false }}
		}
		g = &getter{name: name, kind: g.kind, str: g.str, num: g.num, ip: g.ip, first: g.first,
			anyIP: g.anyIP, anyStr: g.anyStr, never: g.never}
		t.parts = append(t.parts, tplPart{g: g})
		if !seen[name] {
			seen[name] = true
			t.fields = append(t.fields, g)
		}
		i = j
	}
	flush()
	return t, unsupported
}

func (t *template) render(c *ctx) string {
	var b strings.Builder
	for _, p := range t.parts {
		if p.g == nil {
			b.WriteString(p.lit)
			continue
		}
		b.WriteString(p.g.renderString(c))
	}
	return b.String()
}

// values returns the output_fields map: field name to string, int64, bool or nil.
func (t *template) values(c *ctx, extra []*getter) map[string]any {
	m := make(map[string]any, len(t.fields)+len(extra))
	for _, list := range [][]*getter{t.fields, extra} {
		for _, g := range list {
			if _, dup := m[g.name]; dup {
				continue
			}
			v, ok := g.render(c)
			if !ok {
				m[g.name] = nil
				continue
			}
			m[g.name] = v
		}
	}
	return m
}
