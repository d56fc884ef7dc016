package rules

import (
	"encoding/base64"
	"strings"
)

// globMatch reports whether s matches a shell pattern: * (any run, '/'
// included, as Falco's fnmatch without FNM_PATHNAME), ? (one byte), [set]
// ([a-z], [!x] / [^x]) and \ escapes. It runs in O(len(p)*len(s)).
func globMatch(p, s string) bool {
	px, sx := 0, 0
	nextPx, nextSx := -1, -1
	for px < len(p) || sx < len(s) {
		if px < len(p) {
			switch c := p[px]; c {
			case '*':
				nextPx, nextSx = px, sx+1
				px++
				continue
			case '?':
				if sx < len(s) {
					px++
					sx++
					continue
				}
			case '[':
				if sx < len(s) {
					if ok, width, valid := matchClass(p[px:], s[sx]); valid && ok {
						px += width
						sx++
						continue
					} else if !valid && s[sx] == '[' {
						px++
						sx++
						continue
					}
				}
			case '\\':
				if px+1 < len(p) && sx < len(s) && s[sx] == p[px+1] {
					px += 2
					sx++
					continue
				}
			default:
				if sx < len(s) && s[sx] == c {
					px++
					sx++
					continue
				}
			}
		}
		if nextSx > 0 && nextSx <= len(s) {
			px, sx = nextPx, nextSx
			continue
		}
		return false
	}
	return true
}

// matchClass matches one byte against a [..] class at the start of p. It
// returns whether it matched, the width of the class, and whether the class is well formed.
func matchClass(p string, c byte) (matched bool, width int, valid bool) {
	i := 1
	neg := false
	if i < len(p) && (p[i] == '!' || p[i] == '^') {
		neg = true
		i++
	}
	first := true
	for i < len(p) {
		if p[i] == ']' && !first {
			return matched != neg, i + 1, true
		}
		first = false
		lo := p[i]
		i++
		hi := lo
		if i+1 < len(p) && p[i] == '-' && p[i+1] != ']' {
			hi = p[i+1]
			i += 2
		}
		if lo <= c && c <= hi {
			matched = true
		}
	}
	return false, 0, false
}

// pathPrefixMatch reports whether name is prefix or below it (pmatch).
func pathPrefixMatch(prefix, name string) bool {
	if prefix == "" {
		return false
	}
	p := strings.TrimSuffix(prefix, "/")
	if p == "" { // "/" matches every absolute path
		return strings.HasPrefix(name, "/")
	}
	return name == p || (strings.HasPrefix(name, p) && len(name) > len(p) && name[len(p)] == '/')
}

func b64decode(s string) (string, bool) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return string(b), true
		}
	}
	return "", false
}
