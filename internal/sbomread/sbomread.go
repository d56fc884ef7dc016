// Package sbomread reads a software bill of materials written by bulkhead,
// Syft, Trivy or another tool — CycloneDX JSON (1.4 to 1.6) or SPDX JSON (2.2
// and 2.3) — into a report.Report, so that an SBOM can be scanned like an
// image: sbomread.Decode(f).
//
// The packages keep what the SBOM says of them: name, version, purl and purl
// type, licences, source package (from bulkhead's, Trivy's or Syft's
// properties, or the purl's upstream qualifier), file path and layer. The OS
// comes from the operating-system component or the purls' distro qualifier.
package sbomread

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/package-url/packageurl-go"
	"github.com/spdx/tools-golang/spdx/v2/common"
	"github.com/spdx/tools-golang/spdx/v2/v2_3"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/report"
)

// MaxSize bounds the SBOM Decode reads. Decoding streams: the document is
// never held whole, only the packages it yields (and, per element, one
// component or package), so memory grows with the number of packages, not
// with the file's size: a 200 MB CycloneDX SBOM of 262,000 packages decodes
// in about 330 MB (bench/sbom.sh). The bound keeps a scan under 1 GB.
const MaxSize = 256 << 20

// Errors Decode wraps.
var (
	ErrTooLarge = errors.New("SBOM exceeds the size limit")
	ErrUnknown  = errors.New("not a CycloneDX JSON or SPDX JSON document")
)

// maxWarnings bounds the warnings Decode adds for skipped entries.
const maxWarnings = 20

// Decode reads a CycloneDX or SPDX JSON SBOM. The report's target has kind
// "sbom"; the caller sets ToolVersion and CreatedAt as for any scan
// (CreatedAt starts as the SBOM's own creation time when it has one).
func Decode(r io.Reader) (*report.Report, error) {
	return DecodeLimit(r, MaxSize)
}

