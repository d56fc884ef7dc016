package version

import (
	"strings"

	pep440 "github.com/aquasecurity/go-pep440-version"
)

// pep440Comparator orders PyPI versions by PEP 440. Versions that PEP 440
// rejects (old "legacy" versions such as "0.9-doduo") are still ordered, as
// packaging's LegacyVersion did: before every valid version, and among
// themselves by setuptools' historical key.
type pep440Comparator struct{}

func (pep440Comparator) Valid(v string) bool {
	return strings.TrimSpace(v) != ""
}

func (pep440Comparator) Compare(a, b string) (int, error) {
	if strings.TrimSpace(a) == "" {
		return 0, invalid("PEP 440", a, nil)
	}
	if strings.TrimSpace(b) == "" {
		return 0, invalid("PEP 440", b, nil)
	}
	va, errA := pep440.Parse(a)
	vb, errB := pep440.Parse(b)
	switch {
	case errA == nil && errB == nil:
		return va.Compare(vb), nil
	case errA == nil:
		return 1, nil // a valid version is newer than a legacy one
	case errB == nil:
		return -1, nil
	}
	return compareLegacyKeys(legacyKey(a), legacyKey(b)), nil
}

var legacyReplace = map[string]string{"pre": "c", "preview": "c", "-": "final-", "rc": "c", "dev": "@"}

// legacyKey is packaging's _legacy_cmpkey without the constant epoch.
func legacyKey(v string) []string {
	v = strings.ToLower(v)
	var raw []string
	pending := ""
	flush := func() {
		if pending != "" {
			raw = append(raw, pending)
			pending = ""
		}
	}
	for i := 0; i < len(v); {
		c := v[i]
		j := i + 1
		switch {
		case isDigit(c):
			for j < len(v) && isDigit(v[j]) {
				j++
			}
		case c >= 'a' && c <= 'z':
			for j < len(v) && v[j] >= 'a' && v[j] <= 'z' {
				j++
			}
		case c == '.' || c == '-':
		default:
			pending += string(c)
			i = j
			continue
		}
		flush()
		raw = append(raw, v[i:j])
		i = j
	}
	flush()
	var parts []string
	emit := func(part string) {
		if strings.HasPrefix(part, "*") {
			if part < "*final" {
				for len(parts) > 0 && parts[len(parts)-1] == "*final-" {
					parts = parts[:len(parts)-1]
				}
			}
			for len(parts) > 0 && parts[len(parts)-1] == "00000000" {
				parts = parts[:len(parts)-1]
			}
		}
		parts = append(parts, part)
	}
	for _, p := range raw {
		if r, ok := legacyReplace[p]; ok {
			p = r
		}
		if p == "" || p == "." {
			continue
		}
		if isDigit(p[0]) {
			for len(p) < 8 {
				p = "0" + p
			}
			emit(p)
		} else {
			emit("*" + p)
		}
	}
	emit("*final")
	return parts
}

func compareLegacyKeys(a, b []string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := strings.Compare(a[i], b[i]); c != 0 {
			return c
		}
	}
	return cmpInt(len(a), len(b))
}
