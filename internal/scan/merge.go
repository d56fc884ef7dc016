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
	m := &merged{layers: layers, final: map[string]fileRef{}, removedIn: make([][]int, len(layers))}
	exact := map[string]int{}   // any entry of a later layer at the path
	subtree := map[string]int{} // a later whiteout or non-directory: hides below
	opaque := map[string]int{}  // a later opaque marker: hides below
	for i := len(layers) - 1; i >= 0; i-- {
		es := layers[i].Entries
		rm := make([]int, len(es))
		for k := range es {
			e := &es[k]
			if e.typ == image.TypeWhiteout || e.typ == image.TypeOpaque {
				rm[k] = i
				continue
			}
			j := visible
			if e.flags&flagReplacedInLayer != 0 {
				j = i
			} else {
				if v, ok := exact[e.path]; ok {
					j = v
				}
				for n := 0; n < len(e.path); n++ {
					if e.path[n] != '/' {
						continue
					}
					a := e.path[:n]
					if v, ok := subtree[a]; ok && (j == visible || v < j) {
						j = v
					}
					if v, ok := opaque[a]; ok && (j == visible || v < j) {
						j = v
					}
				}
			}
			rm[k] = j
			if j == visible {
				m.final[e.path] = fileRef{layer: i, idx: k}
			}
		}
		m.removedIn[i] = rm
		for k := range es {
			e := &es[k]
			switch e.typ {
			case image.TypeOpaque:
				opaque[e.path] = i
			case image.TypeDir:
				exact[e.path] = i
			default: // whiteouts and every non-directory
				exact[e.path] = i
				subtree[e.path] = i
			}
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
