// Package yarn extracts packages from yarn.lock files, both the classic
// (yarn v1) text format and the YAML format of yarn berry (v2 and later,
// recognised by its __metadata entry).
//
// Classic lockfiles do not say which dependencies are direct, so
// Relationship is left empty there. Berry lockfiles list each workspace
// (the project itself included) with its dependencies: a package named by a
// workspace is "direct", every other one "transitive".
//
// Skipped (see lockfile.Result): workspaces, patch:, link:, portal: and
// file: entries, git and URL dependencies, and entries without a concrete
// version. A berry patch: entry is a modified copy of an npm: entry that is
// reported on its own.
package yarn

import (
	"bufio"
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile/internal/yamlnode"
	"gopkg.in/yaml.v3"
)

// Name is the extractor's name.
const Name = "lockfile/yarn"

// New returns the yarn.lock extractor.
func New() lockfile.Extractor {
	return lockfile.New(lockfile.Format{
		Name:  Name,
		Wants: func(path string) bool { return lockfile.Base(path) == "yarn.lock" && !lockfile.InNodeModules(path) },
		Parse: func(_ string, data []byte) (*lockfile.Result, error) { return Parse(data) },
	})
}

// Parse parses the bytes of a yarn.lock, classic or berry. The packages'
// Path is left empty.
func Parse(data []byte) (*lockfile.Result, error) {
	if isBerry(data) {
		return parseBerry(data)
	}
	return parseClassic(data)
}

func isBerry(data []byte) bool {
	return bytes.HasPrefix(data, []byte("__metadata:")) || bytes.Contains(data, []byte("\n__metadata:"))
}

func newPackage(name, version string) inventory.Package {
	return inventory.Package{
		Name:      name,
		Version:   version,
		Type:      "npm",
		PURL:      lockfile.NPMPURL(name, version),
		Extractor: Name,
	}
}

// splitSpec splits "name@range" (name may be "@scope/name").
func splitSpec(s string) (name, rng string, ok bool) {
	i := strings.IndexByte(s[min(1, len(s)):], '@')
	if i < 0 {
		return s, "", false
	}
	i++
	return s[:i], s[i+1:], true
}

// rangeReason returns why a classic dependency range is not a registry
// package, or "". An npm: alias returns the real name.
func rangeReason(rng string) (alias, reason string) {
	if rest, ok := strings.CutPrefix(rng, "npm:"); ok {
		if name, _, ok := splitSpec(rest); ok {
			return name, ""
		}
		return "", ""
	}
	switch {
	case strings.HasPrefix(rng, "file:"), strings.HasPrefix(rng, "link:"), strings.HasPrefix(rng, "portal:"),
		strings.HasPrefix(rng, "./"), strings.HasPrefix(rng, "../"), strings.HasPrefix(rng, "/"):
		return "", "local path"
	case strings.HasPrefix(rng, "workspace:"):
		return "", "workspace package"
	case strings.HasPrefix(rng, "patch:"):
		return "", "patch"
	case strings.ContainsAny(rng, ":/"):
		return "", "git or URL dependency"
	}
	return "", ""
}

func unquote(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return strings.ReplaceAll(s[1:len(s)-1], `\"`, `"`)
	}
	return s
}

type classicEntry struct {
	line    int
	specs   []string
	version string
	deps    []string
}

func parseClassic(data []byte) (*lockfile.Result, error) {
	var entries []*classicEntry
	var cur *classicEntry
	inDeps := false
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), lockfile.MaxFileBytes)
	n := 0
	sawEntry := false
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), " \t\r")
		if line == "" || strings.HasPrefix(strings.TrimLeft(line, " "), "#") {
			continue
		}
		indent := len(line) - len(strings.TrimLeft(line, " "))
		body := line[indent:]
		switch {
		case indent == 0:
			if !strings.HasSuffix(body, ":") {
				return nil, fmt.Errorf("line %d: want an entry header ending in ':', got %q", n, body)
			}
			cur = &classicEntry{line: n}
			cur.specs = append(cur.specs, splitHeader(body[:len(body)-1])...)
			entries = append(entries, cur)
			sawEntry = true
			inDeps = false
		case cur == nil:
			return nil, fmt.Errorf("line %d: indented line before any entry", n)
		case indent == 2:
			inDeps = false
			key, val, _ := strings.Cut(body, " ")
			switch key {
			case "version":
				cur.version = unquote(val)
			case "dependencies:", "optionalDependencies:":
				inDeps = true
			}
		case indent >= 4 && inDeps:
			name := body
			if strings.HasPrefix(body, `"`) {
				if j := strings.IndexByte(body[1:], '"'); j >= 0 {
					name = body[1 : j+1]
				}
			} else if j := strings.IndexByte(body, ' '); j >= 0 {
				name = body[:j]
			}
			cur.deps = append(cur.deps, name)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if !sawEntry && len(bytes.TrimSpace(data)) > 0 && !bytes.Contains(data, []byte("yarn lockfile")) {
		return nil, fmt.Errorf("no yarn.lock entries")
	}
	r := &lockfile.Result{}
	for _, e := range entries {
		if len(e.specs) == 0 {
			continue
		}
		name, rng, _ := splitSpec(e.specs[0])
		realName, reason := "", ""
		for _, s := range e.specs {
			_, rg, _ := splitSpec(s)
			a, why := rangeReason(rg)
			if a != "" {
				realName = a
			}
			if why != "" {
				reason = why
				rng = rg
			}
		}
		if realName != "" {
			name = realName
		}
		if reason == "" && !lockfile.IsNPMVersion(e.version) {
			reason, rng = "no concrete version", e.version
		}
		if reason != "" {
			r.Skipped = append(r.Skipped, lockfile.Skip{Name: name, Spec: rng, Reason: reason, Line: e.line})
			continue
		}
		p := newPackage(name, e.version)
		p.DependsOn = lockfile.SortedUnique(e.deps)
		r.Packages = append(r.Packages, p)
	}
	r.Packages = lockfile.Dedup(r.Packages)
	return r, nil
}

