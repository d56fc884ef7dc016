// Package toml is a small, bounded TOML parser for the subset that
// lockfiles use (poetry.lock, uv.lock, Cargo.lock): tables, arrays of
// tables, dotted and quoted keys, basic and literal strings (multi-line
// too), integers, floats, booleans, arrays and inline tables. Dates and
// times are kept as the string written. It is not a full TOML
// implementation: it accepts some documents TOML rejects (newlines in
// inline tables, for instance), but it never panics, and nesting is bounded
// by MaxDepth.
package toml

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxDepth bounds the nesting of arrays and inline tables in a value.
const MaxDepth = 64

// Parse parses a TOML document. Tables are map[string]any, arrays (and
// arrays of tables) []any, strings string, integers int64, floats float64,
// booleans bool, dates and times the string as written.
func Parse(data []byte) (map[string]any, error) {
	if !utf8.Valid(data) {
		return nil, errors.New("toml: not valid UTF-8")
	}
	p := &parser{s: string(data), line: 1, root: map[string]any{}}
	p.cur = p.root
	if err := p.document(); err != nil {
		return nil, fmt.Errorf("toml: line %d: %w", p.line, err)
	}
	return p.root, nil
}

type parser struct {
	s    string
	i    int
	line int
	root map[string]any
	cur  map[string]any
}

func (p *parser) eof() bool { return p.i >= len(p.s) }

func (p *parser) peek() byte {
	if p.eof() {
		return 0
	}
	return p.s[p.i]
}

// skipSpace skips spaces and tabs, and with nl also newlines and comments.
func (p *parser) skipSpace(nl bool) {
	for !p.eof() {
		switch c := p.s[p.i]; {
		case c == ' ' || c == '\t':
			p.i++
		case c == '\r' && p.i+1 < len(p.s) && p.s[p.i+1] == '\n' && nl:
			p.i++
		case c == '\n' && nl:
			p.line++
			p.i++
		case c == '#' && nl:
			p.skipComment()
		default:
			return
		}
	}
}

func (p *parser) skipComment() {
	for !p.eof() && p.s[p.i] != '\n' {
		p.i++
	}
}

// endLine expects only spaces and a comment up to the end of the line.
func (p *parser) endLine() error {
	p.skipSpace(false)
	if p.peek() == '#' {
		p.skipComment()
	}
	if p.peek() == '\r' {
		p.i++
	}
	if p.eof() {
		return nil
	}
	if p.s[p.i] != '\n' {
		return fmt.Errorf("unexpected %q after value", p.s[p.i])
	}
	return nil
}

func (p *parser) document() error {
	for {
		p.skipSpace(true)
		if p.eof() {
			return nil
		}
		var err error
		if p.peek() == '[' {
			err = p.header()
		} else {
			err = p.keyval(p.cur, 0)
		}
		if err != nil {
			return err
		}
		if err := p.endLine(); err != nil {
			return err
		}
	}
}

func (p *parser) header() error {
	p.i++
	array := p.peek() == '['
	if array {
		p.i++
	}
	p.skipSpace(false)
	keys, err := p.key()
	if err != nil {
		return err
	}
	p.skipSpace(false)
	closing := "]"
	if array {
		closing = "]]"
	}
	if !strings.HasPrefix(p.s[p.i:], closing) {
		return fmt.Errorf("table header: want %q", closing)
	}
	p.i += len(closing)
	t := p.root
	for _, k := range keys[:len(keys)-1] {
		if t, err = descend(t, k); err != nil {
			return err
		}
	}
	last := keys[len(keys)-1]
	if array {
		v, ok := t[last]
		if !ok {
			v = []any{}
		}
		arr, ok := v.([]any)
		if !ok {
			return fmt.Errorf("key %q is not an array of tables", last)
		}
		m := map[string]any{}
		t[last] = append(arr, m)
		p.cur = m
		return nil
	}
	m, err := descend(t, last)
	if err != nil {
		return err
	}
	p.cur = m
	return nil
}

// descend returns the table at t[k], creating it; for an array of tables it
// returns the last element.
func descend(t map[string]any, k string) (map[string]any, error) {
	switch v := t[k].(type) {
	case nil:
		m := map[string]any{}
		t[k] = m
		return m, nil
	case map[string]any:
		return v, nil
	case []any:
		if len(v) > 0 {
			if m, ok := v[len(v)-1].(map[string]any); ok {
				return m, nil
			}
		}
	}
	return nil, fmt.Errorf("key %q is not a table", k)
}

