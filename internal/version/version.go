// Package version compares package versions the way each packaging
// ecosystem orders them: dpkg for Debian and Ubuntu, apk for Alpine, Wolfi
// and Chainguard, rpm for the Red Hat family and SUSE, semantic versions for
// npm, crates.io, Packagist and NuGet, Go module versions, PEP 440 for PyPI,
// Maven's ComparableVersion and RubyGems' Gem::Version.
//
// Every comparator sits behind the small Comparator interface, and For maps
// an OSV ecosystem name (with or without a release suffix such as
// "Debian:12" or "Alpine:v3.18") to the right one.
package version

import (
	"errors"
	"fmt"
	"strings"
)

// Comparator orders the versions of one ecosystem.
type Comparator interface {
	// Compare returns -1, 0 or +1 as a is older than, the same as or newer
	// than b. It returns an error when either version cannot be read.
	Compare(a, b string) (int, error)
	// Valid reports whether v is a version this comparator can read.
	Valid(v string) bool
}

// ErrInvalid is wrapped by every Compare error about an unreadable version.
var ErrInvalid = errors.New("invalid version")

func invalid(scheme, v string, cause error) error {
	if cause != nil {
		return fmt.Errorf("parse %s version %q: %w: %v", scheme, v, ErrInvalid, cause)
	}
	return fmt.Errorf("parse %s version %q: %w", scheme, v, ErrInvalid)
}

// The comparators, one per version scheme. They hold no state and are safe
// for concurrent use.
var (
	Dpkg   Comparator = dpkgComparator{}
	APK    Comparator = apkComparator{}
	RPM    Comparator = rpmComparator{}
	SemVer Comparator = semverComparator{}
	Go     Comparator = goComparator{}
	PEP440 Comparator = pep440Comparator{}
	Maven  Comparator = mavenComparator{}
	Gem    Comparator = gemComparator{}
)

// schemes maps an ecosystem name, without its release suffix, to its
// comparator. It is an explicit list: there is no registration.
var schemes = map[string]Comparator{
	"Debian":      Dpkg,
	"Ubuntu":      Dpkg,
	"Alpine":      APK,
	"Wolfi":       APK,
	"Chainguard":  APK,
	"Red Hat":     RPM,
	"AlmaLinux":   RPM,
	"Rocky Linux": RPM,
	"SUSE":        RPM,
	"openSUSE":    RPM,
	"Mageia":      RPM,
	"openEuler":   RPM,
	"Go":          Go,
	"npm":         SemVer,
	"crates.io":   SemVer,
	"Packagist":   SemVer,
	"NuGet":       SemVer,
	"Hex":         SemVer,
	"Pub":         SemVer,
	"SwiftURL":    SemVer,
	"PyPI":        PEP440,
	"Maven":       Maven,
	"RubyGems":    Gem,
}

// BaseEcosystem strips an OSV ecosystem's release suffix: "Debian:12" is
// "Debian", "Alpine:v3.18" is "Alpine", "Red Hat:rhel_aus:8.6::appstream"
// is "Red Hat". SUSE's long product names ("SUSE Linux Enterprise Server
// 15 SP5") and "openSUSE Leap 15.5" map to "SUSE" and "openSUSE"; "Ubuntu
// Pro" variants map to "Ubuntu".
func BaseEcosystem(eco string) string {
	base, _, _ := strings.Cut(eco, ":")
	base = strings.TrimSpace(base)
	switch {
	case strings.HasPrefix(base, "openSUSE"):
		return "openSUSE"
	case strings.HasPrefix(base, "SUSE"):
		return "SUSE"
	case strings.HasPrefix(base, "Ubuntu"):
		return "Ubuntu"
	}
	return base
}

// For returns the comparator of an OSV ecosystem, such as "Debian:12",
// "PyPI" or "Alpine:v3.18". It reports false for an ecosystem it does not
// know.
func For(ecosystem string) (Comparator, bool) {
	c, ok := schemes[BaseEcosystem(ecosystem)]
	return c, ok
}

// cmpInt compares two ints.
func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// cmpDigits compares two strings of ASCII digits of any length as numbers.
func cmpDigits(a, b string) int {
	a = strings.TrimLeft(a, "0")
	b = strings.TrimLeft(b, "0")
	if c := cmpInt(len(a), len(b)); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}