// limitReader fails once more than n bytes were read.
type limitReader struct {
	r io.Reader
	n int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n < 0 {
		return 0, ErrTooLarge
	}
	if int64(len(p)) > l.n+1 {
		p = p[:l.n+1]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	if l.n < 0 {
		return n, ErrTooLarge
	}
	return n, err
}

// DecodeLimit is Decode with another bound than MaxSize on the bytes read.
//
// The top-level object is read key by key; the large arrays (CycloneDX
// components and dependencies, SPDX packages and relationships) element by
// element, and anything else bulkhead does not use is skipped token by
// token. Keys may come in any order: the format is decided at the end.
func DecodeLimit(r io.Reader, limit int64) (*report.Report, error) {
	br := bufio.NewReaderSize(&limitReader{r: r, n: limit}, 64<<10)
	// XML says so before any JSON is decoded.
	for {
		b, err := br.ReadByte()
		if err != nil {
			break
		}
		if b == ' ' || b == '\n' || b == '\r' || b == '\t' {
			continue
		}
		br.UnreadByte()
		if b == '<' {
			return nil, fmt.Errorf("decode SBOM: %w: XML is not supported; write the SBOM as JSON", ErrUnknown)
		}
		break
	}
	dec := json.NewDecoder(br)
	var d docReader
	if err := d.read(dec); err != nil {
		switch {
		case errors.Is(err, ErrTooLarge):
			return nil, fmt.Errorf("read SBOM: %w (%d bytes)", ErrTooLarge, limit)
		case errors.Is(err, ErrUnknown), strings.HasPrefix(err.Error(), "decode "):
			return nil, err
		case !d.started:
			return nil, fmt.Errorf("decode SBOM: %w: %v", ErrUnknown, err)
		case d.format() != "":
			return nil, fmt.Errorf("decode %s SBOM: %w", d.format(), err)
		}
		return nil, fmt.Errorf("decode SBOM: %w", err)
	}
	switch {
	case d.bomFormat == "CycloneDX":
		if d.specVersion != 0 && d.specVersion < cdx.SpecVersion1_2 {
			return nil, fmt.Errorf("decode CycloneDX SBOM: spec version %s is too old (want 1.4 to 1.6)", d.specVersion)
		}
		return d.cdx.report(d.metadata), nil
	case d.spdxVersion != "":
		switch d.spdxVersion {
		case "SPDX-2.2", "SPDX-2.3":
		default:
			return nil, fmt.Errorf("decode SPDX SBOM: version %q is not supported (want SPDX-2.2 or SPDX-2.3)", d.spdxVersion)
		}
		return d.spdx.report(), nil
	}
	return nil, fmt.Errorf("decode SBOM: %w (no bomFormat \"CycloneDX\" or spdxVersion field)", ErrUnknown)
}

// docReader holds what the top-level keys said so far.
type docReader struct {
	started     bool // the document is a JSON object
	bomFormat   string
	specVersion cdx.SpecVersion
	spdxVersion string
	metadata    *cdx.Metadata
	cdx         cdxReader
	spdx        spdxReader
}

// format names the format the keys seen so far say, or "".
func (d *docReader) format() string {
	switch {
	case d.bomFormat == "CycloneDX":
		return "CycloneDX"
	case d.spdxVersion != "":
		return "SPDX"
	}
	return ""
}

func (d *docReader) read(dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != json.Delim('{') {
		return fmt.Errorf("decode SBOM: %w (the document is not a JSON object)", ErrUnknown)
	}
	d.started = true
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		switch key {
		case "bomFormat":
			err = dec.Decode(&d.bomFormat)
		case "specVersion":
			if err = dec.Decode(&d.specVersion); err != nil {
				err = fmt.Errorf("decode CycloneDX SBOM: specVersion: %w", err)
			}
		case "spdxVersion":
			err = dec.Decode(&d.spdxVersion)
		case "metadata":
			d.metadata = &cdx.Metadata{}
			if err = dec.Decode(d.metadata); err != nil {
				err = fmt.Errorf("decode CycloneDX SBOM: metadata: %w", err)
			}
		case "components":
			err = eachElement(dec, "CycloneDX", key, func() error {
				var c cdx.Component
				if err := dec.Decode(&c); err != nil {
					return err
				}
				d.cdx.component(&c, 0)
				return nil
			})
		case "dependencies":
			err = eachElement(dec, "CycloneDX", key, func() error {
				var dep cdx.Dependency
				if err := dec.Decode(&dep); err != nil {
					return err
				}
				d.cdx.dependency(&dep)
				return nil
			})
		case "name":
			var v any
			if err = dec.Decode(&v); err == nil {
				d.spdx.name, _ = v.(string)
			}
		case "creationInfo":
			var ci struct {
				Created string `json:"created"`
			}
			if err = dec.Decode(&ci); err != nil {
				err = fmt.Errorf("decode SPDX SBOM: creationInfo: %w", err)
			}
			d.spdx.created = ci.Created
		case "hasExtractedLicensingInfos":
			err = eachElement(dec, "SPDX", key, func() error {
				var ol v2_3.OtherLicense
				if err := dec.Decode(&ol); err != nil {
					return err
				}
				d.spdx.otherLicense(&ol)
				return nil
			})
		case "documentDescribes":
			var ids []common.DocElementID
			if err = dec.Decode(&ids); err != nil {
				err = fmt.Errorf("decode SPDX SBOM: documentDescribes: %w", err)
			}
			for _, id := range ids {
				d.spdx.root(id.ElementRefID)
			}
		case "packages":
			err = eachElement(dec, "SPDX", key, func() error {
				var sp v2_3.Package
				if err := dec.Decode(&sp); err != nil {
					return err
				}
				d.spdx.pkg(&sp)
				return nil
			})
		case "relationships":
			err = eachElement(dec, "SPDX", key, func() error {
				var rel v2_3.Relationship
				if err := dec.Decode(&rel); err != nil {
					return err
				}
				d.spdx.relationship(&rel)
				return nil
			})
		default:
			err = skipValue(dec)
		}
		if err != nil {
			return err
		}
	}
	_, err = dec.Token() // the closing brace
	return err
}

// eachElement calls fn once per element of the array that comes next in
// dec (null is an empty array); fn decodes the element.
func eachElement(dec *json.Decoder, format, key string, fn func() error) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok == nil {
		return nil
	}
	if tok != json.Delim('[') {
		return fmt.Errorf("decode %s SBOM: %s: want an array, not %v", format, key, tok)
	}
	for i := 0; dec.More(); i++ {
		if err := fn(); err != nil {
			if errors.Is(err, ErrTooLarge) {
				return err
			}
			return fmt.Errorf("decode %s SBOM: %s[%d]: %w", format, key, i, err)
		}
	}
	_, err = dec.Token()
	return err
}

