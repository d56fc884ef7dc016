package version

import (
	"strings"
)

// apkComparator orders Alpine, Wolfi and Chainguard versions:
// number{.number}...{letter}{_suffix{number}}...{~hash}{-r#}. Numbers may
// be of any length; a non-first component with a leading zero compares as
// a string (as apk does for "fractional" parts); suffixes rank alpha < beta
// < pre < rc < (none) < cvs < svn < git < hg < p; the commit hash is
// ignored. A version with an unreadable tail sorts before the same version
// without it, and two unreadable versions compare as strings.
type apkComparator struct{}

type apkVersion struct {
	original  string
	nums      []string // digits; "" counts as 0
	letter    byte
	suffixes  []apkSuffix
	build     string // digits after -r; "" counts as 0
	remainder string
	invalid   bool
}

type apkSuffix struct {
	rank int
	num  string
}

var apkSuffixRanks = map[string]int{
	"alpha": 0, "beta": 1, "pre": 2, "rc": 3, "cvs": 5, "svn": 6, "git": 7, "hg": 8, "p": 9,
}

const apkNoSuffix = 4

func parseAPK(s string) apkVersion {
	v := apkVersion{original: s}
	// Numeric components: runs of digits each followed by an optional dot.
	i := 0
	for i < len(s) && isDigit(s[i]) {
		j := i
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		v.nums = append(v.nums, s[i:j])
		i = j
		if i < len(s) && s[i] == '.' {
			i++
			if i >= len(s) || !isDigit(s[i]) {
				v.nums = append(v.nums, "") // a trailing dot makes an empty component
			}
		}
	}
	s = s[i:]
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		v.letter = s[0]
		s = s[1:]
	}
	for strings.HasPrefix(s, "_") {
		j := 1
		for j < len(s) && s[j] >= 'a' && s[j] <= 'z' {
			j++
		}
		name := s[1:j]
		// The longest known suffix that starts the letters.
		rank, n := -1, 0
		for k, r := range apkSuffixRanks {
			if strings.HasPrefix(name, k) && len(k) > n {
				rank, n = r, len(k)
			}
		}
		if rank < 0 {
			break
		}
		k := 1 + n
		d := k
		for d < len(s) && isDigit(s[d]) {
			d++
		}
		v.suffixes = append(v.suffixes, apkSuffix{rank: rank, num: s[k:d]})
		s = s[d:]
	}
	if strings.HasPrefix(s, "~") {
		j := 1
		for j < len(s) && (isDigit(s[j]) || s[j] >= 'a' && s[j] <= 'f') {
			j++
		}
		if j > 1 {
			s = s[j:]
		}
	}
	if s != "" {
		if !strings.HasPrefix(s, "-r") {
			v.invalid = true
			v.remainder = s
			return v
		}
		j := 2
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		v.build = s[2:j]
		s = s[j:]
	}
	v.remainder = s
	return v
}

func (v apkVersion) compare(w apkVersion) int {
	if v.invalid && w.invalid {
		return strings.Compare(v.original, w.original)
	}
	for i := 0; i < len(v.nums) || i < len(w.nums); i++ {
		x, y := "0", "0"
		xi, yi := 0, 0
		if i < len(v.nums) {
			x, xi = v.nums[i], i
		}
		if i < len(w.nums) {
			y, yi = w.nums[i], i
		}
		var c int
		if xi != 0 && yi != 0 && (strings.HasPrefix(x, "0") || strings.HasPrefix(y, "0")) {
			c = strings.Compare(x, y)
		} else {
			c = cmpDigits(x, y)
		}
		if c != 0 {
			return c
		}
	}
	switch {
	case v.letter == 0 && w.letter != 0:
		return -1
	case v.letter != 0 && w.letter == 0:
		return 1
	case v.letter != w.letter:
		return cmpInt(int(v.letter), int(w.letter))
	}
	for i := 0; i < len(v.suffixes) || i < len(w.suffixes); i++ {
		x, y := apkSuffix{rank: apkNoSuffix}, apkSuffix{rank: apkNoSuffix}
		if i < len(v.suffixes) {
			x = v.suffixes[i]
		}
		if i < len(w.suffixes) {
			y = w.suffixes[i]
		}
		if c := cmpInt(x.rank, y.rank); c != 0 {
			return c
		}
		if c := cmpDigits(x.num, y.num); c != 0 {
			return c
		}
	}
	if c := cmpDigits(v.build, w.build); c != 0 {
		return c
	}
	switch {
	case v.remainder == "" && w.remainder != "":
		return 1
	case v.remainder != "" && w.remainder == "":
		return -1
	}
	return 0
}

// Valid reports whether v is a well-formed apk version (no unreadable tail).
func (apkComparator) Valid(v string) bool {
	if v == "" || !isDigit(v[0]) {
		return false
	}
	p := parseAPK(v)
	return !p.invalid && p.remainder == ""
}

func (apkComparator) Compare(a, b string) (int, error) {
	if a == "" {
		return 0, invalid("apk", a, nil)
	}
	if b == "" {
		return 0, invalid("apk", b, nil)
	}
	return parseAPK(a).compare(parseAPK(b)), nil
}
