// Package spdxlicense checks licence strings against the SPDX licence list
// and expression grammar, for the SBOM writers: a valid expression is kept
// (in canonical case), anything else becomes a LicenseRef.
package spdxlicense

import (
	"strings"
)

// maxLen bounds an expression the parser accepts.
const maxLen = 1024

// ID returns the canonical spelling of a known SPDX licence or exception id.
func ID(s string) (string, bool) {
	c, ok := known[strings.ToLower(strings.TrimSpace(s))]
	return c, ok
}

// Normalize parses s as an SPDX licence expression (ids from the SPDX list
// or LicenseRef-..., with AND, OR, WITH, "+" and parentheses) and returns it
// in canonical form. ok is false when s is not a valid expression.
func Normalize(s string) (expr string, ok bool) {
	if len(s) > maxLen || strings.TrimSpace(s) == "" {
		return "", false
	}
	p := &parser{toks: tokenize(s)}
	out, ok := p.expr(0)
	if !ok || p.pos != len(p.toks) {
		return "", false
	}
	return out, true
}

// Ref turns any string into a LicenseRef id: "LicenseRef-" followed by the
// string with every character outside [A-Za-z0-9.-] replaced by "-".
func Ref(s string) string {
	var b strings.Builder
	b.WriteString("LicenseRef-")
	dash := false
	for _, r := range strings.TrimSpace(s) {
		if b.Len() >= 128 {
			break
		}
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' {
			b.WriteRune(r)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.TrimRight(b.String(), "-")
	if out == "LicenseRef" {
		return "LicenseRef-unknown"
	}
	return out
}

func tokenize(s string) []string {
	var toks []string
	cur := strings.Builder{}
	flush := func() {
		if cur.Len() > 0 {
			toks = append(toks, cur.String())
			cur.Reset()
		}
	}
	for _, r := range s {
		switch r {
		case ' ', '\t', '\n', '\r':
			flush()
		case '(', ')':
			flush()
			toks = append(toks, string(r))
		default:
			cur.WriteRune(r)
		}
	}
	flush()
	return toks
}

type parser struct {
	toks []string
	pos  int
}

func (p *parser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

// expr parses or-expressions of and-expressions; depth bounds nesting.
func (p *parser) expr(depth int) (string, bool) {
	if depth > 32 {
		return "", false
	}
	left, ok := p.and(depth)
	if !ok {
		return "", false
	}
	for strings.EqualFold(p.peek(), "OR") {
		p.pos++
		right, ok := p.and(depth)
		if !ok {
			return "", false
		}
		left += " OR " + right
	}
	return left, true
}

func (p *parser) and(depth int) (string, bool) {
	left, ok := p.with(depth)
	if !ok {
		return "", false
	}
	for strings.EqualFold(p.peek(), "AND") {
		p.pos++
		right, ok := p.with(depth)
		if !ok {
			return "", false
		}
		left += " AND " + right
	}
	return left, true
}

func (p *parser) with(depth int) (string, bool) {
	a, ok := p.atom(depth)
	if !ok {
		return "", false
	}
	if strings.EqualFold(p.peek(), "WITH") {
		p.pos++
		exc, ok := known[strings.ToLower(p.peek())]
		if !ok {
			return "", false
		}
		p.pos++
		a += " WITH " + exc
	}
	return a, true
}

func (p *parser) atom(depth int) (string, bool) {
	t := p.peek()
	switch {
	case t == "":
		return "", false
	case t == "(":
		p.pos++
		inner, ok := p.expr(depth + 1)
		if !ok || p.peek() != ")" {
			return "", false
		}
		p.pos++
		return "(" + inner + ")", true
	case isOperator(t) || t == ")":
		return "", false
	}
	p.pos++
	plus := ""
	if strings.HasSuffix(t, "+") {
		if c, ok := known[strings.ToLower(t)]; ok { // GPL-2.0+ is itself on the list
			return c, true
		}
		t, plus = strings.TrimSuffix(t, "+"), "+"
	}
	if c, ok := known[strings.ToLower(t)]; ok {
		return c + plus, true
	}
	if ref, ok := licenseRef(t); ok {
		return ref + plus, true
	}
	return "", false
}

func isOperator(t string) bool {
	return strings.EqualFold(t, "AND") || strings.EqualFold(t, "OR") || strings.EqualFold(t, "WITH")
}

// licenseRef accepts "LicenseRef-x" and "DocumentRef-y:LicenseRef-x".
func licenseRef(t string) (string, bool) {
	if doc, rest, ok := strings.Cut(t, ":"); ok {
		if !strings.HasPrefix(doc, "DocumentRef-") || !idstring(doc[len("DocumentRef-"):]) {
			return "", false
		}
		r, ok := licenseRef(rest)
		return doc + ":" + r, ok
	}
	if !strings.HasPrefix(t, "LicenseRef-") || !idstring(t[len("LicenseRef-"):]) {
		return "", false
	}
	return t, true
}

func idstring(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-') {
			return false
		}
	}
	return true
}
