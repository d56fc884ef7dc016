package version

import (
	"strings"

	mvn "github.com/masahiro331/go-mvn-version"
)

// mavenComparator orders Maven versions as Maven's ComparableVersion does.
type mavenComparator struct{}

func (mavenComparator) Valid(v string) bool {
	if strings.TrimSpace(v) == "" {
		return false
	}
	_, err := mvn.NewVersion(v)
	return err == nil
}

func (mavenComparator) Compare(a, b string) (int, error) {
	if strings.TrimSpace(a) == "" {
		return 0, invalid("Maven", a, nil)
	}
	if strings.TrimSpace(b) == "" {
		return 0, invalid("Maven", b, nil)
	}
	a, b = mavenNormalize(a), mavenNormalize(b)
	va, err := mvn.NewVersion(a)
	if err != nil {
		return 0, invalid("Maven", a, err)
	}
	vb, err := mvn.NewVersion(b)
	if err != nil {
		return 0, invalid("Maven", b, err)
	}
	return va.Compare(vb), nil
}

// mavenNormalize drops the release qualifiers "ga", "final" and "release"
// where they stand alone between dashes ("1-ga-1" is "1-1"), as current
// Maven's ComparableVersion treats them; the library only does so at the
// end of a version.
func mavenNormalize(v string) string {
	parts := strings.Split(v, "-")
	if len(parts) < 3 {
		return v
	}
	out := parts[:1]
	for i, p := range parts[1:] {
		last := i == len(parts)-2
		switch strings.ToLower(p) {
		case "ga", "final", "release":
			if !last {
				continue
			}
		}
		out = append(out, p)
	}
	return strings.Join(out, "-")
}
