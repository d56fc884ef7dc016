// Package toml reads the TOML lockfiles (poetry.lock, uv.lock, Cargo.lock)
// with github.com/pelletier/go-toml/v2 behind bounds that are checked before
// the library sees the input: the size (MaxSize) and the nesting of arrays and
// inline tables (MaxDepth), measured by one linear pass that skips strings and
// comments. The library decodes recursively, so an input of a million '['
// would otherwise cost a deep stack; the pre-scan makes every input cost
// O(len) before decoding starts.
//
// Values come back as the extractors use them: tables map[string]any, arrays
// (and arrays of tables) []any, strings string, integers int64, floats
// float64, booleans bool, and dates and times as RFC 3339 strings.
package toml

import (
	"errors"
	"fmt"
	"time"

	gotoml "github.com/pelletier/go-toml/v2"
)

// MaxDepth bounds the nesting of arrays and inline tables in a value.
const MaxDepth = 64

// MaxSize bounds the document size. Lockfile extractors read at most this.
const MaxSize = 64 << 20

// ErrTooDeep is returned for values nested deeper than MaxDepth.
var ErrTooDeep = errors.New("toml: nesting deeper than the limit")

// Parse parses a TOML document. See the package doc for the value types.
func Parse(data []byte) (map[string]any, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("toml: document of %d bytes exceeds the %d-byte limit", len(data), MaxSize)
	}
	if line, err := checkDepth(data); err != nil {
		return nil, fmt.Errorf("toml: line %d: %w", line, err)
	}
	var doc map[string]any
	if err := gotoml.Unmarshal(data, &doc); err != nil {
		var de *gotoml.DecodeError
		if errors.As(err, &de) {
			row, _ := de.Position()
			return nil, fmt.Errorf("toml: line %d: %s", row, de.Error())
		}
		return nil, fmt.Errorf("toml: %w", err)
	}
	if doc == nil {
		doc = map[string]any{}
	}
	normalize(doc)
	return doc, nil
}

// checkDepth scans data once and fails when brackets or braces outside
// strings and comments nest deeper than MaxDepth. Table headers ("[a]",
// "[[a]]") count too; they add at most two levels.
func checkDepth(data []byte) (line int, err error) {
	line, depth := 1, 0
	for i := 0; i < len(data); i++ {
		switch c := data[i]; c {
		case '\n':
			line++
		case '#':
			for i < len(data) && data[i] != '\n' {
				i++
			}
			i-- // let the loop see the newline
		case '"', '\'':
			multi := i+2 < len(data) && data[i+1] == c && data[i+2] == c
			if multi {
				i += 3
				for ; i < len(data); i++ {
					if data[i] == '\n' {
						line++
					}
					if c == '"' && data[i] == '\\' {
						i++
						if i < len(data) && data[i] == '\n' {
							line++
						}
						continue
					}
					if i+2 < len(data) && data[i] == c && data[i+1] == c && data[i+2] == c {
						i += 2
						// TOML allows up to two more quotes closing the string.
						for i+1 < len(data) && data[i+1] == c {
							i++
						}
						break
					}
				}
				continue
			}
			for i++; i < len(data) && data[i] != c && data[i] != '\n'; i++ {
				if c == '"' && data[i] == '\\' {
					i++
				}
			}
			if i < len(data) && data[i] == '\n' {
				line++
			}
		case '[', '{':
			depth++
			if depth > MaxDepth {
				return line, ErrTooDeep
			}
		case ']', '}':
			if depth > 0 {
				depth--
			}
		}
	}
	return line, nil
}

// normalize turns the library's date and time values into strings in place,
// so that callers see only the types the package doc lists.
func normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normalize(e)
		}
	case []any:
		for i, e := range x {
			x[i] = normalize(e)
		}
	case time.Time:
		return x.Format(time.RFC3339Nano)
	case gotoml.LocalDate, gotoml.LocalTime, gotoml.LocalDateTime:
		return fmt.Sprint(x)
	}
	return v
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
