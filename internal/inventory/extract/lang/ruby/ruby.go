// Package ruby finds installed Ruby gems from the gemspecs RubyGems writes
// into specifications/ folders (usr/lib/ruby/gems/*/specifications,
// usr/local/bundle/specifications, ...). The Ruby is never executed: the
// name, version, licences and runtime dependencies are read from the plain
// assignments and calls that RubyGems generates, with the "# stub:" line
// and the file name as fallbacks.
package ruby

import (
	"bufio"
	"bytes"
	"context"
	"io/fs"
	"path"
	"regexp"
	"strings"

	"github.com/package-url/packageurl-go"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lang/internal/bounded"
)

// Name is the extractor's name.
const Name = "lang/ruby"

// MaxFileSize bounds the gemspec read into memory.
const MaxFileSize = 1 << 20

// Extractor reads installed gemspecs.
type Extractor struct{}

var _ inventory.Extractor = Extractor{}

// New returns the Ruby gemspec extractor.
func New() Extractor { return Extractor{} }

// Name implements inventory.Extractor.
func (Extractor) Name() string { return Name }

// Version implements inventory.Extractor.
func (Extractor) Version() int { return 1 }

// Required implements inventory.Extractor: *.gemspec directly inside a
// folder named specifications, or in its default/ folder (the gems that
// ship with Ruby).
func (Extractor) Required(p string, mode fs.FileMode) bool {
	if !mode.IsRegular() || !strings.HasSuffix(p, ".gemspec") {
		return false
	}
	dir := strings.TrimSuffix(path.Dir(p), "/default")
	return dir == "specifications" || strings.HasSuffix(dir, "/specifications")
}

// Extract implements inventory.Extractor.
func (e Extractor) Extract(ctx context.Context, in *inventory.Input) ([]inventory.Package, error) {
	b, err := bounded.ReadAll(in, MaxFileSize)
	if err != nil {
		return nil, err
	}
	p := Parse(b, path.Base(in.Path))
	if p == nil {
		return nil, nil
	}
	p.Path = in.Path
	p.Extractor = Name
	return []inventory.Package{*p}, nil
}

// A Ruby string literal: "x", 'x', %q{x}, %q<x>, %q(x), %q[x], %Q...,
// optionally followed by .freeze.
const str = `(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|%[qQ]?\{([^}]*)\}|%[qQ]?<([^>]*)>|%[qQ]?\(([^)]*)\)|%[qQ]?\[([^\]]*)\])(?:\.freeze)?`

var (
	strRe     = regexp.MustCompile(str)
	nameRe    = regexp.MustCompile(`^\s*\w+\.name\s*=\s*` + str)
	versionRe = regexp.MustCompile(`^\s*\w+\.version\s*=\s*(?:Gem::Version\.new\(\s*)?` + str)
	licenseRe = regexp.MustCompile(`^\s*\w+\.licenses?\s*=\s*(.*)$`)
	platRe    = regexp.MustCompile(`^\s*\w+\.platform\s*=\s*` + str)
	depRe     = regexp.MustCompile(`^\s*\w+\.add_(?:runtime_)?dependency\s*\(?\s*` + str)
	stubRe    = regexp.MustCompile(`^#\s*stub:\s*(\S+)\s+(\S+)`)
)

// attr returns the name after the receiver in a line such as
// `s.name = "x"` or `spec.add_dependency(...)`: "name", "add_dependency".
func attr(line string) string {
	i := 0
	for i < len(line) && isWord(line[i]) {
		i++
	}
	if i == 0 || i >= len(line) || line[i] != '.' {
		return ""
	}
	line = line[i+1:]
	i = 0
	for i < len(line) && isWord(line[i]) {
		i++
	}
	return line[:i]
}

func isWord(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// literal returns the content of the first string literal in a match.
func literal(m []string) string {
	for _, s := range m[1:] {
		if s != "" {
			return s
		}
	}
	return ""
}

// Parse reads a gemspec. base is its file name (name-version.gemspec),
// used when the gemspec itself names no version. It returns nil when no
// name and version can be found.
func Parse(b []byte, base string) *inventory.Package {
	var name, version, stubName, stubVersion, platform string
	var lic, deps []string
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4<<10), MaxFileSize)
	for sc.Scan() {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") {
			if m := stubRe.FindStringSubmatch(line); m != nil && stubName == "" {
				stubName, stubVersion = m[1], m[2]
			}
			continue
		}
		// The attribute or method after "s." picks the one expression
		// worth running.
		switch attr(trimmed) {
		case "add_dependency", "add_runtime_dependency":
			if m := depRe.FindStringSubmatch(line); m != nil {
				if d := literal(m); d != "" && !seen[d] {
					seen[d] = true
					deps = append(deps, d)
				}
			}
		case "name":
			if m := nameRe.FindStringSubmatch(line); m != nil && name == "" {
				name = literal(m)
			}
		case "version":
			if m := versionRe.FindStringSubmatch(line); m != nil && version == "" {
				version = literal(m)
			}
		case "license", "licenses":
			if m := licenseRe.FindStringSubmatch(line); m != nil && lic == nil {
				for _, l := range strRe.FindAllStringSubmatch(m[1], -1) {
					if s := strings.TrimSpace(literal(l)); s != "" {
						lic = append(lic, s)
					}
				}
			}
		case "platform":
			if m := platRe.FindStringSubmatch(line); m != nil && platform == "" {
				platform = literal(m)
			}
		}
	}
	// A scanner error (a line over MaxFileSize) leaves what was read so far.
	if name == "" {
		name = stubName
	}
	if version == "" && stubName == name {
		version = stubVersion
	}
	if version == "" && name != "" {
		stem := strings.TrimSuffix(base, ".gemspec")
		if v, ok := strings.CutPrefix(stem, name+"-"); ok && v != "" {
			if platform != "" {
				v = strings.TrimSuffix(v, "-"+platform)
			}
			version = v
		}
	}
	if name == "" || version == "" {
		return nil
	}
	var q packageurl.Qualifiers
	var meta map[string]string
	if platform != "" && platform != "ruby" {
		q = packageurl.QualifiersFromMap(map[string]string{"platform": platform})
		meta = map[string]string{"platform": platform}
	}
	return &inventory.Package{
		Name: name, Version: version, Type: packageurl.TypeGem,
		PURL:     packageurl.NewPackageURL(packageurl.TypeGem, "", name, version, q, "").ToString(),
		Licenses: lic, DependsOn: deps, Metadata: meta,
	}
}