func (p *parser) key() ([]string, error) {
	var keys []string
	for {
		p.skipSpace(false)
		var k string
		switch c := p.peek(); {
		case c == '"':
			s, err := p.basicString()
			if err != nil {
				return nil, err
			}
			k = s
		case c == '\'':
			s, err := p.literalString()
			if err != nil {
				return nil, err
			}
			k = s
		default:
			start := p.i
			for !p.eof() && isBare(p.s[p.i]) {
				p.i++
			}
			if p.i == start {
				return nil, fmt.Errorf("want a key, got %q", string(c))
			}
			k = p.s[start:p.i]
		}
		keys = append(keys, k)
		p.skipSpace(false)
		if p.peek() != '.' {
			return keys, nil
		}
		p.i++
	}
}

func isBare(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

func (p *parser) keyval(t map[string]any, depth int) error {
	keys, err := p.key()
	if err != nil {
		return err
	}
	p.skipSpace(false)
	if p.peek() != '=' {
		return fmt.Errorf("want '=' after key %q", strings.Join(keys, "."))
	}
	p.i++
	p.skipSpace(false)
	v, err := p.value(depth)
	if err != nil {
		return fmt.Errorf("key %q: %w", strings.Join(keys, "."), err)
	}
	for _, k := range keys[:len(keys)-1] {
		if t, err = descend(t, k); err != nil {
			return err
		}
	}
	last := keys[len(keys)-1]
	if _, dup := t[last]; dup {
		return fmt.Errorf("duplicate key %q", last)
	}
	t[last] = v
	return nil
}

func (p *parser) value(depth int) (any, error) {
	if depth > MaxDepth {
		return nil, fmt.Errorf("nested deeper than %d", MaxDepth)
	}
	switch c := p.peek(); c {
	case '"':
		return p.basicString()
	case '\'':
		return p.literalString()
	case '[':
		return p.array(depth + 1)
	case '{':
		return p.inlineTable(depth + 1)
	case 0:
		return nil, errors.New("want a value, got end of file")
	}
	start := p.i
	for !p.eof() {
		c := p.s[p.i]
		if c == ',' || c == ']' || c == '}' || c == '#' || c == '\n' || c == '\r' || c == '\t' {
			break
		}
		// A space may separate a date from a time: "1979-05-27 07:32:00".
		if c == ' ' && !(p.i+1 < len(p.s) && p.s[p.i+1] >= '0' && p.s[p.i+1] <= '9' && strings.Count(p.s[start:p.i], "-") == 2 && !strings.Contains(p.s[start:p.i], ":")) {
			break
		}
		p.i++
	}
	tok := p.s[start:p.i]
	switch tok {
	case "":
		return nil, fmt.Errorf("want a value, got %q", string(p.peek()))
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	clean := strings.ReplaceAll(tok, "_", "")
	if n, err := strconv.ParseInt(clean, 0, 64); err == nil {
		return n, nil
	}
	if f, err := strconv.ParseFloat(clean, 64); err == nil {
		return f, nil
	}
	switch clean {
	case "inf", "+inf", "-inf", "nan", "+nan", "-nan":
		return tok, nil
	}
	if tok[0] >= '0' && tok[0] <= '9' {
		return tok, nil // a date or time, kept as written
	}
	return nil, fmt.Errorf("invalid value %q", tok)
}

func (p *parser) array(depth int) ([]any, error) {
	p.i++ // [
	out := []any{}
	for {
		p.skipSpace(true)
		if p.peek() == ']' {
			p.i++
			return out, nil
		}
		v, err := p.value(depth)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		p.skipSpace(true)
		switch p.peek() {
		case ',':
			p.i++
		case ']':
			p.i++
			return out, nil
		default:
			return nil, errors.New("array: want ',' or ']'")
		}
	}
}

func (p *parser) inlineTable(depth int) (map[string]any, error) {
	p.i++ // {
	out := map[string]any{}
	for {
		p.skipSpace(true)
		if p.peek() == '}' {
			p.i++
			return out, nil
		}
		if err := p.keyval(out, depth); err != nil {
			return nil, err
		}
		p.skipSpace(true)
		switch p.peek() {
		case ',':
			p.i++
		case '}':
			p.i++
			return out, nil
		default:
			return nil, errors.New("inline table: want ',' or '}'")
		}
	}
}

func (p *parser) literalString() (string, error) {
	if strings.HasPrefix(p.s[p.i:], "'''") {
		p.i += 3
		end := strings.Index(p.s[p.i:], "'''")
		if end < 0 {
			return "", errors.New("unterminated multi-line literal string")
		}
		s := p.s[p.i : p.i+end]
		p.i += end + 3
		for strings.HasPrefix(p.s[p.i:], "'") && !strings.HasPrefix(p.s[p.i:], "''''") {
			s += "'"
			p.i++
		}
		p.line += strings.Count(s, "\n")
		return trimFirstNewline(s), nil
	}
	p.i++
	end := strings.IndexAny(p.s[p.i:], "'\n")
	if end < 0 || p.s[p.i+end] != '\'' {
		return "", errors.New("unterminated literal string")
	}
	s := p.s[p.i : p.i+end]
	p.i += end + 1
	return s, nil
}

func trimFirstNewline(s string) string {
	if strings.HasPrefix(s, "\r\n") {
		return s[2:]
	}
	return strings.TrimPrefix(s, "\n")
}

func (p *parser) basicString() (string, error) {
	multi := strings.HasPrefix(p.s[p.i:], `"""`)
	if multi {
		p.i += 3
		if strings.HasPrefix(p.s[p.i:], "\r\n") {
			p.i += 2
			p.line++
		} else if p.peek() == '\n' {
			p.i++
			p.line++
		}
	} else {
		p.i++
	}
	var b strings.Builder
	for {
		if p.eof() {
			return "", errors.New("unterminated string")
		}
		c := p.s[p.i]
		switch {
		case c == '"' && !multi:
			p.i++
			return b.String(), nil
		case c == '"' && strings.HasPrefix(p.s[p.i:], `"""`):
			p.i += 3
			// Up to two quotes may end the content: `""""" `.
			for n := 0; n < 2 && p.peek() == '"'; n++ {
				b.WriteByte('"')
				p.i++
			}
			return b.String(), nil
		case c == '\n':
			if !multi {
				return "", errors.New("newline in string")
			}
			p.line++
			b.WriteByte(c)
			p.i++
		case c == '\\':
			p.i++
			if p.eof() {
				return "", errors.New("unterminated string")
			}
			e := p.s[p.i]
			p.i++
			switch e {
			case 'b':
				b.WriteByte('\b')
			case 't':
				b.WriteByte('\t')
			case 'n':
				b.WriteByte('\n')
			case 'f':
				b.WriteByte('\f')
			case 'r':
				b.WriteByte('\r')
			case 'e':
				b.WriteByte(0x1b)
			case '"':
				b.WriteByte('"')
			case '\\':
				b.WriteByte('\\')
			case 'u', 'U':
				n := 4
				if e == 'U' {
					n = 8
				}
				if p.i+n > len(p.s) {
					return "", errors.New("short unicode escape")
				}
				r, err := strconv.ParseUint(p.s[p.i:p.i+n], 16, 32)
				if err != nil || !utf8.ValidRune(rune(r)) {
					return "", fmt.Errorf("invalid unicode escape %q", p.s[p.i:p.i+n])
				}
				b.WriteRune(rune(r))
				p.i += n
			case ' ', '\t', '\r', '\n':
				if !multi {
					return "", fmt.Errorf("invalid escape %q", "\\"+string(e))
				}
				// A line-ending backslash trims all whitespace that follows.
				p.i--
				for !p.eof() && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
					if p.s[p.i] == '\n' {
						p.line++
					}
					p.i++
				}
			default:
				return "", fmt.Errorf("invalid escape %q", "\\"+string(e))
			}
		default:
			b.WriteByte(c)
			p.i++
		}
	}
}

// String returns m[k] as a string, or "".
func String(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

// Table returns m[k] as a table, or nil.
func Table(m map[string]any, k string) map[string]any {
	t, _ := m[k].(map[string]any)
	return t
}

// Tables returns the tables in the array m[k], ignoring other elements.
func Tables(m map[string]any, k string) []map[string]any {
	arr, _ := m[k].([]any)
	out := make([]map[string]any, 0, len(arr))
	for _, v := range arr {
		if t, ok := v.(map[string]any); ok {
			out = append(out, t)
		}
	}
	return out
}

// Strings returns the strings in the array m[k], ignoring other elements.
func Strings(m map[string]any, k string) []string {
	arr, _ := m[k].([]any)
	out := make([]string, 0, len(arr))
	for _, v := range arr {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
