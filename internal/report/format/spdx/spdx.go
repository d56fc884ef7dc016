// Package spdx writes a report's SBOM as an SPDX 2.3 JSON document: a root
// package for the target, the OS, one package per inventory package with its
// purl, declared licence and origin, and DESCRIBES / CONTAINS / DEPENDS_ON
// relationships. The document namespace and ids are derived from the report,
// so the same report always gives the same document.
package spdx

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"
	"time"

	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx/v2/common"
	"github.com/spdx/tools-golang/spdx/v2/v2_3"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/report"
	"github.com/bulkhead-sec/bulkhead/internal/report/format/internal/sbomgraph"
	"github.com/bulkhead-sec/bulkhead/internal/report/format/internal/spdxlicense"
)

// Options are the options all formats share; spdx uses none of them.
type Options = report.WriteOptions

// NamespaceBase prefixes every document namespace bulkhead writes.
const NamespaceBase = "https://bulkhead.dev/spdxdocs/"

// AnnotationPrefix starts the comment of every machine-readable annotation
// bulkhead puts on a package: "bulkhead:<key>=<value>". The keys are those of
// the CycloneDX properties (package:type, package:path, layer:digest,
// package:source-name, package:source-version, package:extractor,
// package:arch, package:relationship, package:license).
const AnnotationPrefix = "bulkhead:"

const noAssertion = "NOASSERTION"

// Write writes r as SPDX 2.3 JSON.
func Write(w io.Writer, r *report.Report, _ Options) error {
	doc := Build(r)
	if err := spdxjson.Write(doc, w, spdxjson.Indent("  "), spdxjson.EscapeHTML(false)); err != nil {
		return fmt.Errorf("write spdx: %w", err)
	}
	return nil
}

func created(r *report.Report) string {
	t := r.CreatedAt
	if t.IsZero() {
		t = time.Unix(0, 0)
	}
	return t.UTC().Format("2006-01-02T15:04:05Z")
}

// Build converts r into an SPDX 2.3 document.
func Build(r *report.Report) *v2_3.Document {
	tool := "bulkhead"
	if r.ToolVersion != "" {
		tool += "-" + r.ToolVersion
	}
	when := created(r)
	name := r.Target.Name
	if name == "" {
		name = r.Target.Kind
	}
	doc := &v2_3.Document{
		SPDXVersion:       v2_3.Version,
		DataLicense:       v2_3.DataLicense,
		SPDXIdentifier:    "DOCUMENT",
		DocumentName:      name,
		DocumentNamespace: namespace(r),
		CreationInfo: &v2_3.CreationInfo{
			Creators: []common.Creator{{CreatorType: "Organization", Creator: "bulkhead-sec"}, {CreatorType: "Tool", Creator: tool}},
			Created:  when,
		},
	}
	annotator := common.Annotator{AnnotatorType: "Tool", Annotator: tool}
	rootID := common.ElementID("Target")
	root := &v2_3.Package{
		PackageName:             name,
		PackageSPDXIdentifier:   rootID,
		PackageDownloadLocation: noAssertion,
		PackageLicenseConcluded: noAssertion,
		PackageLicenseDeclared:  noAssertion,
		PackageCopyrightText:    noAssertion,
		PrimaryPackagePurpose:   "APPLICATION",
		PackageComment:          "target kind: " + r.Target.Kind,
	}
	switch r.Target.Kind {
	case report.KindImage:
		root.PrimaryPackagePurpose = "CONTAINER"
		root.PackageVersion = r.Target.Digest
		if alg, val, ok := strings.Cut(r.Target.Digest, ":"); ok && alg == "sha256" {
			root.PackageChecksums = []common.Checksum{{Algorithm: common.SHA256, Value: val}}
		}
		if p := sbomgraph.ImagePURL(r.Target); p != "" {
			root.PackageExternalReferences = []*v2_3.PackageExternalReference{{Category: "PACKAGE-MANAGER", RefType: "purl", Locator: p}}
		}
	case report.KindDockerfile:
		root.PrimaryPackagePurpose = "FILE"
	}
	doc.Packages = append(doc.Packages, root)
	doc.Relationships = append(doc.Relationships, rel("DOCUMENT", rootID, "DESCRIBES"))

	var osID common.ElementID
	if o := r.Target.OS; o != nil && o.ID != "" {
		osID = common.ElementID("OperatingSystem-" + idPart(o.ID))
		doc.Packages = append(doc.Packages, &v2_3.Package{
			PackageName:             o.ID,
			PackageSPDXIdentifier:   osID,
			PackageVersion:          o.VersionID,
			PackageDownloadLocation: noAssertion,
			PackageLicenseConcluded: noAssertion,
			PackageLicenseDeclared:  noAssertion,
			PackageCopyrightText:    noAssertion,
			PackageDescription:      o.PrettyName,
			PrimaryPackagePurpose:   "OPERATING-SYSTEM",
		})
		doc.Relationships = append(doc.Relationships, rel(rootID, osID, "CONTAINS"))
	}

	refs := sbomgraph.Refs(r.Packages)
	ids := make([]common.ElementID, len(r.Packages))
	others := map[string]*v2_3.OtherLicense{}
	for i := range r.Packages {
		p := &r.Packages[i]
		ids[i] = packageID(p, refs[i])
		sp := &v2_3.Package{
			PackageName:             p.Name,
			PackageSPDXIdentifier:   ids[i],
			PackageVersion:          p.Version,
			PackageDownloadLocation: noAssertion,
			PackageLicenseConcluded: noAssertion,
			PackageLicenseDeclared:  declared(p.Licenses, others),
			PackageCopyrightText:    noAssertion,
			PackageSourceInfo:       sourceInfo(p),
			PrimaryPackagePurpose:   "LIBRARY",
		}
		if p.PURL != "" {
			sp.PackageExternalReferences = []*v2_3.PackageExternalReference{{Category: "PACKAGE-MANAGER", RefType: "purl", Locator: p.PURL}}
		}
		sp.Annotations = annotations(p, annotator, when)
		doc.Packages = append(doc.Packages, sp)
		parent := rootID
		if osID != "" && sbomgraph.OSTypes[p.Type] {
			parent = osID
		}
		doc.Relationships = append(doc.Relationships, rel(parent, ids[i], "CONTAINS"))
	}
	g := sbomgraph.Resolve(r.Packages)
	for i, on := range g.Edges {
		for _, j := range on {
			doc.Relationships = append(doc.Relationships, rel(ids[i], ids[j], "DEPENDS_ON"))
		}
	}
	keys := make([]string, 0, len(others))
	for k := range others {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		doc.OtherLicenses = append(doc.OtherLicenses, others[k])
	}
	return doc
}

