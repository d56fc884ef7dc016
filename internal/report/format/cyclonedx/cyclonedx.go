// Package cyclonedx writes a report as a CycloneDX 1.6 JSON BOM: the target
// as metadata.component, the OS and every package as components with unique
// bom-refs and bulkhead properties, the dependency graph, and the
// vulnerability findings (with VEX analysis for those a VEX statement
// suppressed) in the vulnerabilities section.
package cyclonedx

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/report"
	"github.com/bulkhead-sec/bulkhead/internal/report/format/internal/sbomgraph"
	"github.com/bulkhead-sec/bulkhead/internal/report/format/internal/spdxlicense"
)

// Options are the options all formats share; cyclonedx uses none of them.
type Options = report.WriteOptions

// Property names bulkhead writes; sbomread reads them back.
const (
	PropPackageType   = "bulkhead:package:type"
	PropPackagePath   = "bulkhead:package:path"
	PropLayerDigest   = "bulkhead:layer:digest"
	PropSourceName    = "bulkhead:package:source-name"
	PropSourceVersion = "bulkhead:package:source-version"
	PropExtractor     = "bulkhead:package:extractor"
	PropArch          = "bulkhead:package:arch"
	PropRelationship  = "bulkhead:package:relationship"
	PropMetadata      = "bulkhead:metadata:" // + key
	PropTargetKind    = "bulkhead:target:kind"
	PropImageDigest   = "bulkhead:image:digest"
	PropImageID       = "bulkhead:image:id"
	PropImageTag      = "bulkhead:image:tag"
	PropImageLayer    = "bulkhead:image:layer"
	// PropImageLayerInfo is a layer's size and the instruction that made
	// it, as JSON: {"digest":"sha256:...","size":123,"created_by":"RUN ..."}.
	PropImageLayerInfo = "bulkhead:image:layer-info"
	PropArchitecture   = "bulkhead:image:architecture"
	PropOSCodename     = "bulkhead:os:codename"
	PropOSDistroless   = "bulkhead:os:distroless"
	PropOSPrettyName   = "bulkhead:os:pretty-name"
)

// Write writes r as CycloneDX 1.6 JSON.
func Write(w io.Writer, r *report.Report, _ Options) error {
	bom := Build(r)
	enc := cdx.NewBOMEncoder(w, cdx.BOMFileFormatJSON)
	enc.SetPretty(true)
	enc.SetEscapeHTML(false)
	if err := enc.EncodeVersion(bom, cdx.SpecVersion1_6); err != nil {
		return fmt.Errorf("write cyclonedx: %w", err)
	}
	return nil
}

// Build converts r into a CycloneDX BOM.
func Build(r *report.Report) *cdx.BOM {
	bom := cdx.NewBOM()
	bom.SerialNumber = serial(r)
	root := rootComponent(r)
	bom.Metadata = &cdx.Metadata{
		Component: &root,
		Tools: &cdx.ToolsChoice{Components: &[]cdx.Component{{
			Type: cdx.ComponentTypeApplication, Group: "bulkhead-sec", Name: r.Tool, Version: r.ToolVersion,
		}}},
	}
	if bom.Metadata.Tools != nil && (*bom.Metadata.Tools.Components)[0].Name == "" {
		(*bom.Metadata.Tools.Components)[0].Name = "bulkhead"
	}
	if !r.CreatedAt.IsZero() {
		bom.Metadata.Timestamp = r.CreatedAt.UTC().Format(time.RFC3339)
	}

	refs := sbomgraph.Refs(r.Packages)
	var comps []cdx.Component
	var osRef string
	if o := r.Target.OS; o != nil && o.ID != "" {
		osRef = "os:" + o.ID
		if o.VersionID != "" {
			osRef += "@" + o.VersionID
		}
		comps = append(comps, osComponent(o, osRef))
	}
	for i := range r.Packages {
		comps = append(comps, packageComponent(&r.Packages[i], refs[i]))
	}
	if len(comps) > 0 {
		bom.Components = &comps
	}
	deps := dependencies(r, root.BOMRef, osRef, refs)
	bom.Dependencies = &deps
	if vulns := vulnerabilities(r, refs); len(vulns) > 0 {
		bom.Vulnerabilities = &vulns
	}
	return bom
}

