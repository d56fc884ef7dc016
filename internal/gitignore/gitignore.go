// Package gitignore decides which paths of a source tree git would ignore,
// from the .gitignore files in the tree, so that `bulkhead scan fs` leaves
// out what the project itself leaves out (build output, vendored caches).
//
// It implements the pattern rules of gitignore(5): blank lines and # comments,
// ! negation, a trailing / for directories only, a leading or inner / to
// anchor a pattern to the .gitignore's directory, *, ?, [...] and ** globs.
// A file is ignored when the last pattern that matches it (in the nearest
// .gitignore that says anything) ignores it; a file below an ignored
// directory is ignored whatever the patterns say, as in git.
package gitignore

import (
	"bufio"
	"io"
	"path"
	"strings"
)

// MaxPatterns bounds the patterns read from one file.
const MaxPatterns = 10000

// maxLine bounds one pattern line.
const maxLine = 4096

type pattern struct {
	negate   bool
	dirOnly  bool
	anchored bool
	glob     string // slash-separated, relative to base when anchored
}

// Matcher holds the patterns of every .gitignore met so far.
type Matcher struct {
	// per directory (slash path relative to the root, "" for the root)
	dirs map[string][]pattern
}

// New returns a matcher with no patterns.
func New() *Matcher { return &Matcher{dirs: map[string][]pattern{}} }

// Add reads the .gitignore of directory dir (slash separated, relative to
// the root, "" for the root). Lines past MaxPatterns or longer than 4 KiB
// are ignored.
func (m *Matcher) Add(dir string, r io.Reader) error {
	sc := bufio.NewScanner(io.LimitReader(r, 4<<20))
	sc.Buffer(make([]byte, 0, 1024), maxLine)
	var pats []pattern
	for sc.Scan() && len(pats) < MaxPatterns {
		if p, ok := parseLine(sc.Text()); ok {
			pats = append(pats, p)
		}
	}
	if err := sc.Err(); err != nil && err != bufio.ErrTooLong {
		return err
	}
	if len(pats) > 0 {
		m.dirs[strings.Trim(dir, "/")] = append(m.dirs[strings.Trim(dir, "/")], pats...)
	}
	return nil
}

func parseLine(line string) (pattern, bool) {
	line = strings.TrimRight(line, "\r")
	// Trailing spaces are ignored unless escaped.
	for strings.HasSuffix(line, " ") && !strings.HasSuffix(line, `\ `) {
		line = line[:len(line)-1]
	}
	if line == "" || strings.HasPrefix(line, "#") {
		return pattern{}, false
	}
	var p pattern
	if strings.HasPrefix(line, "!") {
		p.negate = true
		line = line[1:]
	} else if strings.HasPrefix(line, `\!`) || strings.HasPrefix(line, `\#`) {
		line = line[1:]
	}
	if strings.HasSuffix(line, "/") {
		p.dirOnly = true
		line = strings.TrimRight(line, "/")
	}
	if line == "" {
		return pattern{}, false
	}
	if strings.Contains(line, "/") {
		p.anchored = true
		line = strings.TrimPrefix(line, "/")
	}
	p.glob = line
	return p, true
}

// Ignored reports whether the path rel (slash separated, relative to the
// root) is ignored; isDir says whether it is a directory. Callers walking a
// tree should not descend into an ignored directory.
func (m *Matcher) Ignored(rel string, isDir bool) bool {
	rel = strings.Trim(rel, "/")
	if rel == "" || len(m.dirs) == 0 {
		return false
	}
	// The deepest .gitignore with a matching pattern decides; within a file,
	// the last matching pattern.
	dir := path.Dir(rel)
	if dir == "." {
		dir = ""
	}
	for {
		if pats, ok := m.dirs[dir]; ok {
			sub := rel
			if dir != "" {
				sub = strings.TrimPrefix(rel, dir+"/")
			}
			for i := len(pats) - 1; i >= 0; i-- {
				if pats[i].match(sub, isDir) {
					return !pats[i].negate
				}
			}
		}
		if dir == "" {
			return false
		}
		dir = path.Dir(dir)
		if dir == "." {
			dir = ""
		}
	}
}

func (p *pattern) match(sub string, isDir bool) bool {
	if p.dirOnly && !isDir {
		return false
	}
	if p.anchored {
		return globMatch(p.glob, sub)
	}
	// Unanchored: match the last element.
	return globMatch(p.glob, path.Base(sub))
}

// globMatch matches a slash-separated glob with ** against a path.
func globMatch(glob, name string) bool {
	gs := strings.Split(glob, "/")
	ns := strings.Split(name, "/")
	return matchParts(gs, ns, 0)
}

func matchParts(gs, ns []string, depth int) bool {
	if depth > 64 {
		return false
	}
	for len(gs) > 0 {
		if gs[0] == "**" {
			rest := gs[1:]
			if len(rest) == 0 {
				return true
			}
			for i := 0; i <= len(ns); i++ {
				if matchParts(rest, ns[i:], depth+1) {
					return true
				}
			}
			return false
		}
		if len(ns) == 0 {
			return false
		}
		ok, err := path.Match(gs[0], ns[0])
		if err != nil || !ok {
			return false
		}
		gs, ns = gs[1:], ns[1:]
	}
	return len(ns) == 0
}

// Tree answers Ignored for a tree on disk, reading each directory's
// .gitignore the first time a path in it is asked about. Paths must be asked
// about top-down (as a walk does), so that a directory's .gitignore is read
// before the paths below it. The .git directory itself is always ignored.
type Tree struct {
	root   string
	m      *Matcher
	loaded map[string]bool
	open   func(name string) (io.ReadCloser, error)
}

// NewTree returns a Tree for the directory root; open opens a file by its
// OS path (os.Open fits).
func NewTree(root string, open func(name string) (io.ReadCloser, error)) *Tree {
	return &Tree{root: root, m: New(), loaded: map[string]bool{}, open: open}
}

// Skip reports whether the walk should leave out rel (and, for a
// directory, everything below it).
func (t *Tree) Skip(rel string, isDir bool) bool {
	rel = strings.Trim(rel, "/")
	if path.Base(rel) == ".git" && isDir {
		return true
	}
	dir := path.Dir(rel)
	if dir == "." {
		dir = ""
	}
	t.load(dir)
	return t.m.Ignored(rel, isDir)
}

func (t *Tree) load(dir string) {
	if t.loaded[dir] {
		return
	}
	t.loaded[dir] = true
	if len(t.loaded) > 100000 {
		return // bound the memory spent on a hostile tree
	}
	name := t.root + "/" + dir + "/.gitignore"
	if dir == "" {
		name = t.root + "/.gitignore"
	}
	f, err := t.open(name)
	if err != nil {
		return
	}
	defer f.Close()
	t.m.Add(dir, f)
}
