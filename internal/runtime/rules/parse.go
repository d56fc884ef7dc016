package rules

import (
	"fmt"
	"strings"
)

// Limits that keep hostile rule files bounded.
const (
	maxConditionLen = 1 << 20 // bytes of one condition after appends
	maxDepth        = 200     // nesting of parentheses / not / macros
	maxListItems    = 100000  // items of one expanded list
)

type tokKind uint8

const (
	tEOF tokKind = iota
	tWord
	tString
	tLParen
	tRParen
	tComma
	tOp // = == != < <= > >=
)

type token struct {
	kind tokKind
	text string
	pos  int
}

// lex splits a condition into tokens.
func lex(s string) ([]token, error) {
	if len(s) > maxConditionLen {
		return nil, fmt.Errorf("condition is %d bytes, more than the %d allowed", len(s), maxConditionLen)
	}
	var toks []token
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '(':
			toks = append(toks, token{tLParen, "(", i})
			i++
		case c == ')':
			toks = append(toks, token{tRParen, ")", i})
			i++
		case c == ',':
			toks = append(toks, token{tComma, ",", i})
			i++
		case c == '=' || c == '<' || c == '>' || c == '!':
			start := i
			if i+1 < len(s) && s[i+1] == '=' {
				i += 2
			} else {
				if c == '!' {
					return nil, fmt.Errorf("at offset %d: unexpected %q (did you mean != or not?)", i, "!")
				}
				i++
			}
			toks = append(toks, token{tOp, s[start:i], start})
		case c == '"' || c == '\'':
			start := i
			i++
			var b strings.Builder
			closed := false
			for i < len(s) {
				d := s[i]
				if d == '\\' && i+1 < len(s) {
					switch s[i+1] {
					case '\\', '"', '\'':
						b.WriteByte(s[i+1])
					default:
						b.WriteByte('\\')
						b.WriteByte(s[i+1])
					}
					i += 2
					continue
				}
				if d == c {
					closed = true
					i++
					break
				}
				b.WriteByte(d)
				i++
			}
			if !closed {
				return nil, fmt.Errorf("at offset %d: unterminated string", start)
			}
			toks = append(toks, token{tString, b.String(), start})
		default:
			start := i
			for i < len(s) && !isDelim(s[i]) {
				i++
			}
			toks = append(toks, token{tWord, s[start:i], start})
		}
	}
	toks = append(toks, token{tEOF, "", len(s)})
	return toks, nil
}

func isDelim(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '\f', '\v', '(', ')', ',', '=', '<', '>', '!', '"', '\'':
		return true
	}
	return false
}

// node is a parsed condition.
type node interface{ isNode() }

type andNode struct{ l, r node }
type orNode struct{ l, r node }
type notNode struct{ x node }
type constNode struct{ v bool }

// macroRef names a macro (resolved at compile time).
type macroRef struct {
	name string
	pos  int
}

// fieldExpr is a field, possibly wrapped in transformers: tolower(proc.name).
type fieldExpr struct {
	name   string // full name as written, with any [arg]
	field  string // name without the [arg]
	arg    string // text inside [ ], "" when absent
	hasArg bool
	xforms []string // innermost first
}

func (f fieldExpr) String() string {
	s := f.name
	for _, x := range f.xforms {
		s = x + "(" + s + ")"
	}
	return s
}

// value is one operand: a bare word (may name a list) or a quoted string.
type value struct {
	text   string
	quoted bool
}

// cmpNode is one check: field op value(s).
type cmpNode struct {
	lhs    fieldExpr
	op     string
	vals   []value    // one value for binary ops, the items for in/intersects/pmatch
	list   bool       // the operand was a parenthesized list
	rhsFld *fieldExpr // val(field) operand
	pos    int
}

func (andNode) isNode()   {}
func (orNode) isNode()    {}
func (notNode) isNode()   {}
func (constNode) isNode() {}
func (macroRef) isNode()  {}
func (cmpNode) isNode()   {}

var unaryOps = map[string]bool{"exists": true}

var wordOps = map[string]bool{
	"in": true, "intersects": true, "pmatch": true, "contains": true, "icontains": true,
	"bcontains": true, "startswith": true, "bstartswith": true, "endswith": true, "glob": true,
	"iglob": true, "regex": true, "exists": true,
}

var listOps = map[string]bool{"in": true, "intersects": true, "pmatch": true}

var transformers = map[string]bool{"tolower": true, "toupper": true, "b64": true, "basename": true, "len": true}

type parser struct {
	toks  []token
	i     int
	depth int
}

// parseCondition parses a Falco condition into a tree.
func parseCondition(s string) (node, error) {
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	if p.peek().kind == tEOF {
		return nil, fmt.Errorf("empty condition")
	}
	n, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, fmt.Errorf("at offset %d: unexpected %q after the end of the expression", t.pos, t.text)
	}
	return n, nil
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) isWord(w string) bool {
	t := p.peek()
	return t.kind == tWord && t.text == w
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return fmt.Errorf("at offset %d: condition nested more than %d deep", p.peek().pos, maxDepth)
	}
	return nil
}

func (p *parser) parseOr() (node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	l, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	for p.isWord("or") {
		p.next()
		r, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		l = orNode{l, r}
	}
	return l, nil
}

func (p *parser) parseAnd() (node, error) {
	l, err := p.parseNot()
	if err != nil {
		return nil, err
	}
	for p.isWord("and") {
		p.next()
		r, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		l = andNode{l, r}
	}
	return l, nil
}