// serial is a UUID derived from the target and the report's time, so that
// the same report always gives the same BOM (and golden tests are stable).
func serial(r *report.Report) string {
	h := sha256.Sum256([]byte(strings.Join([]string{r.Target.Kind, r.Target.Name, r.Target.Digest,
		r.ToolVersion, r.CreatedAt.UTC().Format(time.RFC3339Nano)}, "\x00")))
	h[6] = (h[6] & 0x0f) | 0x50 // version 5 layout (name based)
	h[8] = (h[8] & 0x3f) | 0x80
	return fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

func prop(props *[]cdx.Property, name, value string) {
	if value != "" {
		*props = append(*props, cdx.Property{Name: name, Value: value})
	}
}

func propsOrNil(p []cdx.Property) *[]cdx.Property {
	if len(p) == 0 {
		return nil
	}
	return &p
}

func rootComponent(r *report.Report) cdx.Component {
	t := r.Target
	c := cdx.Component{Name: t.Name, Type: cdx.ComponentTypeApplication}
	var props []cdx.Property
	prop(&props, PropTargetKind, t.Kind)
	switch t.Kind {
	case report.KindImage:
		c.Type = cdx.ComponentTypeContainer
		c.PackageURL = sbomgraph.ImagePURL(t)
		if alg, val, ok := strings.Cut(t.Digest, ":"); ok && alg == "sha256" {
			c.Hashes = &[]cdx.Hash{{Algorithm: cdx.HashAlgoSHA256, Value: val}}
		}
		prop(&props, PropImageDigest, t.Digest)
		prop(&props, PropImageID, t.ImageID)
		prop(&props, PropArchitecture, t.Architecture)
		for _, tag := range t.RepoTags {
			prop(&props, PropImageTag, tag)
		}
		for _, l := range t.Layers {
			prop(&props, PropImageLayer, l.Digest)
		}
		for _, l := range t.Layers {
			if l.Digest != "" && (l.Size > 0 || l.CreatedBy != "") {
				info, _ := json.Marshal(struct {
					Digest    string `json:"digest"`
					Size      int64  `json:"size,omitempty"`
					CreatedBy string `json:"created_by,omitempty"`
				}{l.Digest, l.Size, l.CreatedBy})
				prop(&props, PropImageLayerInfo, string(info))
			}
		}
	case report.KindDockerfile:
		c.Type = cdx.ComponentTypeFile
	}
	c.Properties = propsOrNil(props)
	switch {
	case c.PackageURL != "":
		c.BOMRef = c.PackageURL
	case t.Digest != "":
		c.BOMRef = t.Kind + ":" + t.Name + "@" + t.Digest
	default:
		c.BOMRef = t.Kind + ":" + t.Name
	}
	return c
}

func osComponent(o *inventory.OS, ref string) cdx.Component {
	var props []cdx.Property
	prop(&props, PropOSCodename, o.Codename)
	prop(&props, PropOSPrettyName, o.PrettyName)
	if o.Distroless {
		prop(&props, PropOSDistroless, "true")
	}
	return cdx.Component{BOMRef: ref, Type: cdx.ComponentTypeOS, Name: o.ID, Version: o.VersionID,
		Description: o.PrettyName, Properties: propsOrNil(props)}
}

func packageComponent(p *inventory.Package, ref string) cdx.Component {
	c := cdx.Component{BOMRef: ref, Type: cdx.ComponentTypeLibrary, Name: p.Name, Version: p.Version, PackageURL: p.PURL}
	if lic := licenses(p.Licenses); lic != nil {
		c.Licenses = lic
	}
	var props []cdx.Property
	prop(&props, PropPackageType, p.Type)
	prop(&props, PropPackagePath, p.Path)
	prop(&props, PropLayerDigest, p.Layer)
	prop(&props, PropSourceName, p.SourceName)
	prop(&props, PropSourceVersion, p.SourceVersion)
	prop(&props, PropExtractor, p.Extractor)
	prop(&props, PropArch, p.Arch)
	prop(&props, PropRelationship, p.Relationship)
	keys := make([]string, 0, len(p.Metadata))
	for k := range p.Metadata {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		prop(&props, PropMetadata+k, p.Metadata[k])
	}
	c.Properties = propsOrNil(props)
	return c
}

// licenses maps declared licences: a known SPDX id becomes a licence id; a
// lone compound SPDX expression becomes an expression (CycloneDX allows an
// expression only on its own); anything else is kept as a licence name.
func licenses(ls []string) *cdx.Licenses {
	if len(ls) == 0 {
		return nil
	}
	out := make(cdx.Licenses, 0, len(ls))
	for _, l := range ls {
		if id, ok := spdxlicense.ID(l); ok {
			out = append(out, cdx.LicenseChoice{License: &cdx.License{ID: id}})
			continue
		}
		if expr, ok := spdxlicense.Normalize(l); ok && len(ls) == 1 && strings.ContainsAny(expr, " ()") {
			return &cdx.Licenses{{Expression: expr}}
		}
		out = append(out, cdx.LicenseChoice{License: &cdx.License{Name: l}})
	}
	return &out
}

func dependencies(r *report.Report, rootRef, osRef string, refs []string) []cdx.Dependency {
	g := sbomgraph.Resolve(r.Packages)
	var top, osTop []string
	for _, i := range g.TopLevel {
		top = append(top, refs[i])
		if sbomgraph.OSTypes[r.Packages[i].Type] {
			osTop = append(osTop, refs[i])
		}
	}
	rootDeps := append([]string{}, top...)
	if osRef != "" {
		rootDeps = append([]string{osRef}, rootDeps...)
	}
	deps := []cdx.Dependency{{Ref: rootRef, Dependencies: list(rootDeps)}}
	if osRef != "" {
		deps = append(deps, cdx.Dependency{Ref: osRef, Dependencies: list(osTop)})
	}
	for i := range r.Packages {
		var on []string
		for _, j := range g.Edges[i] {
			on = append(on, refs[j])
		}
		deps = append(deps, cdx.Dependency{Ref: refs[i], Dependencies: list(on)})
	}
	return deps
}

func list(s []string) *[]string {
	if len(s) == 0 {
		return nil
	}
	return &s
}

func severity(s finding.Severity) cdx.Severity {
	switch s {
	case finding.Critical:
		return cdx.SeverityCritical
	case finding.High:
		return cdx.SeverityHigh
	case finding.Medium:
		return cdx.SeverityMedium
	case finding.Low:
		return cdx.SeverityLow
	case finding.Info:
		return cdx.SeverityInfo
	}
	return cdx.SeverityUnknown
}

// vectors finds CVSS vectors in a finding's Extra values and Tags.
func vectors(f *finding.Finding) []string {
	var out []string
	add := func(v string) {
		v = strings.TrimSpace(v)
		if strings.HasPrefix(v, "CVSS:") || strings.HasPrefix(v, "AV:") {
			for _, o := range out {
				if o == v {
					return
				}
			}
			out = append(out, v)
		}
	}
	keys := make([]string, 0, len(f.Extra))
	for k := range f.Extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch v := f.Extra[k].(type) {
		case string:
			add(v)
		case []any:
			for _, x := range v {
				if s, ok := x.(string); ok {
					add(s)
				}
			}
		case []string:
			for _, s := range v {
				add(s)
			}
		}
	}
	for _, t := range f.Tags {
		add(t)
	}
	return out
}

