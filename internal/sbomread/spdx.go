package sbomread

import (
	"bytes"
	"fmt"
	"strings"

	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx/v2/common"
	"github.com/spdx/tools-golang/spdx/v2/v2_3"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/report"
)

func decodeSPDX(data []byte, version string) (*report.Report, error) {
	switch version {
	case "SPDX-2.2", "SPDX-2.3":
	default:
		return nil, fmt.Errorf("decode SPDX SBOM: version %q is not supported (want SPDX-2.2 or SPDX-2.3)", version)
	}
	doc, err := spdxjson.Read(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("decode SPDX SBOM: %w", err)
	}
	created := ""
	if doc.CreationInfo != nil {
		created = doc.CreationInfo.Created
	}
	byID := map[common.ElementID]*v2_3.Package{}
	for _, p := range doc.Packages {
		if p != nil {
			byID[p.PackageSPDXIdentifier] = p
		}
	}
	// The root is what the document DESCRIBES.
	roots := map[common.ElementID]bool{}
	for _, rel := range doc.Relationships {
		if rel == nil {
			continue
		}
		switch strings.ToUpper(rel.Relationship) {
		case "DESCRIBES":
			if rel.RefA.ElementRefID == "DOCUMENT" {
				roots[rel.RefB.ElementRefID] = true
			}
		case "DESCRIBED_BY":
			if rel.RefB.ElementRefID == "DOCUMENT" {
				roots[rel.RefA.ElementRefID] = true
			}
		}
	}
	name := doc.DocumentName
	var root *v2_3.Package
	for id := range roots {
		if p := byID[id]; p != nil && (root == nil || p.PackageSPDXIdentifier < root.PackageSPDXIdentifier) {
			root = p
		}
	}
	if root != nil {
		name = root.PackageName
	}
	r := newReport(name, created)
	if root != nil {
		if p := parsePURL(purlOf(root)); p != nil && p.Type == "oci" && strings.HasPrefix(p.Version, "sha256:") {
			r.Target.Digest = p.Version
		}
		for _, c := range root.PackageChecksums {
			if r.Target.Digest == "" && c.Algorithm == common.SHA256 && root.PrimaryPackagePurpose == "CONTAINER" {
				r.Target.Digest = "sha256:" + c.Value
			}
		}
	}

	extracted := map[string]string{}
	for _, ol := range doc.OtherLicenses {
		if ol != nil {
			text := ol.ExtractedText
			if ol.LicenseName != "" && ol.LicenseName != noAssertion {
				text = ol.LicenseName
			}
			extracted[ol.LicenseIdentifier] = text
		}
	}

	w := &warner{r: r, what: "SPDX packages"}
	index := map[common.ElementID]int{}
	for _, sp := range doc.Packages {
		if sp == nil || roots[sp.PackageSPDXIdentifier] {
			continue
		}
		purpose := sp.PrimaryPackagePurpose
		if purpose == "" && strings.HasPrefix(string(sp.PackageSPDXIdentifier), "OperatingSystem-") {
			purpose = "OPERATING-SYSTEM" // SPDX 2.2 has no purpose; bulkhead and Trivy name the id
		}
		switch purpose {
		case "OPERATING-SYSTEM":
			if r.Target.OS == nil {
				r.Target.OS = &inventory.OS{ID: strings.ToLower(sp.PackageName), VersionID: sp.PackageVersion, PrettyName: sp.PackageDescription}
			}
			continue
		case "CONTAINER", "FILE", "SOURCE", "ARCHIVE", "DEVICE", "FIRMWARE":
			continue
		}
		purl := purlOf(sp)
		p := parsePURL(purl)
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
			if sp.PackageVersion != "" && purpose != "APPLICATION" {
				w.warn("SPDX package %q (%s) has no purl and no type; skipped", sp.PackageName, string(sp.PackageSPDXIdentifier))
			}
			continue
		}
		if from, ok := strings.CutPrefix(sp.PackageSourceInfo, "built package from: "); ok {
			// Trivy: "built package from: openssl 3.0.11-1~deb12u2"
			n, v, _ := strings.Cut(strings.TrimSpace(from), " ")
			setOnce(&f.srcName, n)
			setOnce(&f.srcVersion, v)
		}
		if p != nil {
			if d := f.purl(p, sp.PackageName); d != "" && r.Target.OS == nil {
				r.Target.OS = osFromDistro(d, p.Namespace)
			}
		}
		if f.path == "" {
			f.path = sourceInfoPath(sp.PackageSourceInfo)
		}
		if len(f.licenses) == 0 {
			f.licenses = spdxLicenses(sp, extracted)
		}
		pkg := f.pkg(packageName(sp.PackageName, "", p), sp.PackageVersion, purl, "sbom/spdx")
		index[sp.PackageSPDXIdentifier] = len(r.Packages)
		r.Packages = append(r.Packages, pkg)
	}
	w.done()

	for _, rel := range doc.Relationships {
		if rel == nil {
			continue
		}
		a, b := rel.RefA.ElementRefID, rel.RefB.ElementRefID
		switch strings.ToUpper(rel.Relationship) {
		case "DEPENDS_ON":
		case "DEPENDENCY_OF":
			a, b = b, a
		default:
			continue
		}
		i, ok1 := index[a]
		j, ok2 := index[b]
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
	return r, nil
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

// spdxLicenses reads licenseDeclared (or licenseConcluded), turning
// LicenseRefs back into the text the document extracted for them.
func spdxLicenses(p *v2_3.Package, extracted map[string]string) []string {
	l := p.PackageLicenseDeclared
	if l == "" || l == noAssertion || l == "NONE" {
		l = p.PackageLicenseConcluded
	}
	if l == "" || l == noAssertion || l == "NONE" {
		return nil
	}
	if text, ok := extracted[l]; ok && text != "" {
		return []string{text}
	}
	return []string{l}
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
