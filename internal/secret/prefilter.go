package secret

// prefilter is a case-insensitive Aho-Corasick automaton over the rules'
// keywords, compiled to a dense DFA over byte classes so that the hot loop is
// one table load per input byte and no copy of the input is made.
//
// Keywords are ASCII lower-case; input bytes are folded to lower case through
// the byte-class table, so "AKIA" and "akia" both hit the keyword "akia".
type prefilter struct {
	// class maps an input byte to its equivalence class (0 = a byte that
	// appears in no keyword).
	class [256]uint8
	// stride is the number of classes; trans[s+class] is the next state,
	// pre-multiplied by stride, with matchFlag set when that state has output.
	stride int
	trans  []int32
	// out lists, per state (indexed by state/stride), the keyword indexes
	// that end there, including those inherited through suffix links.
	out [][]int32
	// kwLen is the byte length of each keyword.
	kwLen []int
}

const matchFlag = int32(1) << 30

// hit is one keyword occurrence: the keyword index and the offset just past
// its last byte.
type hit struct {
	kw  int32
	end int32
}

func lowerASCII(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + ('a' - 'A')
	}
	return b
}

// newPrefilter builds the automaton. Empty keywords are ignored.
func newPrefilter(keywords []string) *prefilter {
	p := &prefilter{kwLen: make([]int, len(keywords))}
	// Byte classes: each distinct (lower-cased) keyword byte gets a class;
	// upper-case letters share their lower-case letter's class.
	nclass := 1
	for i, kw := range keywords {
		p.kwLen[i] = len(kw)
		for j := 0; j < len(kw); j++ {
			b := lowerASCII(kw[j])
			if p.class[b] == 0 {
				if nclass == 255 {
					// Cannot happen with < 255 distinct bytes; fold the rest
					// into one class, which only adds false prefilter hits.
					p.class[b] = 254
					continue
				}
				p.class[b] = uint8(nclass)
				nclass++
			}
		}
	}
	for b := 'A'; b <= 'Z'; b++ {
		p.class[b] = p.class[b+('a'-'A')]
	}
	p.stride = nclass

	// Trie with goto function.
	type node struct {
		next []int32 // by class, -1 when absent
		fail int32
		out  []int32
	}
	newNode := func() node {
		n := node{next: make([]int32, nclass)}
		for i := range n.next {
			n.next[i] = -1
		}
		return n
	}
	nodes := []node{newNode()}
	for i, kw := range keywords {
		if kw == "" {
			continue
		}
		s := int32(0)
		for j := 0; j < len(kw); j++ {
			c := p.class[lowerASCII(kw[j])]
			if nodes[s].next[c] < 0 {
				nodes = append(nodes, newNode())
				nodes[s].next[c] = int32(len(nodes) - 1)
			}
			s = nodes[s].next[c]
		}
		nodes[s].out = append(nodes[s].out, int32(i))
	}
	// Breadth-first: failure links, inherited outputs, full DFA transitions.
	queue := make([]int32, 0, len(nodes))
	for c := 0; c < nclass; c++ {
		if t := nodes[0].next[c]; t >= 0 {
			nodes[t].fail = 0
			queue = append(queue, t)
		} else {
			nodes[0].next[c] = 0
		}
	}
	// Class 0 never extends a keyword.
	nodes[0].next[0] = 0
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		f := nodes[s].fail
		nodes[s].out = append(nodes[s].out, nodes[f].out...)
		for c := 0; c < nclass; c++ {
			t := nodes[s].next[c]
			if t >= 0 {
				nodes[t].fail = nodes[f].next[c]
				queue = append(queue, t)
			} else {
				nodes[s].next[c] = nodes[f].next[c]
			}
		}
	}
	p.trans = make([]int32, len(nodes)*nclass)
	p.out = make([][]int32, len(nodes))
	for s := range nodes {
		p.out[s] = nodes[s].out
		for c := 0; c < nclass; c++ {
			t := nodes[s].next[c]
			v := t * int32(nclass)
			if len(nodes[t].out) > 0 {
				v |= matchFlag
			}
			p.trans[s*nclass+c] = v
		}
	}
	return p
}

// scan appends every keyword occurrence in buf to hits, in order of end
// offset, and returns the slice. At most limit hits are recorded (limit <= 0
// means no limit); the bool reports whether the limit cut the list.
func (p *prefilter) scan(buf []byte, hits []hit, limit int) ([]hit, bool) {
	trans := p.trans
	class := &p.class
	stride := int32(p.stride)
	s := int32(0)
	for i := 0; i < len(buf); i++ {
		s = trans[s+int32(class[buf[i]])]
		if s&matchFlag != 0 {
			s &^= matchFlag
			for _, kw := range p.out[s/stride] {
				if limit > 0 && len(hits) >= limit {
					return hits, true
				}
				hits = append(hits, hit{kw: kw, end: int32(i + 1)})
			}
		}
	}
	return hits, false
}
