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
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/package-url/packageurl-go"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/report"
)

// MaxSize bounds the SBOM Decode reads.
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

// DecodeLimit is Decode with another bound than MaxSize on the bytes read.
func DecodeLimit(r io.Reader, limit int64) (*report.Report, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read SBOM: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("read SBOM: %w (%d bytes)", ErrTooLarge, limit)
	}
	var head struct {
		BOMFormat   *string `json:"bomFormat"`
		SpecVersion *string `json:"specVersion"`
		SPDXVersion *string `json:"spdxVersion"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		if bytes.HasPrefix(bytes.TrimSpace(data), []byte("<")) {
			return nil, fmt.Errorf("decode SBOM: %w: XML is not supported; write the SBOM as JSON", ErrUnknown)
		}
		return nil, fmt.Errorf("decode SBOM: %w: %v", ErrUnknown, err)
	}
	switch {
	case head.BOMFormat != nil && *head.BOMFormat == "CycloneDX":
		return decodeCycloneDX(data)
	case head.SPDXVersion != nil:
		return decodeSPDX(data, *head.SPDXVersion)
	}
	return nil, fmt.Errorf("decode SBOM: %w (no bomFormat \"CycloneDX\" or spdxVersion field)", ErrUnknown)
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

// warner adds at most maxWarnings warnings, then one that says how many more.
type warner struct {
	r    *report.Report
	n    int
	what string
}

func (w *warner) warn(format string, args ...any) {
	w.n++
	if w.n <= maxWarnings {
		w.r.Warn(fmt.Sprintf(format, args...))
	}
}

func (w *warner) done() {
	if w.n > maxWarnings {
		w.r.Warn(fmt.Sprintf("%d more %s skipped", w.n-maxWarnings, w.what))
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