// splitHeader splits `"@a/b@^1", c@^2` into its specs.
func splitHeader(h string) []string {
	var out []string
	for _, part := range strings.Split(h, ",") {
		if s := unquote(part); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// descriptor returns the key under which berry records the dependency
// name: rng ("lodash@npm:^4.17.21" for "lodash: ^4.17.21").
func descriptor(name, rng string) string {
	if i := strings.IndexByte(rng, ':'); i < 0 || strings.ContainsAny(rng[:i], " <>=^~|") {
		rng = "npm:" + rng
	}
	return name + "@" + rng
}

type berryEntry struct {
	Version      string
	Resolution   string
	Dependencies []string // names, from dependencies and optionalDependencies
	declared     []string // descriptors a workspace depends on
}

// readBerryEntry reads one entry; the large top-level mapping is walked by
// hand (see package yamlnode).
func readBerryEntry(key string, n *yaml.Node) (*berryEntry, error) {
	if !yamlnode.IsMapping(n) {
		return nil, fmt.Errorf("entry %q: not a mapping", key)
	}
	e := &berryEntry{}
	for k, v := range yamlnode.Pairs(n) {
		switch k {
		case "version", "resolution":
			if v.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("entry %q: %s is not a scalar", key, k)
			}
			if k == "version" {
				e.Version = v.Value
			} else {
				e.Resolution = v.Value
			}
		case "dependencies", "optionalDependencies", "peerDependencies":
			for name, rng := range yamlnode.Pairs(v) {
				if k != "peerDependencies" {
					e.Dependencies = append(e.Dependencies, name)
				}
				e.declared = append(e.declared, descriptor(name, yamlnode.Scalar(rng)))
			}
		}
	}
	return e, nil
}

func parseBerry(data []byte) (*lockfile.Result, error) {
	root, err := yamlnode.Parse(data)
	if err != nil {
		return nil, err
	}
	if root != nil && !yamlnode.IsMapping(root) {
		return nil, fmt.Errorf("want a mapping at the top level")
	}
	var keys []string
	entries := map[string]*berryEntry{}
	direct := map[string]bool{}
	for k, node := range yamlnode.Pairs(root) {
		if k == "__metadata" {
			continue
		}
		if _, dup := entries[k]; dup {
			return nil, fmt.Errorf("duplicate entry %q", k)
		}
		e, err := readBerryEntry(k, node)
		if err != nil {
			return nil, err
		}
		entries[k] = e
		keys = append(keys, k)
		if strings.Contains(e.Resolution, "@workspace:") {
			for _, d := range e.declared {
				direct[d] = true
			}
		}
	}
	sort.Strings(keys)
	r := &lockfile.Result{}
	for _, k := range keys {
		e := entries[k]
		res := e.Resolution
		if res == "" {
			res = strings.TrimSpace(strings.Split(k, ",")[0])
		}
		name, ref, ok := splitSpec(res)
		if !ok {
			r.Skipped = append(r.Skipped, lockfile.Skip{Spec: res, Reason: "no resolution"})
			continue
		}
		version := e.Version
		if v, ok := strings.CutPrefix(ref, "npm:"); ok {
			if i := strings.Index(v, "::"); i >= 0 {
				v = v[:i]
			}
			if version == "" {
				version = v
			}
		} else {
			_, reason := rangeReason(ref)
			if reason == "" {
				reason = "git or URL dependency"
			}
			r.Skipped = append(r.Skipped, lockfile.Skip{Name: name, Spec: ref, Reason: reason})
			continue
		}
		if !lockfile.IsNPMVersion(version) {
			r.Skipped = append(r.Skipped, lockfile.Skip{Name: name, Spec: version, Reason: "no concrete version"})
			continue
		}
		p := newPackage(name, version)
		p.Relationship = "transitive"
		for _, spec := range strings.Split(k, ",") {
			if direct[strings.TrimSpace(spec)] {
				p.Relationship = "direct"
			}
		}
		p.DependsOn = lockfile.SortedUnique(e.Dependencies)
		r.Packages = append(r.Packages, p)
	}
	r.Packages = lockfile.Dedup(r.Packages)
	return r, nil
}
