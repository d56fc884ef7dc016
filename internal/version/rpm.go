package version

import "strings"

// rpmComparator orders rpm versions ([epoch:]version[-release]) with rpm's
// rpmvercmp, including the ~ (sorts before anything) and ^ (sorts after the
// base version but before any longer version) operators. An epoch is only
// read when the part before the first colon is all digits; a missing epoch
// is 0. A version without a release sorts before the same version with one.
type rpmComparator struct{}

type rpmVersion struct{ epoch, version, release string }

func parseRPM(s string) rpmVersion {
	epoch, rest, ok := strings.Cut(s, ":")
	if !ok || !allDigits(epoch) {
		epoch, rest = "0", s
	}
	ver, rel, hasRel := strings.Cut(rest, "-")
	if hasRel {
		rel = "-" + rel // keep "1-" apart from "1"
	}
	return rpmVersion{epoch, ver, rel}
}

func (rpmComparator) Valid(v string) bool { return strings.TrimSpace(v) != "" }

func (rpmComparator) Compare(a, b string) (int, error) {
	if strings.TrimSpace(a) == "" {
		return 0, invalid("rpm", a, nil)
	}
	if strings.TrimSpace(b) == "" {
		return 0, invalid("rpm", b, nil)
	}
	va, vb := parseRPM(a), parseRPM(b)
	if c := rpmvercmp(va.epoch, vb.epoch); c != 0 {
		return c, nil
	}
	if c := rpmvercmp(va.version, vb.version); c != 0 {
		return c, nil
	}
	return rpmvercmp(va.release, vb.release), nil
}

func rpmSeparator(c byte) bool { return !isDigit(c) && !isAlpha(c) && c != '~' && c != '^' }

// rpmvercmp compares two version segments as rpm does.
func rpmvercmp(a, b string) int {
	if a == b {
		return 0
	}
	switch {
	case a == "":
		return -1
	case b == "":
		return 1
	}
	i, j := 0, 0
	for {
		for i < len(a) && rpmSeparator(a[i]) {
			i++
		}
		for j < len(b) && rpmSeparator(b[j]) {
			j++
		}
		ta, tb := i < len(a) && a[i] == '~', j < len(b) && b[j] == '~'
		if ta || tb {
			if ta && tb {
				i, j = i+1, j+1
				continue
			}
			if ta {
				return -1
			}
			return 1
		}
		ca, cb := i < len(a) && a[i] == '^', j < len(b) && b[j] == '^'
		if ca || cb {
			switch {
			case ca && cb:
				i, j = i+1, j+1
				continue
			case ca:
				if j == len(b) {
					return 1
				}
				return -1
			default:
				if i == len(a) {
					return -1
				}
				return 1
			}
		}
		if i == len(a) || j == len(b) {
			break
		}
		numeric := isDigit(a[i])
		run := isAlpha
		if numeric {
			run = isDigit
		}
		si, sj := i, j
		for i < len(a) && run(a[i]) {
			i++
		}
		for j < len(b) && run(b[j]) {
			j++
		}
		x, y := a[si:i], b[sj:j]
		if y == "" {
			if numeric {
				return 1
			}
			return -1
		}
		var c int
		if numeric {
			c = cmpDigits(x, y)
		} else {
			c = strings.Compare(x, y)
		}
		if c != 0 {
			return c
		}
	}
	return cmpInt(len(a)-i, len(b)-j)
}