func rel(a, b common.ElementID, typ string) *v2_3.Relationship {
	return &v2_3.Relationship{RefA: common.MakeDocElementID("", string(a)), RefB: common.MakeDocElementID("", string(b)), Relationship: typ}
}

// namespace is unique per target and report, and the same for the same report.
func namespace(r *report.Report) string {
	h := sha256.Sum256([]byte(strings.Join([]string{r.Target.Kind, r.Target.Name, r.Target.Digest, r.ToolVersion, created(r)}, "\x00")))
	name := r.Target.Name
	if name == "" {
		name = r.Target.Kind
	}
	return NamespaceBase + url.PathEscape(r.Target.Kind) + "/" + url.PathEscape(name) + "-" + hex.EncodeToString(h[:8])
}

// packageID is "Package-<type>-<name>-<hash of the unique ref>": readable,
// and unique because the ref is.
func packageID(p *inventory.Package, ref string) common.ElementID {
	h := sha256.Sum256([]byte(ref))
	name := idPart(p.Name)
	if len(name) > 64 {
		name = name[:64]
	}
	return common.ElementID(fmt.Sprintf("Package-%s-%s-%s", idPart(p.Type), name, hex.EncodeToString(h[:8])))
}

// idPart keeps the characters an SPDX id allows ([A-Za-z0-9.-]).
func idPart(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			b[i] = '-'
		}
	}
	if len(b) == 0 {
		return "none"
	}
	return string(b)
}

// declared joins the declared licences with AND. A licence that is not a
// valid SPDX expression becomes a LicenseRef whose text is kept in the
// document's extracted licensing info.
func declared(ls []string, others map[string]*v2_3.OtherLicense) string {
	var parts []string
	for _, l := range ls {
		if strings.TrimSpace(l) == "" {
			continue
		}
		expr, ok := spdxlicense.Normalize(l)
		if !ok {
			expr = spdxlicense.Ref(l)
			if _, seen := others[expr]; !seen {
				others[expr] = &v2_3.OtherLicense{LicenseIdentifier: expr, ExtractedText: l, LicenseName: l,
					LicenseComment: "declared by the package; not an SPDX licence expression"}
			}
		}
		if len(ls) > 1 && strings.ContainsAny(expr, " ") {
			expr = "(" + expr + ")"
		}
		parts = append(parts, expr)
	}
	if len(parts) == 0 {
		return noAssertion
	}
	return strings.Join(parts, " AND ")
}

func sourceInfo(p *inventory.Package) string {
	var parts []string
	if p.SourceName != "" || p.SourceVersion != "" {
		src := p.SourceName
		if src == "" {
			src = p.Name
		}
		parts = append(parts, strings.TrimSpace("built from source package "+src+" "+p.SourceVersion))
	}
	if p.Path != "" {
		s := "found in " + p.Path
		if p.Extractor != "" {
			s += " by " + p.Extractor
		}
		parts = append(parts, s)
	}
	if p.Layer != "" {
		parts = append(parts, "added by layer "+p.Layer)
	}
	return strings.Join(parts, "; ")
}

func annotations(p *inventory.Package, who common.Annotator, when string) []v2_3.Annotation {
	var out []v2_3.Annotation
	add := func(key, value string) {
		if value != "" {
			out = append(out, v2_3.Annotation{Annotator: who, AnnotationDate: when, AnnotationType: "OTHER",
				AnnotationComment: AnnotationPrefix + key + "=" + value})
		}
	}
	add("package:type", p.Type)
	add("package:path", p.Path)
	add("layer:digest", p.Layer)
	add("package:source-name", p.SourceName)
	add("package:source-version", p.SourceVersion)
	add("package:extractor", p.Extractor)
	add("package:arch", p.Arch)
	add("package:relationship", p.Relationship)
	for _, l := range p.Licenses {
		add("package:license", l)
	}
	return out
}
