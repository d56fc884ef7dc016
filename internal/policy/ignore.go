package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

// DefaultIgnoreFile is the name bulkhead looks for in the working directory.
const DefaultIgnoreFile = ".bulkheadignore"

// MaxIgnoreFileSize bounds an ignore file.
const MaxIgnoreFileSize = 4 << 20

// maxEntries bounds the entries of one ignore file.
const maxEntries = 10000

// ErrIgnoreFile is wrapped by every error about an ignore file's content.
var ErrIgnoreFile = errors.New("invalid ignore file")

// IgnoreFile is a parsed .bulkheadignore:
//
//	ignore:
//	  - id: CVE-2023-5678            # advisory or rule id, or one of its aliases
//	    package: libssl3             # optional: package name, or purl prefix (pkg:deb/debian/libssl3)
//	    path: "app/**/package.json"  # optional: glob on the finding's path (** spans directories)
//	    reason: DH is not used       # required
//	    expires: 2027-01-31          # optional: from the day after, the entry no longer applies
type IgnoreFile struct {
	// Name is the file the entries came from, for messages.
	Name    string
	Entries []IgnoreEntry
}

// IgnoreEntry is one entry of an ignore file.
type IgnoreEntry struct {
	ID      string `yaml:"id"`
	Package string `yaml:"package"`
	Path    string `yaml:"path"`
	Reason  string `yaml:"reason"`
	Expires string `yaml:"expires"`

	// Index (1-based) and Line locate the entry in its file.
	Index, Line int
	until       time.Time // zero: never expires
}

var entryKeys = map[string]bool{"id": true, "package": true, "path": true, "reason": true, "expires": true}

// LoadIgnoreFile reads and checks an ignore file. A missing file is an error
// wrapping fs.ErrNotExist, so a caller can treat the default name as optional.
func LoadIgnoreFile(name string) (*IgnoreFile, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("open ignore file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxIgnoreFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read ignore file %q: %w", name, err)
	}
	if len(data) > MaxIgnoreFileSize {
		return nil, fmt.Errorf("ignore file %q: %w: larger than %d bytes", name, ErrIgnoreFile, MaxIgnoreFileSize)
	}
	return ParseIgnoreFile(data, name)
}

// ParseIgnoreFile parses the content of an ignore file; name is used in
// messages. Every problem names the line and entry, and the hint to fix it.
func ParseIgnoreFile(data []byte, name string) (*IgnoreFile, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("ignore file %q: %w: %s", name, ErrIgnoreFile, fmt.Sprintf(format, args...))
	}
	out := &IgnoreFile{Name: name}
	if len(bytes.TrimSpace(data)) == 0 {
		return out, nil
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		return nil, bad("%v", err)
	}
	if len(doc.Content) == 0 {
		return out, nil
	}
	root := doc.Content[0]
	if root.Kind == yaml.AliasNode || hasAlias(root, 0) {
		return nil, bad("YAML aliases are not allowed")
	}
	var list *yaml.Node
	switch root.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(root.Content); i += 2 {
			k := root.Content[i]
			if k.Value != "ignore" {
				return nil, bad("line %d: unknown key %q (want \"ignore\")", k.Line, k.Value)
			}
			list = root.Content[i+1]
		}
		if list == nil || list.Kind == yaml.ScalarNode && list.Tag == "!!null" {
			return out, nil
		}
	case yaml.SequenceNode:
		list = root
	default:
		return nil, bad("line %d: want a mapping with an \"ignore\" list", root.Line)
	}
	if list.Kind != yaml.SequenceNode {
		return nil, bad("line %d: \"ignore\" must be a list of entries", list.Line)
	}
	if len(list.Content) > maxEntries {
		return nil, bad("%d entries; at most %d are allowed", len(list.Content), maxEntries)
	}
	for i, n := range list.Content {
		idx := i + 1
		if n.Kind != yaml.MappingNode {
			return nil, bad("entry %d (line %d): want a mapping with id and reason", idx, n.Line)
		}
		for j := 0; j+1 < len(n.Content); j += 2 {
			k, v := n.Content[j], n.Content[j+1]
			if !entryKeys[k.Value] {
				return nil, bad("entry %d (line %d): unknown key %q (want id, package, path, reason, expires)", idx, k.Line, k.Value)
			}
			if v.Kind != yaml.ScalarNode {
				return nil, bad("entry %d (line %d): %q must be a single value", idx, v.Line, k.Value)
			}
		}
		var e IgnoreEntry
		if err := n.Decode(&e); err != nil {
			return nil, bad("entry %d (line %d): %v", idx, n.Line, err)
		}
		e.Index, e.Line = idx, n.Line
		e.ID = strings.TrimSpace(e.ID)
		e.Reason = strings.TrimSpace(e.Reason)
		e.Package = strings.TrimSpace(e.Package)
		e.Path = strings.TrimPrefix(strings.TrimSpace(e.Path), "/")
		e.Expires = strings.TrimSpace(e.Expires)
		if e.ID == "" {
			return nil, bad("entry %d (line %d): id is required", idx, n.Line)
		}
		if e.Reason == "" {
			return nil, bad("entry %d (line %d, id %q): reason is required: say why this finding is accepted", idx, n.Line, e.ID)
		}
		if e.Path != "" {
			if err := checkGlob(e.Path); err != nil {
				return nil, bad("entry %d (line %d, id %q): path %q: %v", idx, n.Line, e.ID, e.Path, err)
			}
		}
		if e.Expires != "" {
			t, err := parseDate(e.Expires)
			if err != nil {
				return nil, bad("entry %d (line %d, id %q): expires %q: want a date such as 2027-01-31", idx, n.Line, e.ID, e.Expires)
			}
			e.until = t
		}
		out.Entries = append(out.Entries, e)
	}
	return out, nil
}

