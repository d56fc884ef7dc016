// Package requirements extracts pinned packages from pip requirements
// files: requirements*.txt, and any *.txt in a directory named
// "requirements" (requirements/base.txt).
//
// Only exact pins are packages: "name==version" and "name===version",
// with extras ("name[extra]==1.0"), environment markers ("; python_version
// < '3.11'"), hash options, comments and line continuations removed.
// Included files (-r, -c) are not followed. Every other requirement is
// recorded in lockfile.Result.Skipped with its line: ranges and bare names
// ("not pinned"), editables, local paths, URLs and VCS links, and the
// unfollowed includes.
//
// Files written by pip-compile carry "# via" annotations. When a file has
// them, a package required "via -r requirements.in" (or -c) is "direct",
// one required only via other packages "transitive", and DependsOn is
// filled in from them (a "# via requests" under certifi makes requests
// depend on certifi). Without annotations Relationship is left empty.
package requirements

import (
	"bufio"
	"bytes"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile"
)

// Name is the extractor's name.
const Name = "lockfile/requirements"

// New returns the requirements.txt extractor.
func New() lockfile.Extractor {
	return lockfile.New(lockfile.Format{
		Name:  Name,
		Wants: func(path string) bool { return wants(path) },
		Parse: func(_ string, data []byte) (*lockfile.Result, error) { return Parse(data) },
	})
}

type logical struct {
	line int
	text string
}

