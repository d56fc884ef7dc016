package sbomread

import (
	"encoding/json"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/report"
)

// maxDepth bounds how deep nested components are followed.
const maxDepth = 16

// cdxReader turns CycloneDX components into packages as they stream.
type cdxReader struct {
	pkgs            []inventory.Package
	w               warner
	refToName       map[string]string
	refToIndex      map[string]int
	distro          string
	os              *inventory.OS
	osFromComponent bool
	// deps are the dependencies as read (refs); they are resolved once
	// every component is known.
	deps []cdx.Dependency
}

// component reads one component and, depth first, the ones it nests.
func (s *cdxReader) component(c *cdx.Component, depth int) {
	if s.refToName == nil {
		s.refToName, s.refToIndex = map[string]string{}, map[string]int{}
		s.w.what = "components"
	}
	if depth > maxDepth {
		s.w.warn("CycloneDX components nested deeper than %d levels skipped", maxDepth)
		return
	}
	nested := func() {
		if c.Components == nil {
			return
		}
		if depth+1 > maxDepth {
			s.w.warn("CycloneDX components nested deeper than %d levels skipped", maxDepth)
			return
		}
		for i := range *c.Components {
			s.component(&(*c.Components)[i], depth+1)
		}
	}
	switch c.Type {
	case cdx.ComponentTypeOS:
		if !s.osFromComponent {
			// The OS component wins over a purl's distro qualifier.
			s.os = osComponent(c)
			s.osFromComponent = true
		}
		nested()
		return
	case cdx.ComponentTypeFile, cdx.ComponentTypeContainer, cdx.ComponentTypePlatform, cdx.ComponentTypeDevice, cdx.ComponentTypeFirmware:
		nested()
		return
	}
	p := parsePURL(c.PackageURL)
	if p == nil && (c.Type == cdx.ComponentTypeApplication || c.Version == "") {
		// Trivy's lockfile "applications", Syft's sources: containers of packages.
		nested()
		return
	}
	if c.Name == "" && p == nil {
		s.w.warn("CycloneDX component %q without name or purl skipped", c.BOMRef)
		return
	}
	var f facts
	if c.Properties != nil {
		for _, pr := range *c.Properties {
			f.property(pr.Name, pr.Value)
		}
	}
	if p != nil {
		if d := f.purl(p, c.Name); d != "" && s.distro == "" {
			s.distro = d
			if s.os == nil && !s.osFromComponent {
				s.os = osFromDistro(d, p.Namespace)
			}
		}
	}
	if len(f.licenses) == 0 {
		f.licenses = licenses(c.Licenses)
	}
	pkg := f.pkg(packageName(c.Name, c.Group, p), c.Version, c.PackageURL, "sbom/cyclonedx")
	if pkg.Version == "" && p != nil {
		pkg.Version = p.Version
	}
	if c.BOMRef != "" {
		s.refToName[c.BOMRef] = pkg.Name
		s.refToIndex[c.BOMRef] = len(s.pkgs)
	}
	s.pkgs = append(s.pkgs, pkg)
	nested()
}

func (s *cdxReader) dependency(d *cdx.Dependency) {
	if d.Dependencies == nil || len(*d.Dependencies) == 0 {
		return
	}
	s.deps = append(s.deps, cdx.Dependency{Ref: d.Ref, Dependencies: d.Dependencies})
}

// report builds the report once the whole document was read.
func (s *cdxReader) report(md *cdx.Metadata) *report.Report {
	var created, name string
	var root *cdx.Component
	if md != nil {
		created = md.Timestamp
		root = md.Component
	}
	if root != nil {
		name = root.Name
	}
	r := newReport(name, created)
	if root != nil {
		target(r, root)
	}
	r.Target.OS = s.os
	r.Packages = s.pkgs
	s.w.what = "components"
	s.w.done(r)
	for _, d := range s.deps {
		i, ok := s.refToIndex[d.Ref]
		if !ok {
			continue
		}
		seen := map[string]bool{}
		for _, dep := range *d.Dependencies {
			n, ok := s.refToName[dep]
			if !ok || seen[n] {
				continue
			}
			seen[n] = true
			r.Packages[i].DependsOn = append(r.Packages[i].DependsOn, n)
		}
	}
	return r
}

func props(c *cdx.Component) map[string][]string {
	m := map[string][]string{}
	if c.Properties != nil {
		for _, p := range *c.Properties {
			m[p.Name] = append(m[p.Name], p.Value)
		}
	}
	return m
}

func first(m map[string][]string, keys ...string) string {
	for _, k := range keys {
		if v := m[k]; len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

func target(r *report.Report, c *cdx.Component) {
	pm := props(c)
	t := &r.Target
	t.Digest = first(pm, "bulkhead:image:digest", "aquasecurity:trivy:RepoDigest")
	if i := strings.LastIndexByte(t.Digest, '@'); i >= 0 {
		t.Digest = t.Digest[i+1:] // Trivy writes repo@digest
	}
	if t.Digest == "" && c.Type == cdx.ComponentTypeContainer && c.Hashes != nil {
		for _, h := range *c.Hashes {
			if h.Algorithm == cdx.HashAlgoSHA256 {
				t.Digest = "sha256:" + h.Value
			}
		}
	}
	if t.Digest == "" {
		if p := parsePURL(c.PackageURL); p != nil && p.Type == "oci" && strings.HasPrefix(p.Version, "sha256:") {
			t.Digest = p.Version
		}
	}
	t.ImageID = first(pm, "bulkhead:image:id", "aquasecurity:trivy:ImageID")
	t.Architecture = first(pm, "bulkhead:image:architecture")
	t.RepoTags = append(pm["bulkhead:image:tag"], pm["aquasecurity:trivy:RepoTag"]...)
	for _, l := range pm["bulkhead:image:layer"] {
		t.Layers = append(t.Layers, report.Layer{Digest: l})
	}
	// Sizes and instructions (bulkhead:image:layer-info), by digest.
	for _, v := range pm["bulkhead:image:layer-info"] {
		var info struct {
			Digest    string `json:"digest"`
			Size      int64  `json:"size"`
			CreatedBy string `json:"created_by"`
		}
		if json.Unmarshal([]byte(v), &info) != nil || info.Size < 0 {
			continue
		}
		for i := range t.Layers {
			if t.Layers[i].Digest == info.Digest {
				t.Layers[i].Size, t.Layers[i].CreatedBy = info.Size, info.CreatedBy
			}
		}
	}
	if len(t.Layers) == 0 {
		for _, l := range pm["aquasecurity:trivy:DiffID"] {
			t.Layers = append(t.Layers, report.Layer{Digest: l, DiffID: l})
		}
	}
}

func osComponent(c *cdx.Component) *inventory.OS {
	pm := props(c)
	o := &inventory.OS{ID: strings.ToLower(c.Name), VersionID: c.Version,
		Codename: first(pm, "bulkhead:os:codename"), PrettyName: first(pm, "bulkhead:os:pretty-name")}
	if o.PrettyName == "" {
		o.PrettyName = c.Description
	}
	o.Distroless = first(pm, "bulkhead:os:distroless") == "true"
	return o
}

func licenses(ls *cdx.Licenses) []string {
	if ls == nil {
		return nil
	}
	var out []string
	for _, l := range *ls {
		switch {
		case l.Expression != "":
			out = append(out, l.Expression)
		case l.License != nil && l.License.ID != "":
			out = append(out, l.License.ID)
		case l.License != nil && l.License.Name != "":
			out = append(out, l.License.Name)
		}
	}
	return out
}
