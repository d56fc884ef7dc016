package secret

// prefilter finds every occurrence of the rules' keywords in one pass over
// the input, case-insensitively and without copying it.
//
// Keywords are at least minKeyword (3) bytes long. Each input byte maps to a
// 5-bit class (the 26 letters, either case, get their own; digits and
// punctuation share a few), so the three bytes starting at a position form a
// 15-bit code that indexes a 32 Ki-bit bitmap (4 KiB, it stays in L1 cache)
// of the keywords' leading codes. Positions are independent of each other,
// so the loop pipelines well (unlike an Aho-Corasick DFA, whose next state
// depends on the last); only at the few positions whose code is set are the
// keywords starting with it compared.
type prefilter struct {
	bits    [1 << 9]uint64 // 32768 bits
	headIdx [1 << 15]uint16
	heads   [][]int32 // heads[headIdx[code]]; heads[0] is empty
	kws     []string
	kwLen   []int
}

// minKeyword is the shortest keyword the prefilter accepts.
const minKeyword = 3

// hit is one keyword occurrence: the keyword index and the offset just past
// its last byte.
type hit struct {
	kw  int32
	end int32
}

// fold lower-cases ASCII letters.
var fold = func() (t [256]byte) {
	for i := range t {
		t[i] = byte(i)
		if 'A' <= i && i <= 'Z' {
			t[i] = byte(i + 'a' - 'A')
		}
	}
	return t
}()

// class5 maps a byte to its 5-bit class: letters 1..26 (case-folded), then
// a few groups for the rest.
var class5 = func() (t [256]byte) {
	for i := range t {
		c := byte(i)
		switch {
		case 'a' <= c && c <= 'z':
			t[i] = c - 'a' + 1
		case 'A' <= c && c <= 'Z':
			t[i] = c - 'A' + 1
		case '0' <= c && c <= '9':
			t[i] = 27
		case c == '_' || c == '-':
			t[i] = 28
		case c == '.' || c == ':' || c == '/':
			t[i] = 29
		case c == '$' || c == '{' || c == '"' || c == '~':
			t[i] = 30
		default:
			t[i] = 31
		}
	}
	return t
}()

func code3(a, b, c byte) uint32 {
	return uint32(class5[a])<<10 | uint32(class5[b])<<5 | uint32(class5[c])
}

// newPrefilter indexes keywords (lower-case, at least minKeyword bytes;
// shorter ones are ignored, New never passes them).
func newPrefilter(keywords []string) *prefilter {
	p := &prefilter{heads: [][]int32{nil}, kws: keywords, kwLen: make([]int, len(keywords))}
	for i, kw := range keywords {
		p.kwLen[i] = len(kw)
		if len(kw) < minKeyword {
			continue
		}
		c := code3(kw[0], kw[1], kw[2])
		p.bits[c>>6] |= 1 << (c & 63)
		if p.headIdx[c] == 0 {
			p.heads = append(p.heads, nil)
			p.headIdx[c] = uint16(len(p.heads) - 1)
		}
		h := p.headIdx[c]
		p.heads[h] = append(p.heads[h], int32(i))
	}
	return p
}

// scan appends every keyword occurrence in buf to hits, in order of start
// offset, and returns the slice. At most limit hits are recorded (limit <= 0
// means no limit); the bool reports whether the limit cut the list.
func (p *prefilter) scan(buf []byte, hits []hit, limit int) ([]hit, bool) {
	if len(buf) < minKeyword {
		return hits, false
	}
	bits := &p.bits
	// Each code is built from three loads rather than rolled from the last
	// one: no value is carried from one iteration to the next, so the CPU
	// overlaps iterations.
	for i := 2; i < len(buf); i++ {
		c := uint32(class5[buf[i-2]])<<10 | uint32(class5[buf[i-1]])<<5 | uint32(class5[buf[i]])
		if bits[(c>>6)&511]&(1<<(c&63)) == 0 {
			continue
		}
		start := i - 2
		for _, k := range p.heads[p.headIdx[c]] {
			kw := p.kws[k]
			end := start + len(kw)
			if end > len(buf) || !equalFoldLower(buf[start:end], kw) {
				continue
			}
			if limit > 0 && len(hits) >= limit {
				return hits, true
			}
			hits = append(hits, hit{kw: k, end: int32(end)})
		}
	}
	return hits, false
}

// equalFoldLower compares b, folded to lower case, with the lower-case s.
func equalFoldLower(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if fold[b[i]] != s[i] {
			return false
		}
	}
	return true
}
