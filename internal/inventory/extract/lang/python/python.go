// Package python finds installed Python distributions from their core
// metadata: *.dist-info/METADATA (wheels, pip), *.egg-info/PKG-INFO and
// *.egg-info files (setuptools, distro packages) and EGG-INFO/PKG-INFO in
// unpacked eggs. The metadata is RFC 822 style headers followed by a body;
// only the headers are read.
package python

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"strings"

	"github.com/package-url/packageurl-go"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
)

// Name is the extractor's name.
const Name = "lang/python"

// MaxHeaderBytes bounds the header block read from a metadata file (the
// description body after it is never read).
const MaxHeaderBytes = 1 << 20

// Extractor reads Python core metadata files.
type Extractor struct{}

var _ inventory.Extractor = Extractor{}

// New returns the Python extractor.
func New() Extractor { return Extractor{} }

// Name implements inventory.Extractor.
func (Extractor) Name() string { return Name }

// Version implements inventory.Extractor.
func (Extractor) Version() int { return 1 }

// Required implements inventory.Extractor.
func (Extractor) Required(path string, mode fs.FileMode) bool {
	if !mode.IsRegular() {
		return false
	}
	switch {
	case strings.HasSuffix(path, ".dist-info/METADATA"),
		strings.HasSuffix(path, ".egg-info/PKG-INFO"),
		strings.HasSuffix(path, "/EGG-INFO/PKG-INFO") || path == "EGG-INFO/PKG-INFO",
		strings.HasSuffix(path, ".egg-info"):
		return true
	}
	return false
}

// Extract implements inventory.Extractor. Metadata without Name or Version
// yields nil.
func (e Extractor) Extract(ctx context.Context, in *inventory.Input) ([]inventory.Package, error) {
	p, err := Parse(in.Reader)
	if err != nil {
		return nil, fmt.Errorf("parse Python metadata %q: %w", in.Path, err)
	}
	if p == nil {
		return nil, nil
	}
	p.Path = in.Path
	p.Extractor = Name
	return []inventory.Package{*p}, nil
}

// ErrHeaderTooLarge is returned when the header block exceeds MaxHeaderBytes.
var ErrHeaderTooLarge = errors.New("metadata headers exceed the size limit")

// Parse reads core metadata headers from r, stopping at the first blank
// line. It returns nil when Name or Version is missing.
func Parse(r io.Reader) (*inventory.Package, error) {
	h, err := headers(r)
	if err != nil {
		return nil, err
	}
	name, version := first(h["name"]), first(h["version"])
	if name == "" || version == "" {
		return nil, nil
	}
	norm := Normalize(name)
	var deps []string
	seen := map[string]bool{}
	for _, req := range h["requires-dist"] {
		n, ok := requirement(req)
		if ok && !seen[n] {
			seen[n] = true
			deps = append(deps, n)
		}
	}
	return &inventory.Package{
		Name: norm, Version: version, Type: packageurl.TypePyPi,
		PURL:     packageurl.NewPackageURL(packageurl.TypePyPi, "", norm, version, nil, "").ToString(),
		Licenses: licenses(h), DependsOn: deps,
	}, nil
}

// headers reads RFC 822 style headers into lower-cased keys, joining
// continuation lines (which start with white space).
func headers(r io.Reader) (map[string][]string, error) {
	// The limit reader bounds every line too: ReadString cannot grow past it.
	br := bufio.NewReader(io.LimitReader(r, MaxHeaderBytes+1))
	h := map[string][]string{}
	var key string
	read := 0
	for {
		line, err := br.ReadString('\n')
		read += len(line)
		if read > MaxHeaderBytes {
			return nil, fmt.Errorf("%w (limit %d)", ErrHeaderTooLarge, MaxHeaderBytes)
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		s := strings.TrimRight(line, "\r\n")
		if s == "" {
			// End of headers (or of the file). A line of only white
			// space is a continuation (blank lines inside a License).
			break
		}
		if s[0] == ' ' || s[0] == '\t' {
			if key != "" {
				vs := h[key]
				vs[len(vs)-1] += "\n" + strings.TrimSpace(s)
			}
		} else if k, v, ok := strings.Cut(s, ":"); ok {
			key = strings.ToLower(strings.TrimSpace(k))
			h[key] = append(h[key], strings.TrimSpace(v))
		} else {
			key = ""
		}
		if err != nil {
			break
		}
	}
	return h, nil
}

func first(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return strings.TrimSpace(vs[0])
}

// licenses prefers License-Expression (PEP 639), then a short License
// field, then the licence classifiers.
func licenses(h map[string][]string) []string {
	if e := first(h["license-expression"]); e != "" {
		return []string{e}
	}
	if l := first(h["license"]); l != "" && !strings.EqualFold(l, "UNKNOWN") &&
		len(l) <= 120 && !strings.Contains(l, "\n") {
		return []string{l}
	}
	var out []string
	for _, c := range h["classifier"] {
		parts := strings.Split(c, "::")
		if len(parts) < 2 || strings.TrimSpace(parts[0]) != "License" {
			continue
		}
		last := strings.TrimSpace(parts[len(parts)-1])
		if last != "" && last != "OSI Approved" {
			out = append(out, last)
		}
	}
	return out
}

var reqName = regexp.MustCompile(`^\s*([A-Za-z0-9][A-Za-z0-9._-]*)`)

// requirement returns the normalised project name of a Requires-Dist
// value, and false for requirements that only apply with an extra
// ("; extra == 'socks'"), which are not installed by default.
func requirement(req string) (string, bool) {
	spec, marker, _ := strings.Cut(req, ";")
	if strings.Contains(marker, "extra") {
		return "", false
	}
	m := reqName.FindStringSubmatch(spec)
	if m == nil {
		return "", false
	}
	return Normalize(m[1]), true
}

var sep = regexp.MustCompile(`[-_.]+`)

// Normalize is the PEP 503 name normalisation: lower case, runs of "-",
// "_" and "." become one "-".
func Normalize(name string) string {
	return sep.ReplaceAllString(strings.ToLower(strings.TrimSpace(name)), "-")
}
