// Package pom extracts the declared dependencies of a Maven project from
// its pom.xml.
//
// Each <dependency> of the project (not of its plugins or profiles) with a
// concrete version is a "direct" package named "groupId:artifactId".
// ${property} references are resolved from <properties> and from
// ${project.version}, ${project.groupId}, ${project.artifactId},
// ${project.parent.version} and ${project.parent.groupId} (and their
// older pom.* and bare forms); a dependency without a version takes it from
// the same pom's <dependencyManagement>. Metadata "scope" carries a
// declared scope ("test", "provided", "runtime", ...), and "optional" is
// "true" for optional dependencies; a test-scoped dependency is still
// listed.
//
// Skipped (see lockfile.Result): dependencies whose version is managed
// elsewhere (a parent pom or an imported BOM), is a range, or refers to a
// property that cannot be resolved here.
package pom

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile"
)

// Name is the extractor's name.
const Name = "lockfile/pom"

// New returns the pom.xml extractor.
func New() lockfile.Extractor {
	return lockfile.New(lockfile.Format{
		Name:  Name,
		Wants: func(path string) bool { return lockfile.Base(path) == "pom.xml" },
		Parse: func(_ string, data []byte) (*lockfile.Result, error) { return Parse(data) },
	})
}

type coords struct {
	GroupID    string `xml:"groupId"`
	ArtifactID string `xml:"artifactId"`
	Version    string `xml:"version"`
}

type dependency struct {
	coords
	Scope    string `xml:"scope"`
	Optional string `xml:"optional"`
}

type property struct {
	XMLName xml.Name
	Value   string `xml:",chardata"`
}

type properties struct {
	Items []property `xml:",any"`
}

type project struct {
	XMLName xml.Name `xml:"project"`
	coords
	Parent       coords       `xml:"parent"`
	Properties   properties   `xml:"properties"`
	Dependencies []dependency `xml:"dependencies>dependency"`
	Managed      []dependency `xml:"dependencyManagement>dependencies>dependency"`
}

// ErrNotMaven is returned for an XML file whose root is not <project>.
var ErrNotMaven = errors.New("not a Maven project: root element is not <project>")

// Parse parses the bytes of a pom.xml. The packages' Path is left empty.
func Parse(data []byte) (*lockfile.Result, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.CharsetReader = charsetReader
	var p project
	if err := d.Decode(&p); err != nil {
		var se xml.UnmarshalError
		if errors.As(err, &se) && strings.Contains(string(se), "expected element type <project>") {
			return nil, ErrNotMaven
		}
		return nil, err
	}
	res := newResolver(&p)
	managed := map[string]dependency{}
	for _, m := range p.Managed {
		key := res.expand(m.GroupID) + ":" + res.expand(m.ArtifactID)
		if _, ok := managed[key]; !ok {
			managed[key] = m
		}
	}
	r := &lockfile.Result{}
	for _, dep := range p.Dependencies {
		group, artifact := res.expand(dep.GroupID), res.expand(dep.ArtifactID)
		name := group + ":" + artifact
		raw := strings.TrimSpace(dep.Version)
		scope := strings.TrimSpace(dep.Scope)
		if raw == "" {
			if m, ok := managed[name]; ok {
				raw = strings.TrimSpace(m.Version)
				if scope == "" {
					scope = strings.TrimSpace(m.Scope)
				}
			}
		}
		version := res.expand(raw)
		reason := ""
		switch {
		case group == "" || artifact == "" || strings.Contains(name, "${"):
			reason = "unresolved name"
		case raw == "":
			reason = "version managed elsewhere"
		case strings.Contains(version, "${"):
			reason = "unresolved property"
		case strings.ContainsAny(version, "[](),"):
			reason = "version range"
		case strings.ContainsAny(version, " \t\n<>"):
			reason = "no concrete version"
		}
		if reason != "" {
			r.Skipped = append(r.Skipped, lockfile.Skip{Name: name, Spec: raw, Reason: reason})
			continue
		}
		pkg := inventory.Package{
			Name:         name,
			Version:      version,
			Type:         "maven",
			PURL:         lockfile.PURL("maven", name, version),
			Relationship: "direct",
			Extractor:    Name,
		}
		if scope != "" || strings.TrimSpace(dep.Optional) == "true" {
			pkg.Metadata = map[string]string{}
			if scope != "" {
				pkg.Metadata["scope"] = res.expand(scope)
			}
			if strings.TrimSpace(dep.Optional) == "true" {
				pkg.Metadata["optional"] = "true"
			}
		}
		r.Packages = append(r.Packages, pkg)
	}
	r.Packages = lockfile.Dedup(r.Packages)
	return r, nil
}

