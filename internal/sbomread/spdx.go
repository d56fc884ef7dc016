package sbomread

import (
	"fmt"
	"strings"

	"github.com/spdx/tools-golang/spdx/v2/common"
	"github.com/spdx/tools-golang/spdx/v2/v2_3"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/report"
)

// spdxReader turns SPDX packages into packages as they stream. What
// depends on the whole document (which packages are the roots it
// describes, the extracted licence texts) is settled in report.
type spdxReader struct {
	name, created string
	entries       []spdxEntry
	roots         map[common.ElementID]bool
	extracted     map[string]string
	// edges are DEPENDS_ON pairs (a depends on b) in document order.
	edges [][2]common.ElementID
}

// spdxEntry is what one SPDX package contributes.
type spdxEntry struct {
	id      common.ElementID
	name    string
	purl    string
	sha256  string // the first SHA256 checksum of a CONTAINER package
	os      *inventory.OS
	distro  *inventory.OS // from the purl's distro qualifier
	skip    bool          // not a package (container, file, ...)
	warn    string        // why it was skipped, when that deserves a warning
	pkg     inventory.Package
	license string // licenseDeclared or licenseConcluded, when the annotations gave none
}

func (s *spdxReader) root(id common.ElementID) {
	if s.roots == nil {
		s.roots = map[common.ElementID]bool{}
	}
	s.roots[id] = true
}

func (s *spdxReader) otherLicense(ol *v2_3.OtherLicense) {
	if s.extracted == nil {
		s.extracted = map[string]string{}
	}
	text := ol.ExtractedText
	if ol.LicenseName != "" && ol.LicenseName != noAssertion {
		text = ol.LicenseName
	}
	s.extracted[ol.LicenseIdentifier] = text
}

func (s *spdxReader) relationship(rel *v2_3.Relationship) {
	a, b := rel.RefA.ElementRefID, rel.RefB.ElementRefID
	switch strings.ToUpper(rel.Relationship) {
	case "DESCRIBES":
		if a == "DOCUMENT" {
			s.root(b)
		}
	case "DESCRIBED_BY":
		if b == "DOCUMENT" {
			s.root(a)
		}
	case "DEPENDS_ON":
		s.edges = append(s.edges, [2]common.ElementID{a, b})
	case "DEPENDENCY_OF":
		s.edges = append(s.edges, [2]common.ElementID{b, a})
	}
}

func (s *spdxReader) pkg(sp *v2_3.Package) {
	e := spdxEntry{id: sp.PackageSPDXIdentifier, name: sp.PackageName, purl: purlOf(sp)}
	purpose := sp.PrimaryPackagePurpose
	if purpose == "CONTAINER" {
		for _, c := range sp.PackageChecksums {
			if c.Algorithm == common.SHA256 {
				e.sha256 = c.Value
				break
			}
		}
	}
	if purpose == "" && strings.HasPrefix(string(sp.PackageSPDXIdentifier), "OperatingSystem-") {
		purpose = "OPERATING-SYSTEM" // SPDX 2.2 has no purpose; bulkhead and Trivy name the id
	}
	switch purpose {
	case "OPERATING-SYSTEM":
		e.os = &inventory.OS{ID: strings.ToLower(sp.PackageName), VersionID: sp.PackageVersion, PrettyName: sp.PackageDescription}
		e.skip = true
		s.entries = append(s.entries, e)
		return
	case "CONTAINER", "FILE", "SOURCE", "ARCHIVE", "DEVICE", "FIRMWARE":
		e.skip = true
		s.entries = append(s.entries, e)
		return
	}
	p := parsePURL(e.purl)
	var f facts
	for _, a := range sp.Annotations {
		f.annotation(a.AnnotationComment)
	}
	for _, a := range sp.PackageAttributionTexts {
		f.annotation(a) // older Trivy
	}
	if p == nil && f.typ == "" {
		// No purl and no type: Trivy's lockfile applications, Syft's
		// directory sources, anything that is not a package.
		e.skip = true
		if sp.PackageVersion != "" && purpose != "APPLICATION" {
			e.warn = fmt.Sprintf("SPDX package %q (%s) has no purl and no type; skipped", sp.PackageName, string(sp.PackageSPDXIdentifier))
		}
		s.entries = append(s.entries, e)
		return
	}
	if from, ok := strings.CutPrefix(sp.PackageSourceInfo, "built package from: "); ok {
		// Trivy: "built package from: openssl 3.0.11-1~deb12u2"
		n, v, _ := strings.Cut(strings.TrimSpace(from), " ")
		setOnce(&f.srcName, n)
		setOnce(&f.srcVersion, v)
	}
	if p != nil {
		if d := f.purl(p, sp.PackageName); d != "" {
			e.distro = osFromDistro(d, p.Namespace)
		}
	}
	if f.path == "" {
		f.path = sourceInfoPath(sp.PackageSourceInfo)
	}
	if len(f.licenses) == 0 {
		e.license = spdxLicense(sp)
	}
	e.pkg = f.pkg(packageName(sp.PackageName, "", p), sp.PackageVersion, e.purl, "sbom/spdx")
	s.entries = append(s.entries, e)
}

