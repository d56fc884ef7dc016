package version

import (
	"strings"
)

// gemComparator orders RubyGems versions with the Gem::Version algorithm:
// the version is split into runs of digits and runs of letters, a "-" means
// ".pre.", trailing zeros of the release part and of the prerelease part
// are dropped, and segments compare pairwise, a missing one counting as 0,
// numbers as numbers (of any length), strings in byte order and a string
// older than a number.
type gemComparator struct{}

type gemSegment struct {
	s   string
	num bool
}

func (gemComparator) Valid(v string) bool {
	_, ok := gemSegments(v)
	return ok
}

func (gemComparator) Compare(a, b string) (int, error) {
	sa, ok := gemSegments(a)
	if !ok {
		return 0, invalid("RubyGems", a, nil)
	}
	sb, ok := gemSegments(b)
	if !ok {
		return 0, invalid("RubyGems", b, nil)
	}
	zero := gemSegment{s: "0", num: true}
	for i := 0; i < len(sa) || i < len(sb); i++ {
		x, y := zero, zero
		if i < len(sa) {
			x = sa[i]
		}
		if i < len(sb) {
			y = sb[i]
		}
		switch {
		case x.num && y.num:
			if c := cmpDigits(x.s, y.s); c != 0 {
				return c, nil
			}
		case x.num:
			return 1, nil
		case y.num:
			return -1, nil
		default:
			if c := strings.Compare(x.s, y.s); c != 0 {
				return c, nil
			}
		}
	}
	return 0, nil
}

// gemSegments returns Gem::Version#canonical_segments. A version must start
// with a digit and hold only letters, digits, '.' and '-'; an empty one is
// "0", as Gem::Version.new("") is.
func gemSegments(v string) ([]gemSegment, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		v = "0"
	}
	if !isDigit(v[0]) {
		return nil, false
	}
	var segs []gemSegment
	for i := 0; i < len(v); {
		c := v[i]
		switch {
		case isDigit(c):
			j := i
			for j < len(v) && isDigit(v[j]) {
				j++
			}
			segs = append(segs, gemSegment{s: v[i:j], num: true})
			i = j
		case isAlpha(c):
			j := i
			for j < len(v) && isAlpha(v[j]) {
				j++
			}
			segs = append(segs, gemSegment{s: v[i:j]})
			i = j
		case c == '-':
			segs = append(segs, gemSegment{s: "pre"})
			i++
		case c == '.':
			i++
		default:
			return nil, false
		}
	}
	// Split at the first string segment and drop trailing zeros of each part.
	split := len(segs)
	for i, s := range segs {
		if !s.num {
			split = i
			break
		}
	}
	out := trimZeros(segs[:split])
	return append(out, trimZeros(segs[split:])...), true
}

func trimZeros(segs []gemSegment) []gemSegment {
	n := len(segs)
	for n > 0 && segs[n-1].num && strings.Trim(segs[n-1].s, "0") == "" {
		n--
	}
	return append([]gemSegment(nil), segs[:n]...)
}