// These bound the expansion of one value: the nesting depth, the length,
// and the number of references replaced (so that properties that each
// refer to many others cannot make the work exponential).
const (
	maxDepth  = 16
	maxLength = 4096
	maxRefs   = 1000
)

type resolver struct {
	props map[string]string
	refs  int // references replaced in the current expand call
}

func newResolver(p *project) *resolver {
	props := map[string]string{}
	for _, pr := range p.Properties.Items {
		if _, ok := props[pr.XMLName.Local]; !ok {
			props[pr.XMLName.Local] = strings.TrimSpace(pr.Value)
		}
	}
	version := strings.TrimSpace(p.Version)
	if version == "" {
		version = strings.TrimSpace(p.Parent.Version)
	}
	group := strings.TrimSpace(p.GroupID)
	if group == "" {
		group = strings.TrimSpace(p.Parent.GroupID)
	}
	for _, k := range []string{"project.version", "pom.version", "version"} {
		setDefault(props, k, version)
	}
	for _, k := range []string{"project.groupId", "pom.groupId", "groupId"} {
		setDefault(props, k, group)
	}
	for _, k := range []string{"project.artifactId", "pom.artifactId", "artifactId"} {
		setDefault(props, k, strings.TrimSpace(p.ArtifactID))
	}
	for _, k := range []string{"project.parent.version", "parent.version"} {
		setDefault(props, k, strings.TrimSpace(p.Parent.Version))
	}
	for _, k := range []string{"project.parent.groupId", "parent.groupId"} {
		setDefault(props, k, strings.TrimSpace(p.Parent.GroupID))
	}
	return &resolver{props: props}
}

func setDefault(m map[string]string, k, v string) {
	if _, ok := m[k]; !ok && v != "" {
		m[k] = v
	}
}

// expand replaces ${name} references; unresolvable ones are left as they
// are.
func (r *resolver) expand(s string) string {
	r.refs = 0
	out := r.expandDepth(strings.TrimSpace(s), 0)
	if r.refs > maxRefs {
		return "${too many references}"
	}
	return out
}

func (r *resolver) expandDepth(s string, depth int) string {
	if depth > maxDepth || !strings.Contains(s, "${") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			break
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		name := s[i+2 : i+j]
		if v, ok := r.props[name]; ok && depth < maxDepth && r.refs < maxRefs {
			r.refs++
			b.WriteString(r.expandDepth(v, depth+1))
		} else {
			b.WriteString(s[i : i+j+1])
		}
		s = s[i+j+1:]
		if b.Len() > maxLength || r.refs >= maxRefs {
			if r.refs >= maxRefs {
				r.refs = maxRefs + 1
				return "${too many references}"
			}
			return "${too long}"
		}
	}
	return b.String()
}

// charsetReader decodes the single-byte encodings old poms declare.
func charsetReader(charset string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(charset) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return in, nil
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "windows-1252", "cp1252":
		return &latin1Reader{r: bufio.NewReader(in)}, nil
	}
	return nil, fmt.Errorf("unsupported charset %q", charset)
}

// latin1Reader turns ISO-8859-1 bytes into UTF-8.
type latin1Reader struct {
	r   *bufio.Reader
	buf []byte
}

func (l *latin1Reader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(l.buf) > 0 {
			c := copy(p[n:], l.buf)
			l.buf = l.buf[c:]
			n += c
			continue
		}
		c, err := l.r.ReadByte()
		if err != nil {
			if n > 0 {
				return n, nil
			}
			return 0, err
		}
		if c < utf8.RuneSelf {
			p[n] = c
			n++
			continue
		}
		l.buf = utf8.AppendRune(l.buf[:0], rune(c))
	}
	return n, nil
}