func method(vector string) cdx.ScoringMethod {
	switch {
	case strings.HasPrefix(vector, "CVSS:4."):
		return cdx.ScoringMethodCVSSv4
	case strings.HasPrefix(vector, "CVSS:3.1"):
		return cdx.ScoringMethodCVSSv31
	case strings.HasPrefix(vector, "CVSS:3"):
		return cdx.ScoringMethodCVSSv3
	case strings.HasPrefix(vector, "AV:"):
		return cdx.ScoringMethodCVSSv2
	}
	return cdx.ScoringMethodOther
}

func ratings(f *finding.Finding) *[]cdx.VulnerabilityRating {
	src := source(f)
	var rs []cdx.VulnerabilityRating
	if len(f.CVSS) > 0 {
		// The rating the severity came from first, then the others known
		// (NVD's Secondary entries among them), each with who gave it.
		for i, c := range f.CVSS {
			r := cdx.VulnerabilityRating{Method: method(c.Vector), Vector: c.Vector}
			if c.Source != "" {
				r.Source = &cdx.Source{Name: c.Source}
			}
			if c.Score > 0 {
				sc := c.Score
				r.Score = &sc
			}
			if i == 0 {
				r.Severity = severity(f.Severity)
			} else {
				r.Severity = severity(scoreSeverity(c.Score))
			}
			rs = append(rs, r)
		}
		return &rs
	}
	vs := vectors(f)
	for i, v := range vs {
		r := cdx.VulnerabilityRating{Source: src, Severity: severity(f.Severity), Method: method(v), Vector: v}
		if i == 0 && f.Score > 0 {
			s := f.Score
			r.Score = &s
		}
		rs = append(rs, r)
	}
	if len(rs) == 0 {
		r := cdx.VulnerabilityRating{Source: src, Severity: severity(f.Severity)}
		if f.Score > 0 {
			s := f.Score
			r.Score = &s
			r.Method = cdx.ScoringMethodOther
		}
		rs = append(rs, r)
	}
	return &rs
}