// report builds the report once the whole document was read.
func (s *spdxReader) report() *report.Report {
	name := s.name
	var root *spdxEntry
	for i := range s.entries {
		e := &s.entries[i]
		if s.roots[e.id] && (root == nil || e.id < root.id) {
			root = e
		}
	}
	if root != nil {
		name = root.name
	}
	r := newReport(name, s.created)
	if root != nil {
		if p := parsePURL(root.purl); p != nil && p.Type == "oci" && strings.HasPrefix(p.Version, "sha256:") {
			r.Target.Digest = p.Version
		}
		if r.Target.Digest == "" && root.sha256 != "" {
			r.Target.Digest = "sha256:" + root.sha256
		}
	}
	w := &warner{what: "SPDX packages"}
	index := map[common.ElementID]int{}
	r.Packages = make([]inventory.Package, 0, len(s.entries))
	for i := range s.entries {
		e := &s.entries[i]
		if s.roots[e.id] {
			continue
		}
		if e.os != nil && r.Target.OS == nil {
			r.Target.OS = e.os
		}
		if e.skip {
			if e.warn != "" {
				w.warn("%s", e.warn)
			}
			continue
		}
		if e.distro != nil && r.Target.OS == nil {
			r.Target.OS = e.distro
		}
		if e.license != "" {
			e.pkg.Licenses = []string{e.license}
			if text, ok := s.extracted[e.license]; ok && text != "" {
				e.pkg.Licenses = []string{text}
			}
		}
		index[e.id] = len(r.Packages)
		r.Packages = append(r.Packages, e.pkg)
		e.pkg = inventory.Package{}
	}
	w.done(r)
	s.entries = nil
	for _, ed := range s.edges {
		i, ok1 := index[ed[0]]
		j, ok2 := index[ed[1]]
		if !ok1 || !ok2 || i == j {
			continue
		}
		dep := r.Packages[j].Name
		dup := false
		for _, d := range r.Packages[i].DependsOn {
			dup = dup || d == dep
		}
		if !dup {
			r.Packages[i].DependsOn = append(r.Packages[i].DependsOn, dep)
		}
	}
	return r
}

const noAssertion = "NOASSERTION"

func purlOf(p *v2_3.Package) string {
	for _, ref := range p.PackageExternalReferences {
		if ref == nil {
			continue
		}
		cat := strings.ReplaceAll(strings.ToUpper(ref.Category), "_", "-")
		if cat == "PACKAGE-MANAGER" && strings.EqualFold(ref.RefType, "purl") {
			return ref.Locator
		}
	}
	return ""
}

// spdxLicense reads licenseDeclared (or licenseConcluded); report turns
// LicenseRefs back into the text the document extracted for them.
func spdxLicense(p *v2_3.Package) string {
	l := p.PackageLicenseDeclared
	if l == "" || l == noAssertion || l == "NONE" {
		l = p.PackageLicenseConcluded
	}
	if l == "" || l == noAssertion || l == "NONE" {
		return ""
	}
	return l
}

// sourceInfoPath takes the first path Syft names in sourceInfo, such as
// "acquired package info from DPKG DB: /var/lib/dpkg/status".
func sourceInfoPath(s string) string {
	_, rest, ok := strings.Cut(s, ": /")
	if !ok {
		return ""
	}
	if i := strings.IndexAny(rest, ", "); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

// annotation reads "bulkhead:key=value" or Trivy's "Key: value".
func (f *facts) annotation(c string) {
	if k, v, ok := strings.Cut(c, "="); ok && strings.HasPrefix(k, "bulkhead:") {
		f.property(k, v)
	} else if k, v, ok := strings.Cut(c, ": "); ok {
		f.property(strings.TrimSpace(k), strings.TrimSpace(v))
	}
}
