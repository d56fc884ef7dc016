package vulndb

import (
	"bytes"
	"errors"
	"fmt"
)

// jscan is a small strict JSON scanner for NVD pages: it walks objects and
// arrays, hands the values bulkhead needs to encoding/json, and skips the
// rest (descriptions, configurations, references: most of each record)
// several times faster than encoding/json skips them, checking the syntax
// as it goes. Nesting is bounded.
type jscan struct {
	b     []byte
	i     int
	depth int
}

const maxJSONDepth = 512

var errJSON = errors.New("invalid JSON")

func (s *jscan) fail(what string) error {
	return fmt.Errorf("%w at byte %d: %s", errJSON, s.i, what)
}

func (s *jscan) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek returns the next non-space byte, or 0 at the end.
func (s *jscan) peek() byte {
	s.ws()
	if s.i >= len(s.b) {
		return 0
	}
	return s.b[s.i]
}

func (s *jscan) expect(c byte) error {
	if s.peek() != c {
		return s.fail(fmt.Sprintf("want %q", c))
	}
	s.i++
	return nil
}

// str scans a string and returns its raw content (escapes kept).
func (s *jscan) str() ([]byte, error) {
	if s.peek() != '"' {
		return nil, s.fail("want a string")
	}
	s.i++
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			out := s.b[start:s.i]
			s.i++
			return out, nil
		case c == '\\':
			if s.i+1 >= len(s.b) {
				return nil, s.fail("unterminated escape")
			}
			switch s.b[s.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i += 2
			case 'u':
				if s.i+6 > len(s.b) {
					return nil, s.fail("short \\u escape")
				}
				for _, h := range s.b[s.i+2 : s.i+6] {
					if !(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F') {
						return nil, s.fail("bad \\u escape")
					}
				}
				s.i += 6
			default:
				return nil, s.fail("bad escape")
			}
		case c < 0x20:
			return nil, s.fail("control character in a string")
		default:
			s.i++
		}
	}
	return nil, s.fail("unterminated string")
}

// value skips one value and returns its bytes.
func (s *jscan) value() ([]byte, error) {
	c := s.peek()
	start := s.i
	switch {
	case c == '{':
		if err := s.object(func(key []byte) error { _, err := s.value(); return err }); err != nil {
			return nil, err
		}
	case c == '[':
		if err := s.array(func() error { _, err := s.value(); return err }); err != nil {
			return nil, err
		}
	case c == '"':
		if _, err := s.str(); err != nil {
			return nil, err
		}
	case c == 't':
		if !bytes.HasPrefix(s.b[s.i:], []byte("true")) {
			return nil, s.fail("bad literal")
		}
		s.i += 4
	case c == 'f':
		if !bytes.HasPrefix(s.b[s.i:], []byte("false")) {
			return nil, s.fail("bad literal")
		}
		s.i += 5
	case c == 'n':
		if !bytes.HasPrefix(s.b[s.i:], []byte("null")) {
			return nil, s.fail("bad literal")
		}
		s.i += 4
	case c == '-' || c >= '0' && c <= '9':
		if err := s.number(); err != nil {
			return nil, err
		}
	default:
		return nil, s.fail("want a value")
	}
	return s.b[start:s.i], nil
}

// object walks an object, calling fn with each key; fn must consume the
// value.
func (s *jscan) object(fn func(key []byte) error) error {
	if err := s.expect('{'); err != nil {
		return err
	}
	s.depth++
	if s.depth > maxJSONDepth {
		return s.fail("nested too deep")
	}
	defer func() { s.depth-- }()
	if s.peek() == '}' {
		s.i++
		return nil
	}
	for {
		key, err := s.str()
		if err != nil {
			return err
		}
		if err := s.expect(':'); err != nil {
			return err
		}
		if err := fn(key); err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			return nil
		default:
			return s.fail("want , or }")
		}
	}
}

// array walks an array, calling fn for each element; fn must consume it.
func (s *jscan) array(fn func() error) error {
	if err := s.expect('['); err != nil {
		return err
	}
	s.depth++
	if s.depth > maxJSONDepth {
		return s.fail("nested too deep")
	}
	defer func() { s.depth-- }()
	if s.peek() == ']' {
		s.i++
		return nil
	}
	for {
		if err := fn(); err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.i++
		case ']':
			s.i++
			return nil
		default:
			return s.fail("want , or ]")
		}
	}
}

// end checks that nothing but space follows.
func (s *jscan) end() error {
	s.ws()
	if s.i < len(s.b) {
		return s.fail("data after the value")
	}
	return nil
}

// number scans a number by JSON's grammar:
// -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
func (s *jscan) number() error {
	digits := func() int {
		n := 0
		for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
			s.i++
			n++
		}
		return n
	}
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	switch {
	case s.i < len(s.b) && s.b[s.i] == '0':
		s.i++
	case s.i < len(s.b) && s.b[s.i] >= '1' && s.b[s.i] <= '9':
		digits()
	default:
		return s.fail("bad number")
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if digits() == 0 {
			return s.fail("bad number")
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if digits() == 0 {
			return s.fail("bad number")
		}
	}
	return nil
}
