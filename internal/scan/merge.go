package scan

import (
	"path"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/image"
)

// fileRef locates an entry: layer index and index in that layer's entries.
type fileRef struct {
	layer int
	idx   int
}

// merged is the final filesystem of an image, and for every entry of every
// layer the layer that removed or replaced it.
type merged struct {
	layers []*layerResult
	// final holds the visible entries (no whiteouts or opaque markers).
	final map[string]fileRef
	// removedIn[i][k] is the layer that deleted or replaced entry k of layer
	// i: -1 when it is in the final filesystem, i itself when a later entry
	// of the same layer replaced it.
	removedIn [][]int
}

const visible = -1

// merge applies the layers in order: later entries replace earlier ones at
// the same path, whiteouts delete a path and everything under it, opaque
// markers hide what lower layers had in a directory, and a non-directory
// replacing a directory hides its subtree. It runs top-down so that each
// entry is looked at once, with O(depth) map lookups.
func merge(layers []*layerResult) *merged {
	total := 0
	for _, l := range layers {
		total += len(l.Entries)
	}
	m := &merged{layers: layers, final: make(map[string]fileRef, total), removedIn: make([][]int, len(layers))}
	// later holds, per path, the lowest later layer with an entry there
	// (exact) and with a whiteout or non-directory there (subtree: it hides
	// everything below). none marks "no such layer".
	const none = int32(1 << 30)
	type hider struct{ exact, subtree int32 }
	later := make(map[string]hider, total)
	opaque := map[string]int{} // a later opaque marker: hides below
	for i := len(layers) - 1; i >= 0; i-- {
		es := layers[i].Entries
		rm := make([]int, len(es))
		for k := range es {
			e := &es[k]
			if e.typ == image.TypeWhiteout || e.typ == image.TypeOpaque {
				rm[k] = i
				continue
			}
			j := int32(none)
			if e.flags&flagReplacedInLayer != 0 {
				j = int32(i)
			} else {
				if h, ok := later[e.path]; ok {
					j = h.exact
				}
				for n := 0; n < len(e.path); n++ {
					if e.path[n] != '/' {
						continue
					}
					a := e.path[:n]
					if h, ok := later[a]; ok && h.subtree < j {
						j = h.subtree
					}
					if len(opaque) > 0 {
						if v, ok := opaque[a]; ok && int32(v) < j {
							j = int32(v)
						}
					}
				}
			}
			if j == none {
				rm[k] = visible
				m.final[e.path] = fileRef{layer: i, idx: k}
			} else {
				rm[k] = int(j)
			}
		}
		m.removedIn[i] = rm
		for k := range es {
			e := &es[k]
			if e.typ == image.TypeOpaque {
				opaque[e.path] = i
				continue
			}
			h, ok := later[e.path]
			if !ok {
				h = hider{none, none}
			}
			h.exact = int32(i)
			if e.typ != image.TypeDir {
				h.subtree = int32(i)
			}
			later[e.path] = h
		}
	}
	return m
}

// entry returns the entry ref points at.
func (m *merged) entry(ref fileRef) *entry { return &m.layers[ref.layer].Entries[ref.idx] }

// maxLinkHops bounds symlink resolution, as the kernel's ELOOP does.
const maxLinkHops = 40

// resolve follows symlinks in every component of p inside the final
// filesystem (".." stops at the root, absolute targets start at the root).
// It returns the resolved path and its entry.
func (m *merged) resolve(p string) (string, fileRef, bool) {
	p = strings.TrimPrefix(path.Clean("/"+p), "/")
	hops := 0
	for {
		cur := ""
		rest := p
		restarted := false
		for rest != "" {
			comp := rest
			if i := strings.IndexByte(rest, '/'); i >= 0 {
				comp, rest = rest[:i], rest[i+1:]
			} else {
				rest = ""
			}
			next := comp
			if cur != "" {
				next = cur + "/" + comp
			}
			ref, ok := m.final[next]
			if !ok {
				return "", fileRef{}, false
			}
			e := m.entry(ref)
			if e.typ != image.TypeSymlink {
				cur = next
				continue
			}
			hops++
			if hops > maxLinkHops {
				return "", fileRef{}, false
			}
			target := e.link
			if !strings.HasPrefix(target, "/") {
				target = cur + "/" + target
			}
			target = strings.TrimPrefix(path.Clean("/"+target), "/")
			if rest != "" {
				target = strings.TrimPrefix(target+"/"+rest, "/")
			}
			p = target
			restarted = true
			break
		}
		if restarted {
			if p == "" {
				return "", fileRef{}, false
			}
			continue
		}
		ref, ok := m.final[cur]
		return cur, ref, ok
	}
}

// hasUnder reports whether any visible entry lies under dir (with a
// trailing slash).
func (m *merged) hasUnder(dir string) bool {
	for p := range m.final {
		if strings.HasPrefix(p, dir) {
			return true
		}
	}
	return false
}

// readOS is the read function osrelease.Detect needs.
func (m *merged) readOS(statusDir string) func(p string) ([]byte, bool) {
	return func(p string) ([]byte, bool) {
		if p == statusDir {
			return nil, m.hasUnder(statusDir)
		}
		rp, ref, ok := m.resolve(p)
		if !ok || m.entry(ref).typ != image.TypeRegular {
			return nil, false
		}
		b, ok := m.layers[ref.layer].OSFiles[rp]
		return b, ok
	}
}

// lastIndex maps each path of a layer to its last entry.
func lastIndex(es []entry) map[string]int {
	idx := make(map[string]int, len(es))
	for k := range es {
		idx[es[k].path] = k
	}
	return idx
}