func hasAlias(n *yaml.Node, depth int) bool {
	if depth > 64 {
		return true
	}
	if n.Kind == yaml.AliasNode {
		return true
	}
	for _, c := range n.Content {
		if hasAlias(c, depth+1) {
			return true
		}
	}
	return false
}

// parseDate reads a date (the entry holds through that whole day, UTC) or an
// RFC 3339 time.
func parseDate(s string) (time.Time, error) {
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t.Add(24 * time.Hour), nil
	}
	return time.Parse(time.RFC3339, s)
}

func (e *IgnoreEntry) expired(now time.Time) bool {
	return !e.until.IsZero() && !now.Before(e.until)
}

func (e *IgnoreEntry) matches(f *finding.Finding) bool {
	if !strings.EqualFold(e.ID, f.ID) {
		found := false
		for _, a := range f.Aliases {
			if strings.EqualFold(e.ID, a) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	if e.Package != "" {
		if f.Package == nil {
			return false
		}
		if strings.HasPrefix(e.Package, "pkg:") {
			if !strings.HasPrefix(f.Package.PURL, e.Package) {
				return false
			}
		} else if e.Package != f.Package.Name {
			return false
		}
	}
	if e.Path != "" && !globMatch(e.Path, strings.TrimPrefix(f.Location.Path, "/")) {
		return false
	}
	return true
}

// match returns the first unexpired entry that matches f.
func (ig *IgnoreFile) match(f *finding.Finding, now time.Time) *IgnoreEntry {
	for i := range ig.Entries {
		e := &ig.Entries[i]
		if !e.expired(now) && e.matches(f) {
			return e
		}
	}
	return nil
}

const maxGlobSegments = 64

func checkGlob(p string) error {
	segs := strings.Split(p, "/")
	if len(segs) > maxGlobSegments {
		return fmt.Errorf("more than %d path segments", maxGlobSegments)
	}
	for _, s := range segs {
		if s == "**" {
			continue
		}
		if _, err := path.Match(s, ""); err != nil {
			return err
		}
	}
	return nil
}

// globMatch matches a slash-separated path against a glob in which "*", "?"
// and "[...]" work within one segment and "**" spans any number of segments.
// It runs in time proportional to the product of the segment counts.
func globMatch(pattern, name string) bool {
	ps := strings.Split(pattern, "/")
	ns := strings.Split(name, "/")
	// m[j] reports whether ps[:i] matches ns[:j], row by row.
	m := make([]bool, len(ns)+1)
	m[0] = true
	for i := 1; i <= len(ps); i++ {
		next := make([]bool, len(ns)+1)
		if ps[i-1] == "**" {
			// ** matches zero or more segments.
			seen := false
			for j := 0; j <= len(ns); j++ {
				seen = seen || m[j]
				next[j] = seen
			}
		} else {
			for j := 1; j <= len(ns); j++ {
				if m[j-1] {
					ok, _ := path.Match(ps[i-1], ns[j-1])
					next[j] = ok
				}
			}
		}
		m = next
	}
	return m[len(ns)]
}