// skipValue reads past the next value token by token, so that an unused
// array of any size is never held in memory.
func skipValue(dec *json.Decoder) error {
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

func newReport(name, created string) *report.Report {
	var t time.Time
	if created != "" {
		if pt, err := time.Parse(time.RFC3339, created); err == nil {
			t = pt
		}
	}
	r := report.New(report.Target{Kind: report.KindSBOM, Name: name}, "", t)
	if t.IsZero() {
		r.CreatedAt = time.Time{}
	}
	return r
}

// warner keeps at most maxWarnings warnings, then says how many more.
type warner struct {
	msgs []string
	n    int
	what string
}

func (w *warner) warn(format string, args ...any) {
	w.n++
	if w.n <= maxWarnings {
		w.msgs = append(w.msgs, fmt.Sprintf(format, args...))
	}
}

// done adds the warnings to r.
func (w *warner) done(r *report.Report) {
	for _, m := range w.msgs {
		r.Warn(m)
	}
	if w.n > maxWarnings {
		r.Warn(fmt.Sprintf("%d more %s skipped", w.n-maxWarnings, w.what))
	}
}

// facts is what a package's properties, annotations and purl say beyond
// name and version; the first source to set a field wins.
type facts struct {
	typ, path, layer, diffID, srcName, srcVersion, extractor, arch, relationship string
	licenses                                                                     []string
	metadata                                                                     map[string]string
}

func setOnce(dst *string, v string) {
	if *dst == "" {
		*dst = strings.TrimSpace(v)
	}
}

// property applies one name/value pair from bulkhead, Trivy or Syft.
func (f *facts) property(name, value string) {
	switch name {
	case "bulkhead:package:type":
		setOnce(&f.typ, value)
	case "bulkhead:package:path":
		setOnce(&f.path, value)
	case "bulkhead:layer:digest":
		setOnce(&f.layer, value)
	case "bulkhead:package:source-name":
		setOnce(&f.srcName, value)
	case "bulkhead:package:source-version":
		setOnce(&f.srcVersion, value)
	case "bulkhead:package:extractor":
		setOnce(&f.extractor, value)
	case "bulkhead:package:arch":
		setOnce(&f.arch, value)
	case "bulkhead:package:relationship":
		setOnce(&f.relationship, value)
	case "bulkhead:package:license":
		f.licenses = append(f.licenses, value)

	case "aquasecurity:trivy:SrcName", "SrcName":
		setOnce(&f.srcName, value)
	case "aquasecurity:trivy:SrcVersion", "SrcVersion":
		setOnce(&f.srcVersion, value)
	case "aquasecurity:trivy:PkgType", "PkgType":
		setOnce(&f.typ, trivyType(value))
	case "aquasecurity:trivy:FilePath", "FilePath":
		setOnce(&f.path, strings.TrimPrefix(value, "/"))
	case "aquasecurity:trivy:LayerDigest", "LayerDigest":
		setOnce(&f.layer, value)
	case "aquasecurity:trivy:LayerDiffID", "LayerDiffID":
		setOnce(&f.diffID, value) // used when there is no LayerDigest

	case "syft:package:type":
		setOnce(&f.typ, syftType(value))
	case "syft:metadata:source", "syft:metadata:originPackage":
		setOnce(&f.srcName, value)
	case "syft:metadata:sourceRpm":
		if n, v := upstream("rpm", value); n != "" {
			setOnce(&f.srcName, n)
			setOnce(&f.srcVersion, v)
		}
	case "syft:metadata:sourceVersion":
		setOnce(&f.srcVersion, value)
	case "syft:location:0:path":
		setOnce(&f.path, strings.TrimPrefix(value, "/"))
	case "syft:location:0:layerID":
		setOnce(&f.diffID, value)
	case "syft:metadata:architecture":
		setOnce(&f.arch, value)
	default:
		if k, ok := strings.CutPrefix(name, "bulkhead:metadata:"); ok && k != "" {
			if f.metadata == nil {
				f.metadata = map[string]string{}
			}
			f.metadata[k] = value
		}
	}
}

// trivyType maps Trivy's package types to purl types.
func trivyType(t string) string {
	switch t {
	case "debian", "ubuntu":
		return "deb"
	case "alpine", "wolfi", "chainguard":
		return "apk"
	case "redhat", "centos", "rocky", "alma", "amazon", "oracle", "fedora", "photon", "cbl-mariner", "azurelinux", "suse", "opensuse", "opensuse.leap", "opensuse.tumbleweed", "sles":
		return "rpm"
	case "gobinary", "gomod":
		return "golang"
	case "npm", "yarn", "pnpm", "node-pkg", "bun":
		return "npm"
	case "pip", "pipenv", "poetry", "python-pkg", "uv", "conda-pkg":
		return "pypi"
	case "jar", "pom", "gradle", "sbt":
		return "maven"
	case "gemspec", "bundler":
		return "gem"
	case "cargo", "rustbinary":
		return "cargo"
	case "composer", "composer-vendor":
		return "composer"
	case "nuget", "dotnet-core", "packages-props":
		return "nuget"
	}
	return t
}

// syftType maps Syft's package types to purl types.
func syftType(t string) string {
	switch t {
	case "deb":
		return "deb"
	case "apk":
		return "apk"
	case "rpm":
		return "rpm"
	case "go-module":
		return "golang"
	case "npm":
		return "npm"
	case "python":
		return "pypi"
	case "java-archive", "jenkins-plugin":
		return "maven"
	case "gem":
		return "gem"
	case "rust-crate":
		return "cargo"
	case "php-composer":
		return "composer"
	case "dotnet":
		return "nuget"
	}
	return t
}

// purlFacts fills what the purl says: type, arch, source from the upstream
// qualifier, and the distro.
func (f *facts) purl(p *packageurl.PackageURL, name string) (distro string) {
	setOnce(&f.typ, p.Type)
	q := p.Qualifiers.Map()
	setOnce(&f.arch, q["arch"])
	if up := q["upstream"]; up != "" && f.srcName == "" {
		n, v := upstream(p.Type, up)
		f.srcName = n
		setOnce(&f.srcVersion, v)
	}
	return q["distro"]
}

// upstream reads the purl upstream qualifier: "name", "name@version" (Syft),
// or an rpm source file "name-version-release.src.rpm".
func upstream(typ, up string) (name, version string) {
	if n, v, ok := strings.Cut(up, "@"); ok {
		return n, v
	}
	if typ == "rpm" && strings.HasSuffix(up, ".src.rpm") {
		nvr := strings.TrimSuffix(up, ".src.rpm")
		if i := strings.LastIndexByte(nvr, '-'); i > 0 {
			if j := strings.LastIndexByte(nvr[:i], '-'); j > 0 {
				return nvr[:j], nvr[j+1:]
			}
		}
	}
	return up, ""
}

// osFromDistro reads a purl distro qualifier: "debian-12", "alpine-3.18.4",
// "rhel-9.3"; a bare codename ("bookworm") gives no version.
func osFromDistro(d string, purlNamespace string) *inventory.OS {
	if d == "" {
		return nil
	}
	for i := len(d) - 1; i > 0; i-- {
		if d[i] == '-' && i+1 < len(d) && d[i+1] >= '0' && d[i+1] <= '9' {
			return &inventory.OS{ID: strings.ToLower(d[:i]), VersionID: d[i+1:]}
		}
	}
	if purlNamespace != "" {
		return &inventory.OS{ID: strings.ToLower(purlNamespace), Codename: d}
	}
	return nil
}

// packageName builds the ecosystem's package name from an SBOM's name and
// group (Maven group:artifact, npm @scope/name, Go module paths).
func packageName(name, group string, p *packageurl.PackageURL) string {
	if name == "" && p != nil {
		name = p.Name
		group = p.Namespace
		if p.Type == "deb" || p.Type == "apk" || p.Type == "rpm" {
			group = ""
		}
	}
	if group == "" && p != nil && name == p.Name && p.Namespace != "" &&
		(p.Type == "maven" || strings.HasPrefix(p.Namespace, "@")) {
		group = p.Namespace // SPDX has no group: Maven and scoped npm names from the purl
	}
	if group == "" || strings.Contains(name, group) {
		return name
	}
	typ := ""
	if p != nil {
		typ = p.Type
	}
	if typ == "maven" || typ == "" && !strings.Contains(group, "/") && strings.Contains(group, ".") && !strings.HasPrefix(group, "@") {
		return group + ":" + name
	}
	return group + "/" + name
}

// finish turns the facts into a package.
func (f *facts) pkg(name, version, purl, defaultExtractor string) inventory.Package {
	p := inventory.Package{
		Name: name, Version: version, Type: f.typ, Arch: f.arch, PURL: purl,
		SourceName: f.srcName, SourceVersion: f.srcVersion, Licenses: f.licenses,
		Path: f.path, Layer: f.layer, Extractor: f.extractor, Relationship: f.relationship, Metadata: f.metadata,
	}
	if p.Layer == "" {
		p.Layer = f.diffID
	}
	if p.SourceName == p.Name {
		p.SourceName = "" // inventory's convention: empty when equal to Name
	}
	if p.Extractor == "" {
		p.Extractor = defaultExtractor
	}
	return p
}

func parsePURL(s string) *packageurl.PackageURL {
	if s == "" {
		return nil
	}
	p, err := packageurl.FromString(s)
	if err != nil {
		return nil
	}
	return &p
}
