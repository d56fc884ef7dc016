// Package gemfile extracts packages from Bundler's Gemfile.lock (and
// gems.locked).
//
// Gems listed under a GEM section's specs ("    name (version)") are
// packages; their own requirements ("      dep (>= 1)") fill DependsOn.
// A gem named in the DEPENDENCIES section is "direct", every other one
// "transitive". A platform suffix on the version ("1.16.0-x86_64-linux")
// is trimmed and kept as Metadata "platform", as Bundler itself splits it
// at the first '-'; a gem locked for several platforms is one package whose
// "platform" lists them, comma separated.
//
// Skipped (see lockfile.Result): gems from GIT and PATH sections.
package gemfile

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile"
)

// Name is the extractor's name.
const Name = "lockfile/gemfile"

// New returns the Gemfile.lock extractor.
func New() lockfile.Extractor {
	return lockfile.New(lockfile.Format{
		Name:  Name,
		Wants: func(path string) bool { return wants(path) },
		Parse: func(_ string, data []byte) (*lockfile.Result, error) { return Parse(data) },
	})
}

// nameVersion splits "name (version)" or "name (>= 1, < 2)" or "name".
func nameVersion(s string) (name, version string, ok bool) {
	name, rest, found := strings.Cut(s, " ")
	if !found {
		return name, "", name != ""
	}
	rest = strings.TrimSpace(rest)
	if !strings.HasPrefix(rest, "(") || !strings.HasSuffix(rest, ")") {
		return "", "", false
	}
	return name, rest[1 : len(rest)-1], name != ""
}

// Parse parses the bytes of a Gemfile.lock. The packages' Path is left
// empty.
func Parse(data []byte) (*lockfile.Result, error) {
	r := &lockfile.Result{}
	direct := map[string]bool{}
	seen := map[string]int{}
	section := ""
	inSpecs := false
	var cur *inventory.Package
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), lockfile.MaxFileBytes)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), " \r")
		if line == "" {
			continue
		}
		indent := len(line) - len(strings.TrimLeft(line, " "))
		body := line[indent:]
		switch {
		case indent == 0:
			section, inSpecs, cur = body, false, nil
			continue
		case indent == 2 && section == "DEPENDENCIES":
			name, _, ok := nameVersion(body)
			if !ok {
				return nil, fmt.Errorf("line %d: bad dependency %q", n, body)
			}
			direct[strings.TrimSuffix(name, "!")] = true
			continue
		case indent == 2:
			inSpecs = body == "specs:"
			cur = nil
			continue
		case !inSpecs:
			continue
		}
		name, version, ok := nameVersion(body)
		if !ok {
			return nil, fmt.Errorf("line %d: want %q, got %q", n, "name (version)", body)
		}
		switch {
		case indent == 4:
			cur = nil
			switch section {
			case "GEM":
			case "GIT", "PATH":
				reason := "git dependency"
				if section == "PATH" {
					reason = "local path"
				}
				r.Skipped = append(r.Skipped, lockfile.Skip{Name: name, Spec: version, Reason: reason, Line: n})
				continue
			default:
				continue
			}
			v, platform, _ := strings.Cut(version, "-")
			if v == "" || strings.ContainsAny(v, " <>=~,") {
				r.Skipped = append(r.Skipped, lockfile.Skip{Name: name, Spec: version, Reason: "no concrete version", Line: n})
				continue
			}
			p := inventory.Package{
				Name:      name,
				Version:   v,
				Type:      "gem",
				PURL:      lockfile.PURL("gem", name, v),
				Extractor: Name,
			}
			// One gem may be locked for several platforms: one package,
			// its platforms listed.
			if i, ok := seen[name+"@"+v]; ok {
				cur = &r.Packages[i]
				if platform != "" {
					if cur.Metadata == nil {
						cur.Metadata = map[string]string{}
					}
					cur.Metadata["platform"] = strings.TrimPrefix(cur.Metadata["platform"]+","+platform, ",")
				}
				continue
			}
			if platform != "" {
				p.Metadata = map[string]string{"platform": platform}
			}
			seen[name+"@"+v] = len(r.Packages)
			r.Packages = append(r.Packages, p)
			cur = &r.Packages[len(r.Packages)-1]
		case indent == 6 && cur != nil:
			cur.DependsOn = append(cur.DependsOn, name)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	for i := range r.Packages {
		p := &r.Packages[i]
		p.DependsOn = lockfile.SortedUnique(p.DependsOn)
		p.Relationship = "transitive"
		if direct[p.Name] {
			p.Relationship = "direct"
		}
	}
	return r, nil
}

// wants reports whether path names a Bundler lockfile.
func wants(path string) bool {
	b := lockfile.Base(path)
	return b == "Gemfile.lock" || b == "gems.locked"
}