// lines joins continuation lines ("\" at the end) and numbers them.
func lines(data []byte) ([]logical, error) {
	var out []logical
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), lockfile.MaxFileBytes)
	n := 0
	var cur *logical
	for sc.Scan() {
		n++
		t := strings.TrimRight(sc.Text(), "\r")
		if cur == nil {
			out = append(out, logical{line: n})
			cur = &out[len(out)-1]
		}
		if strings.HasSuffix(t, `\`) && !strings.HasPrefix(strings.TrimSpace(t), "#") {
			cur.text += strings.TrimSuffix(t, `\`) + " "
			continue
		}
		cur.text += t
		cur = nil
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// splitComment splits a line at the first '#' that starts the line or
// follows whitespace.
func splitComment(s string) (code, comment string, ok bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == '#' && (i == 0 || s[i-1] == ' ' || s[i-1] == '\t') {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

type req struct {
	idx int // index in Result.Packages, or -1 when skipped
	via []string
}

// Parse parses the bytes of a requirements file. The packages' Path is
// left empty.
func Parse(data []byte) (*lockfile.Result, error) {
	ls, err := lines(data)
	if err != nil {
		return nil, err
	}
	r := &lockfile.Result{}
	var reqs []*req
	var last *req
	inVia, annotated := false, false
	for _, l := range ls {
		code, comment, hasComment := splitComment(l.text)
		code = strings.TrimSpace(code)
		if code == "" {
			c := strings.TrimSpace(comment)
			switch {
			case !hasComment:
				inVia = false
			case c == "via" || strings.HasPrefix(c, "via "):
				inVia = last != nil
				annotated = true
				if last != nil {
					last.via = append(last.via, splitVia(strings.TrimPrefix(c, "via"))...)
				}
			case inVia && c != "" && strings.HasPrefix(comment, "  "):
				last.via = append(last.via, splitVia(c)...)
			default:
				inVia = false
			}
			continue
		}
		inVia = false
		last = nil
		if strings.HasPrefix(code, "-") {
			if s := option(code, l.line); s != nil {
				r.Skipped = append(r.Skipped, *s)
			}
			continue
		}
		p, skip := requirement(code, l.line)
		if skip != nil {
			r.Skipped = append(r.Skipped, *skip)
			last = &req{idx: -1}
		} else {
			r.Packages = append(r.Packages, p)
			last = &req{idx: len(r.Packages) - 1}
		}
		reqs = append(reqs, last)
		if c := strings.TrimSpace(comment); hasComment && strings.HasPrefix(c, "via ") {
			annotated = true
			last.via = append(last.via, splitVia(strings.TrimPrefix(c, "via"))...)
		}
	}
	if annotated {
		byName := map[string]int{}
		for i, p := range r.Packages {
			byName[lockfile.NormalizePyPI(p.Name)] = i
		}
		for _, q := range reqs {
			if q.idx < 0 || len(q.via) == 0 {
				continue
			}
			p := &r.Packages[q.idx]
			p.Relationship = "transitive"
			for _, v := range q.via {
				if strings.HasPrefix(v, "-") {
					p.Relationship = "direct"
					continue
				}
				if j, ok := byName[lockfile.NormalizePyPI(v)]; ok {
					r.Packages[j].DependsOn = append(r.Packages[j].DependsOn, p.Name)
				}
			}
		}
		for i := range r.Packages {
			r.Packages[i].DependsOn = lockfile.SortedUnique(r.Packages[i].DependsOn)
		}
	}
	r.Packages = lockfile.Dedup(r.Packages)
	return r, nil
}

// splitVia splits the names after "via" ("a, b" or "-r requirements.in").
func splitVia(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// option records the option lines that name requirements not read.
func option(code string, line int) *lockfile.Skip {
	name, arg, _ := strings.Cut(code, " ")
	if n, a, ok := strings.Cut(name, "="); ok {
		name, arg = n, a
	}
	arg = strings.TrimSpace(arg)
	switch name {
	case "-r", "--requirement", "-c", "--constraint":
		return &lockfile.Skip{Spec: code, Reason: "include not followed", Line: line}
	case "-e", "--editable":
		return &lockfile.Skip{Spec: arg, Reason: "editable", Line: line}
	}
	if strings.HasPrefix(name, "-r") || strings.HasPrefix(name, "-c") {
		return &lockfile.Skip{Spec: code, Reason: "include not followed", Line: line}
	}
	if strings.HasPrefix(name, "-e") {
		return &lockfile.Skip{Spec: strings.TrimPrefix(code, "-e"), Reason: "editable", Line: line}
	}
	return nil
}

func isNameChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
}

// requirement parses one requirement line (comment already removed).
func requirement(code string, line int) (inventory.Package, *lockfile.Skip) {
	// Per-requirement options: --hash=..., --global-option ...
	if i := strings.Index(code, " --"); i >= 0 {
		code = strings.TrimSpace(code[:i])
	}
	if i := strings.Index(code, "\t--"); i >= 0 {
		code = strings.TrimSpace(code[:i])
	}
	skip := func(name, reason string) (inventory.Package, *lockfile.Skip) {
		return inventory.Package{}, &lockfile.Skip{Name: name, Spec: code, Reason: reason, Line: line}
	}
	lower := strings.ToLower(code)
	for _, vcs := range []string{"git+", "hg+", "svn+", "bzr+"} {
		if strings.HasPrefix(lower, vcs) {
			return skip("", "VCS dependency")
		}
	}
	switch {
	case strings.HasPrefix(lower, "http://"), strings.HasPrefix(lower, "https://"), strings.HasPrefix(lower, "file:"):
		return skip("", "URL dependency")
	case strings.HasPrefix(code, "."), strings.HasPrefix(code, "/"), strings.HasPrefix(code, "~"):
		return skip("", "local path")
	}
	spec := code
	if i := strings.IndexByte(spec, ';'); i >= 0 {
		spec = spec[:i]
	}
	i := 0
	for i < len(spec) && isNameChar(spec[i]) {
		i++
	}
	name := spec[:i]
	rest := strings.TrimSpace(spec[i:])
	if name == "" || !(isAlnum(name[0]) && isAlnum(name[len(name)-1])) {
		if strings.HasSuffix(lower, ".whl") || strings.HasSuffix(lower, ".tar.gz") || strings.HasSuffix(lower, ".zip") {
			return skip("", "local path")
		}
		return skip("", "not a requirement")
	}
	if strings.HasPrefix(rest, "[") {
		j := strings.IndexByte(rest, ']')
		if j < 0 {
			return skip(name, "not a requirement")
		}
		rest = strings.TrimSpace(rest[j+1:])
	}
	if strings.HasPrefix(rest, "@") {
		if strings.Contains(strings.ToLower(rest), "git+") {
			return skip(name, "VCS dependency")
		}
		return skip(name, "URL dependency")
	}
	if strings.HasSuffix(lower, ".whl") || strings.HasSuffix(lower, ".tar.gz") {
		return skip("", "local path")
	}
	v, ok := strings.CutPrefix(rest, "===")
	if !ok {
		v, ok = strings.CutPrefix(rest, "==")
	}
	v = strings.TrimSpace(v)
	if !ok || v == "" || strings.ContainsAny(v, "*,<>=!~ \t@[]()") {
		return skip(name, "not pinned")
	}
	return inventory.Package{
		Name:      lockfile.NormalizePyPI(name),
		Version:   v,
		Type:      "pypi",
		PURL:      lockfile.PyPIPURL(name, v),
		Extractor: Name,
	}, nil
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// wants reports whether path names a pip requirements file.
func wants(path string) bool {
	if !strings.HasSuffix(path, ".txt") {
		return false
	}
	b := lockfile.Base(path)
	if strings.HasPrefix(b, "requirements") {
		return true
	}
	dir := strings.TrimSuffix(path, b)
	return dir == "requirements/" || strings.HasSuffix(dir, "/requirements/")
}
