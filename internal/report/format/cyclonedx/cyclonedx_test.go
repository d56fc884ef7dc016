package cyclonedx_test

import (
	"bytes"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/report"
	"github.com/bulkhead-sec/bulkhead/internal/report/format/cyclonedx"
	"github.com/bulkhead-sec/bulkhead/internal/report/format/formattest"
)

func encode(t *testing.T, r *report.Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := cyclonedx.Write(&buf, r, cyclonedx.Options{}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func decode(t *testing.T, b []byte) *cdx.BOM {
	t.Helper()
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(b), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		t.Fatalf("decode our own BOM: %v", err)
	}
	return &bom
}

func TestGolden(t *testing.T) {
	for name, r := range map[string]*report.Report{"image.cdx.json": formattest.Report(), "fs.cdx.json": formattest.Filesystem()} {
		formattest.Golden(t, name, encode(t, r))
	}
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

func TestDecodesAndLinks(t *testing.T) {
	bom := decode(t, encode(t, formattest.Report()))
	if bom.SpecVersion != cdx.SpecVersion1_6 {
		t.Errorf("specVersion %v, want 1.6", bom.SpecVersion)
	}
	root := bom.Metadata.Component
	if root.Type != cdx.ComponentTypeContainer || root.Hashes == nil || (*root.Hashes)[0].Value != formattest.Digest[len("sha256:"):] {
		t.Errorf("root component %+v: want a container with the image digest as hash", root)
	}
	refs := map[string]bool{root.BOMRef: true}
	var osComp *cdx.Component
	for i, c := range *bom.Components {
		if refs[c.BOMRef] {
			t.Errorf("bom-ref %q repeated", c.BOMRef)
		}
		refs[c.BOMRef] = true
		if c.Type == cdx.ComponentTypeOS {
			osComp = &(*bom.Components)[i]
		}
	}
	if osComp == nil || osComp.Name != "debian" || osComp.Version != "12" {
		t.Errorf("operating-system component = %+v, want debian 12", osComp)
	}
	if got, want := len(*bom.Components), len(formattest.Report().Packages)+1; got != want {
		t.Errorf("%d components, want %d", got, want)
	}
	graph := map[string][]string{}
	for _, d := range *bom.Dependencies {
		if !refs[d.Ref] {
			t.Errorf("dependency of unknown ref %q", d.Ref)
		}
		if d.Dependencies != nil {
			for _, x := range *d.Dependencies {
				if !refs[x] {
					t.Errorf("%s depends on unknown ref %q", d.Ref, x)
				}
			}
			graph[d.Ref] = *d.Dependencies
		}
	}
	wantGraph := map[string][]string{
		root.BOMRef: {"os:debian@12", "pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&distro=debian-12&upstream=bash%405.2.15-2",
			"pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl",
			"pkg:golang/golang.org/x/net@v0.17.0", "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", "pkg:npm/express@4.18.2"},
		"os:debian@12": {"pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&distro=debian-12&upstream=bash%405.2.15-2",
			"pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl"},
		"pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&distro=debian-12&upstream=bash%405.2.15-2": {"pkg:deb/debian/libc6@2.36-9+deb12u3?arch=amd64&distro=debian-12&upstream=glibc"},
		"pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl":   {"pkg:deb/debian/libc6@2.36-9+deb12u3?arch=amd64&distro=debian-12&upstream=glibc"},
		// lodash is at two paths: ambiguous, so express's edge is left out.
	}
	if diff := cmp.Diff(wantGraph, graph); diff != "" {
		t.Errorf("dependency graph (-want +got):\n%s", diff)
	}

	type vrow struct {
		ID, State, Justification string
		Affects                  []string
		Methods                  []string
	}
	var vulns []vrow
	for _, v := range *bom.Vulnerabilities {
		r := vrow{ID: v.ID}
		if v.Analysis != nil {
			r.State, r.Justification = string(v.Analysis.State), string(v.Analysis.Justification)
		}
		for _, a := range *v.Affects {
			if !refs[a.Ref] {
				t.Errorf("vulnerability %s affects unknown ref %q", v.ID, a.Ref)
			}
			r.Affects = append(r.Affects, a.Ref)
		}
		for _, rt := range *v.Ratings {
			r.Methods = append(r.Methods, string(rt.Severity)+"/"+string(rt.Method))
		}
		vulns = append(vulns, r)
	}
	wantVulns := []vrow{
		{ID: "GHSA-jfh8-c2jp-5v3q", Affects: []string{"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"}, Methods: []string{"critical/CVSSv31"}},
		{ID: "CVE-2024-0727", Affects: []string{"pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl"}, Methods: []string{"medium/CVSSv31", "medium/CVSSv31"}},
		{ID: "CVE-2020-28500", Affects: []string{"pkg:npm/lodash@4.17.20#app/node_modules/lodash/package.json"}, Methods: []string{"unknown/other"}},
		{ID: "CVE-2023-5678", State: "not_affected", Justification: "code_not_reachable",
			Affects: []string{"pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl"}, Methods: []string{"medium/other"}},
	}
	if diff := cmp.Diff(wantVulns, vulns); diff != "" {
		t.Errorf("vulnerabilities (-want +got):\n%s", diff)
	}

	for _, c := range *bom.Components {
		if c.PackageURL == "pkg:npm/lodash@4.17.20" {
			p := props(&c)
			if len(p[cyclonedx.PropPackagePath]) != 1 || len(p[cyclonedx.PropLayerDigest]) != 1 || p[cyclonedx.PropPackageType][0] != "npm" {
				t.Errorf("lodash properties %v: want one path, one layer, type npm", p)
			}
		}
	}
}

func TestLicenses(t *testing.T) {
	tests := []struct {
		in   []string
		want cdx.Licenses
	}{
		{[]string{"MIT"}, cdx.Licenses{{License: &cdx.License{ID: "MIT"}}}},
		{[]string{"apache-2.0"}, cdx.Licenses{{License: &cdx.License{ID: "Apache-2.0"}}}},
		{[]string{"MIT OR Apache-2.0"}, cdx.Licenses{{Expression: "MIT OR Apache-2.0"}}},
		{[]string{"MIT OR Apache-2.0", "BSD-3-Clause"}, cdx.Licenses{{License: &cdx.License{Name: "MIT OR Apache-2.0"}}, {License: &cdx.License{ID: "BSD-3-Clause"}}}},
		{[]string{"GPLv2+ | BSD-like"}, cdx.Licenses{{License: &cdx.License{Name: "GPLv2+ | BSD-like"}}}},
	}
	for _, tt := range tests {
		r := formattest.Filesystem()
		r.Packages = []inventory.Package{{Name: "x", Version: "1", Type: "npm", PURL: "pkg:npm/x@1", Licenses: tt.in}}
		bom := decode(t, encode(t, r))
		got := (*bom.Components)[0].Licenses
		if got == nil {
			t.Fatalf("%q: no licenses", tt.in)
		}
		if diff := cmp.Diff(tt.want, *got); diff != "" {
			t.Errorf("%q (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestUniqueRefsForDuplicates(t *testing.T) {
	r := formattest.Filesystem()
	p := inventory.Package{Name: "x", Version: "1", Type: "npm", PURL: "pkg:npm/x@1", Path: "a/package.json"}
	r.Packages = []inventory.Package{p, p, p}
	r.Packages[2].Path = "b/package.json"
	bom := decode(t, encode(t, r))
	var got []string
	for _, c := range *bom.Components {
		got = append(got, c.BOMRef)
	}
	want := []string{"pkg:npm/x@1#a/package.json", "pkg:npm/x@1#a/package.json#2", "pkg:npm/x@1#b/package.json"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("bom-refs (-want +got):\n%s", diff)
	}
}
