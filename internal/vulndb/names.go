package vulndb

import (
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/version"
)

// BaseEcosystem strips an ecosystem's release suffix ("Debian:12" is
// "Debian"); see version.BaseEcosystem.
func BaseEcosystem(eco string) string { return version.BaseEcosystem(eco) }

// NormalizeName returns the name under which a package is indexed in its
// ecosystem: PyPI names by PEP 503 (lower case, runs of '-', '_' and '.'
// become '-'); NuGet, Packagist and Hex names in lower case; every other
// ecosystem's names exactly as written (npm, Go module paths,
// Maven group:artifact, distro source packages).
func NormalizeName(ecosystem, name string) string {
	name = strings.TrimSpace(name)
	switch BaseEcosystem(ecosystem) {
	case "PyPI":
		var b strings.Builder
		sep := false
		for _, r := range strings.ToLower(name) {
			if r == '-' || r == '_' || r == '.' {
				sep = true
				continue
			}
			if sep {
				b.WriteByte('-')
			}
			sep = false
			b.WriteRune(r)
		}
		if sep {
			b.WriteByte('-')
		}
		return b.String()
	case "NuGet", "Packagist", "Hex", "Pub":
		return strings.ToLower(name)
	}
	return name
}

// indexKey is the index key of a package: base ecosystem, NUL, normalised name.
func indexKey(ecosystem, name string) []byte {
	base := BaseEcosystem(ecosystem)
	return []byte(base + "\x00" + NormalizeName(base, name))
}
