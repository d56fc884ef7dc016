package version

import (
	deb "github.com/knqyf263/go-deb-version"
)

// dpkgComparator orders Debian and Ubuntu versions ([epoch:]upstream[-revision]).
type dpkgComparator struct{}

func (dpkgComparator) Valid(v string) bool { return deb.Valid(v) }

func (dpkgComparator) Compare(a, b string) (int, error) {
	va, err := deb.NewVersion(a)
	if err != nil {
		return 0, invalid("dpkg", a, err)
	}
	vb, err := deb.NewVersion(b)
	if err != nil {
		return 0, invalid("dpkg", b, err)
	}
	return sign(va.Compare(vb)), nil
}

func sign(c int) int {
	switch {
	case c < 0:
		return -1
	case c > 0:
		return 1
	}
	return 0
}
