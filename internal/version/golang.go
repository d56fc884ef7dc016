package version

import (
	"strings"

	"golang.org/x/mod/semver"
)

// goComparator orders Go module versions with golang.org/x/mod/semver.
// The "v" prefix that OSV records leave out is added, "+incompatible" is
// ignored like any build suffix, pseudo-versions order as the prereleases
// they are, and Go toolchain versions ("go1.21", "go1.21rc2", "1.21") are
// turned into semantic versions ("v1.21.0", "v1.21.0-rc.2").
type goComparator struct{}

// canonicalGo returns v as a canonical Go semantic version, or "".
func canonicalGo(v string) string {
	v = strings.TrimSpace(v)
	v = strings.TrimPrefix(v, "go")
	if !strings.HasPrefix(v, "v") {
		v = "v" + v
	}
	if semver.IsValid(v) {
		return semver.Canonical(v)
	}
	// Toolchain forms: v1.21rc2, v1.21beta1, v1.21.0rc1.
	for _, tag := range []string{"rc", "beta", "alpha"} {
		if i := strings.Index(v, tag); i > 0 && allDigits(v[i+len(tag):]) {
			base := semver.Canonical(v[:i])
			if base == "" {
				return ""
			}
			return base + "-" + tag + "." + v[i+len(tag):]
		}
	}
	return ""
}

func (goComparator) Valid(v string) bool { return canonicalGo(v) != "" }

func (goComparator) Compare(a, b string) (int, error) {
	ca := canonicalGo(a)
	if ca == "" {
		return 0, invalid("Go", a, nil)
	}
	cb := canonicalGo(b)
	if cb == "" {
		return 0, invalid("Go", b, nil)
	}
	return semver.Compare(ca, cb), nil
}