// scoreSeverity is the CVSS band of a score.
func scoreSeverity(s float64) finding.Severity {
	switch {
	case s >= 9:
		return finding.Critical
	case s >= 7:
		return finding.High
	case s >= 4:
		return finding.Medium
	case s > 0:
		return finding.Low
	}
	return finding.Unknown
}

// vulnProperties carries what CycloneDX has no field for: where the
// severity came from, KEV and EPSS.
func vulnProperties(f *finding.Finding) *[]cdx.Property {
	var ps []cdx.Property
	add := func(k, v string) {
		if v != "" {
			ps = append(ps, cdx.Property{Name: "bulkhead:" + k, Value: v})
		}
	}
	add("severity_source", f.SeveritySource)
	for _, c := range f.CVEs {
		add("cve", c.ID)
	}
	if f.KEV != nil {
		add("kev", "true")
		add("kev:cve", f.KEV.CVE)
		add("kev:date_added", f.KEV.DateAdded)
		add("kev:due_date", f.KEV.DueDate)
		add("kev:ransomware", f.KEV.Ransomware)
	}
	if f.EPSS != nil {
		add("epss:cve", f.EPSS.CVE)
		add("epss:score", strconv.FormatFloat(f.EPSS.Score, 'f', -1, 64))
		add("epss:percentile", strconv.FormatFloat(f.EPSS.Percentile, 'f', -1, 64))
		add("epss:date", f.EPSS.Date)
	}
	if len(ps) == 0 {
		return nil
	}
	return &ps
}

func source(f *finding.Finding) *cdx.Source {
	if f.Source == "" {
		return nil
	}
	s := &cdx.Source{Name: f.Source}
	if strings.HasPrefix(f.Source, "osv") {
		s.URL = "https://osv.dev/vulnerability/" + f.ID
	}
	return s
}

func aliasSource(id string) *cdx.Source {
	switch {
	case strings.HasPrefix(id, "CVE-"):
		return &cdx.Source{Name: "NVD", URL: "https://nvd.nist.gov/vuln/detail/" + id}
	case strings.HasPrefix(id, "GHSA-"):
		return &cdx.Source{Name: "GitHub", URL: "https://github.com/advisories/" + id}
	}
	return &cdx.Source{Name: "OSV", URL: "https://osv.dev/vulnerability/" + id}
}

// vexState maps an OpenVEX status and justification to CycloneDX analysis.
func vexState(v *report.VEXStatement) (cdx.ImpactAnalysisState, cdx.ImpactAnalysisJustification) {
	var state cdx.ImpactAnalysisState
	switch v.Status {
	case "not_affected":
		state = cdx.IASNotAffected
	case "fixed":
		state = cdx.IASResolved
	case "affected":
		state = cdx.IASExploitable
	case "under_investigation":
		state = cdx.IASInTriage
	}
	var j cdx.ImpactAnalysisJustification
	switch v.Justification {
	case "component_not_present", "vulnerable_code_not_present":
		j = cdx.IAJCodeNotPresent
	case "vulnerable_code_not_in_execute_path":
		j = cdx.IAJCodeNotReachable
	case "vulnerable_code_cannot_be_controlled_by_adversary":
		j = cdx.IAJRequiresEnvironment
	case "inline_mitigations_already_exist":
		j = cdx.IAJProtectedByMitigatingControl
	}
	return state, j
}