func (p *parser) parseNot() (node, error) {
	if p.isWord("not") {
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer func() { p.depth-- }()
		p.next()
		x, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		return notNode{x}, nil
	}
	return p.parsePrimary()
}

func (p *parser) parsePrimary() (node, error) {
	t := p.peek()
	switch t.kind {
	case tLParen:
		p.next()
		n, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tRParen {
			return nil, fmt.Errorf("at offset %d: expected ) to close the ( at offset %d, got %q", c.pos, t.pos, c.text)
		}
		return n, nil
	case tWord:
		switch t.text {
		case "and", "or":
			return nil, fmt.Errorf("at offset %d: %q needs an expression before it", t.pos, t.text)
		}
		// A transformer call, a field check, or a macro reference.
		if transformers[t.text] && p.toks[p.i+1].kind == tLParen {
			f, err := p.parseFieldExpr()
			if err != nil {
				return nil, err
			}
			return p.parseCheck(f, t.pos)
		}
		nt := p.toks[p.i+1]
		if nt.kind == tOp || (nt.kind == tWord && wordOps[nt.text]) {
			f, err := p.parseFieldExpr()
			if err != nil {
				return nil, err
			}
			return p.parseCheck(f, t.pos)
		}
		p.next()
		return macroRef{name: t.text, pos: t.pos}, nil
	case tEOF:
		return nil, fmt.Errorf("at offset %d: the condition ends where an expression was expected", t.pos)
	}
	return nil, fmt.Errorf("at offset %d: unexpected %q where an expression was expected", t.pos, t.text)
}

// parseFieldExpr reads field or transformer(field...).
func (p *parser) parseFieldExpr() (fieldExpr, error) {
	t := p.next()
	if t.kind != tWord {
		return fieldExpr{}, fmt.Errorf("at offset %d: expected a field name, got %q", t.pos, t.text)
	}
	if transformers[t.text] && p.peek().kind == tLParen {
		if err := p.enter(); err != nil {
			return fieldExpr{}, err
		}
		defer func() { p.depth-- }()
		p.next()
		inner, err := p.parseFieldExpr()
		if err != nil {
			return fieldExpr{}, err
		}
		if c := p.next(); c.kind != tRParen {
			return fieldExpr{}, fmt.Errorf("at offset %d: expected ) after %s(%s, got %q", c.pos, t.text, inner.name, c.text)
		}
		inner.xforms = append(inner.xforms, t.text)
		return inner, nil
	}
	return splitField(t.text, t.pos)
}

func splitField(s string, pos int) (fieldExpr, error) {
	f := fieldExpr{name: s, field: s}
	if i := strings.IndexByte(s, '['); i >= 0 {
		if !strings.HasSuffix(s, "]") {
			return fieldExpr{}, fmt.Errorf("at offset %d: field %q: unclosed [", pos, s)
		}
		f.field, f.arg, f.hasArg = s[:i], s[i+1:len(s)-1], true
	}
	if f.field == "" || strings.ContainsAny(f.field, "[]") {
		return fieldExpr{}, fmt.Errorf("at offset %d: %q is not a field name", pos, s)
	}
	return f, nil
}

func (p *parser) parseCheck(f fieldExpr, pos int) (node, error) {
	op := p.next()
	if op.kind != tOp && !(op.kind == tWord && wordOps[op.text]) {
		return nil, fmt.Errorf("at offset %d: expected an operator after %s, got %q", op.pos, f, op.text)
	}
	c := cmpNode{lhs: f, op: op.text, pos: pos}
	if c.op == "==" {
		c.op = "="
	}
	if unaryOps[c.op] {
		return c, nil
	}
	if listOps[c.op] {
		if t := p.next(); t.kind != tLParen {
			return nil, fmt.Errorf("at offset %d: %s %s needs a parenthesized list, got %q", t.pos, f, c.op, t.text)
		}
		c.list = true
		for {
			t := p.next()
			switch t.kind {
			case tRParen:
				return c, nil
			case tWord, tString:
				c.vals = append(c.vals, value{text: t.text, quoted: t.kind == tString})
			default:
				return nil, fmt.Errorf("at offset %d: unexpected %q in the list of %s %s", t.pos, t.text, f, c.op)
			}
			switch s := p.next(); s.kind {
			case tComma:
			case tRParen:
				return c, nil
			default:
				return nil, fmt.Errorf("at offset %d: expected , or ) in the list of %s %s, got %q", s.pos, f, c.op, s.text)
			}
		}
	}
	t := p.next()
	switch t.kind {
	case tWord:
		if t.text == "val" && p.peek().kind == tLParen {
			p.next()
			rf, err := p.parseFieldExpr()
			if err != nil {
				return nil, err
			}
			if cl := p.next(); cl.kind != tRParen {
				return nil, fmt.Errorf("at offset %d: expected ) after val(%s, got %q", cl.pos, rf.name, cl.text)
			}
			c.rhsFld = &rf
			return c, nil
		}
		c.vals = []value{{text: t.text}}
	case tString:
		c.vals = []value{{text: t.text, quoted: true}}
	case tOp:
		// evt.dir = < and evt.dir = >
		if t.text != "<" && t.text != ">" {
			return nil, fmt.Errorf("at offset %d: %s %s needs a value, got %q", t.pos, f, c.op, t.text)
		}
		c.vals = []value{{text: t.text}}
	default:
		return nil, fmt.Errorf("at offset %d: %s %s needs a value, got %q", t.pos, f, c.op, t.text)
	}
	return c, nil
}
