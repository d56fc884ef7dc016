package version

import (
	"strings"
)

// semverComparator orders semantic versions leniently, as npm, crates.io,
// Packagist, NuGet and most GitHub advisories write them: a leading "v" is
// ignored, any number of numeric components is allowed (missing ones are
// zero, so NuGet's 1.2.3.4 works), numbers may be arbitrarily large,
// prerelease identifiers follow SemVer 2.0 precedence and build metadata
// is ignored.
type semverComparator struct{}

type semVersion struct {
	nums []string // numeric components, digits only
	pre  []string // prerelease identifiers; nil for a release
}

func parseSemver(s string) (semVersion, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "v"), "V")
	if s == "" {
		return semVersion{}, false
	}
	var v semVersion
	i := 0
	for {
		j := i
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		if j == i {
			return semVersion{}, false
		}
		v.nums = append(v.nums, s[i:j])
		i = j
		if i < len(s) && s[i] == '.' && i+1 < len(s) && isDigit(s[i+1]) {
			i++
			continue
		}
		break
	}
	rest := s[i:]
	if b := strings.IndexByte(rest, '+'); b >= 0 {
		rest = rest[:b]
	}
	if rest == "" {
		return v, true
	}
	switch rest[0] {
	case '-', '.':
		rest = rest[1:]
	}
	if rest == "" {
		return v, true
	}
	v.pre = strings.Split(rest, ".")
	return v, true
}

func (semverComparator) Valid(v string) bool {
	_, ok := parseSemver(v)
	return ok
}

func (semverComparator) Compare(a, b string) (int, error) {
	va, ok := parseSemver(a)
	if !ok {
		return 0, invalid("semver", a, nil)
	}
	vb, ok := parseSemver(b)
	if !ok {
		return 0, invalid("semver", b, nil)
	}
	return va.compare(vb), nil
}

func (a semVersion) compare(b semVersion) int {
	n := max(len(a.nums), len(b.nums))
	for i := 0; i < n; i++ {
		x, y := "0", "0"
		if i < len(a.nums) {
			x = a.nums[i]
		}
		if i < len(b.nums) {
			y = b.nums[i]
		}
		if c := cmpDigits(x, y); c != 0 {
			return c
		}
	}
	return comparePrerelease(a.pre, b.pre)
}

// comparePrerelease applies SemVer 2.0 precedence: a release (no
// identifiers) is newer than any prerelease; numeric identifiers compare as
// numbers and are older than alphanumeric ones, which compare in ASCII
// order; a shorter list that is a prefix of a longer one is older.
func comparePrerelease(a, b []string) int {
	switch {
	case len(a) == 0 && len(b) == 0:
		return 0
	case len(a) == 0:
		return 1
	case len(b) == 0:
		return -1
	}
	for i := 0; i < len(a) && i < len(b); i++ {
		x, y := a[i], b[i]
		dx, dy := allDigits(x), allDigits(y)
		var c int
		switch {
		case dx && dy:
			c = cmpDigits(x, y)
		case dx:
			c = -1
		case dy:
			c = 1
		default:
			c = strings.Compare(x, y)
		}
		if c != 0 {
			return c
		}
	}
	return cmpInt(len(a), len(b))
}