func vulnerabilities(r *report.Report, refs []string) []cdx.Vulnerability {
	// Resolve a finding's package to a component: same purl and path, then
	// same purl, then same type, name and version.
	type pk struct{ purl, path string }
	byPurlPath := map[pk]string{}
	byPurl := map[string][]string{}
	byNV := map[string][]string{}
	for i, p := range r.Packages {
		byPurlPath[pk{p.PURL, p.Path}] = refs[i]
		if p.PURL != "" {
			byPurl[p.PURL] = append(byPurl[p.PURL], refs[i])
		}
		nv := p.Type + "|" + p.Name + "|" + p.Version
		byNV[nv] = append(byNV[nv], refs[i])
	}
	resolve := func(f *finding.Finding) string {
		if f.Package == nil {
			return ""
		}
		if ref, ok := byPurlPath[pk{f.Package.PURL, f.Location.Path}]; ok && f.Package.PURL != "" {
			return ref
		}
		if c := byPurl[f.Package.PURL]; len(c) > 0 {
			return c[0]
		}
		if c := byNV[f.Package.Type+"|"+f.Package.Name+"|"+f.Package.Version]; len(c) > 0 {
			return c[0]
		}
		return ""
	}

	type entry struct {
		f      *finding.Finding
		vex    *report.VEXStatement
		refs   []string
		seenTo map[string]bool
	}
	var order []string
	entries := map[string]*entry{}
	add := func(f *finding.Finding, vex *report.VEXStatement) {
		key := f.ID
		if vex != nil {
			key += "/" + vex.Status
		}
		e, ok := entries[key]
		if !ok {
			e = &entry{f: f, vex: vex, seenTo: map[string]bool{}}
			entries[key] = e
			order = append(order, key)
		}
		if ref := resolve(f); ref != "" && !e.seenTo[ref] {
			e.seenTo[ref] = true
			e.refs = append(e.refs, ref)
		}
	}
	for i := range r.Findings {
		if r.Findings[i].Kind == finding.Vulnerability {
			add(&r.Findings[i], nil)
		}
	}
	for i := range r.Suppressed {
		s := &r.Suppressed[i]
		if s.Finding.Kind == finding.Vulnerability && s.By == report.ByVEX && s.VEX != nil {
			add(&s.Finding, s.VEX)
		}
	}

	out := make([]cdx.Vulnerability, 0, len(order))
	for _, key := range order {
		e := entries[key]
		f := e.f
		v := cdx.Vulnerability{
			BOMRef:      key,
			ID:          f.ID,
			Source:      source(f),
			Ratings:     ratings(f),
			Description: f.Title,
			Detail:      f.Description,
			Properties:  vulnProperties(f),
		}
		if fix := fixVersion(f); fix != "" && f.Package != nil {
			v.Recommendation = fmt.Sprintf("Upgrade %s to %s", f.Package.Name, fix)
		}
		if len(f.Aliases) > 0 {
			vr := make([]cdx.VulnerabilityReference, len(f.Aliases))
			for i, a := range f.Aliases {
				vr[i] = cdx.VulnerabilityReference{ID: a, Source: aliasSource(a)}
			}
			v.References = &vr
		}
		if len(f.References) > 0 {
			adv := make([]cdx.Advisory, 0, len(f.References))
			for _, u := range f.References {
				if strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://") {
					adv = append(adv, cdx.Advisory{URL: u})
				}
			}
			if len(adv) > 0 {
				v.Advisories = &adv
			}
		}
		if len(e.refs) > 0 {
			aff := make([]cdx.Affects, len(e.refs))
			for i, ref := range e.refs {
				aff[i] = cdx.Affects{Ref: ref}
				if f.Package != nil && f.Package.Version != "" {
					aff[i].Range = &[]cdx.AffectedVersions{{Version: f.Package.Version, Status: cdx.VulnerabilityStatusAffected}}
					if e.vex != nil && e.vex.Status == "not_affected" {
						(*aff[i].Range)[0].Status = cdx.VulnerabilityStatusNotAffected
					}
				}
			}
			v.Affects = &aff
		}
		if e.vex != nil {
			state, just := vexState(e.vex)
			v.Analysis = &cdx.VulnerabilityAnalysis{State: state, Justification: just, Detail: e.vex.ImpactStatement}
			if e.vex.ActionStatement != "" {
				v.Analysis.Detail = strings.TrimSpace(v.Analysis.Detail + " " + e.vex.ActionStatement)
			}
		}
		out = append(out, v)
	}
	return out
}

func fixVersion(f *finding.Finding) string {
	if f.Package != nil && f.Package.FixedVersion != "" {
		return f.Package.FixedVersion
	}
	return f.Fix
}
