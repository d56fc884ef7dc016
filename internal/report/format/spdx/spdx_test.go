package spdx_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx/v2/common"
	"github.com/spdx/tools-golang/spdx/v2/v2_3"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/report"
	"github.com/bulkhead-sec/bulkhead/internal/report/format/formattest"
	"github.com/bulkhead-sec/bulkhead/internal/report/format/spdx"
)

func encode(t *testing.T, r *report.Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := spdx.Write(&buf, r, spdx.Options{}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func read(t *testing.T, b []byte) *v2_3.Document {
	t.Helper()
	doc, err := spdxjson.Read(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("read our own SPDX: %v", err)
	}
	return doc
}

func TestGolden(t *testing.T) {
	for name, r := range map[string]*report.Report{"image.spdx.json": formattest.Report(), "fs.spdx.json": formattest.Filesystem()} {
		formattest.Golden(t, name, encode(t, r))
	}
}

func TestReadsBack(t *testing.T) {
	doc := read(t, encode(t, formattest.Report()))
	if doc.SPDXVersion != "SPDX-2.3" || doc.DataLicense != "CC0-1.0" || !strings.HasPrefix(doc.DocumentNamespace, spdx.NamespaceBase) {
		t.Errorf("header %q %q %q", doc.SPDXVersion, doc.DataLicense, doc.DocumentNamespace)
	}
	if doc.CreationInfo.Created != "2026-11-20T09:30:00Z" {
		t.Errorf("created %q, want the report's time", doc.CreationInfo.Created)
	}
	byID := map[common.ElementID]*v2_3.Package{}
	for _, p := range doc.Packages {
		if byID[p.PackageSPDXIdentifier] != nil {
			t.Errorf("SPDXID %q repeated", p.PackageSPDXIdentifier)
		}
		byID[p.PackageSPDXIdentifier] = p
	}
	if got, want := len(doc.Packages), len(formattest.Report().Packages)+2; got != want {
		t.Errorf("%d packages, want %d (target, OS and every package)", got, want)
	}
	name := func(id common.DocElementID) string {
		if id.ElementRefID == "DOCUMENT" {
			return "DOCUMENT"
		}
		p := byID[id.ElementRefID]
		if p == nil {
			t.Errorf("relationship names unknown element %q", id.ElementRefID)
			return "?"
		}
		return p.PackageName
	}
	var rels []string
	for _, r := range doc.Relationships {
		rels = append(rels, name(r.RefA)+" "+r.Relationship+" "+name(r.RefB))
	}
	target := "registry.example.com/shop/web:1.4"
	want := []string{
		"DOCUMENT DESCRIBES " + target,
		target + " CONTAINS debian",
		"debian CONTAINS bash", "debian CONTAINS libc6", "debian CONTAINS libssl3",
		target + " CONTAINS golang.org/x/net", target + " CONTAINS org.apache.logging.log4j:log4j-core",
		target + " CONTAINS express", target + " CONTAINS lodash", target + " CONTAINS lodash",
		"bash DEPENDS_ON libc6", "libssl3 DEPENDS_ON libc6",
	}
	if diff := cmp.Diff(want, rels); diff != "" {
		t.Errorf("relationships (-want +got):\n%s", diff)
	}

	lic := map[string]string{}
	for _, p := range doc.Packages {
		lic[p.PackageName] = p.PackageLicenseDeclared
		if p.PackageName == "libssl3" {
			if len(p.PackageExternalReferences) != 1 || p.PackageExternalReferences[0].RefType != "purl" ||
				p.PackageExternalReferences[0].Category != "PACKAGE-MANAGER" {
				t.Errorf("libssl3 externalRefs %+v: want one PACKAGE-MANAGER purl", p.PackageExternalReferences)
			}
		}
	}
	wantLic := map[string]string{
		target: "NOASSERTION", "debian": "NOASSERTION",
		"bash": "LicenseRef-GPLv3-with-exceptions", "libc6": "LGPL-2.1-or-later AND GPL-2.0-or-later", "libssl3": "Apache-2.0",
		"golang.org/x/net": "NOASSERTION", "org.apache.logging.log4j:log4j-core": "Apache-2.0", "express": "MIT", "lodash": "MIT",
	}
	if diff := cmp.Diff(wantLic, lic); diff != "" {
		t.Errorf("licenseDeclared (-want +got):\n%s", diff)
	}
	if len(doc.OtherLicenses) != 1 || doc.OtherLicenses[0].ExtractedText != "GPLv3+ | with exceptions" {
		t.Errorf("hasExtractedLicensingInfos = %+v, want the bash licence text", doc.OtherLicenses)
	}
}

func TestDeterministic(t *testing.T) {
	a, b := encode(t, formattest.Report()), encode(t, formattest.Report())
	if !bytes.Equal(a, b) {
		t.Error("two writes of the same report differ")
	}
	other := formattest.Report()
	other.Target.Digest = "sha256:0000000000000000000000000000000000000000000000000000000000000000"
	if read(t, encode(t, other)).DocumentNamespace == read(t, a).DocumentNamespace {
		t.Error("another digest gave the same namespace")
	}
}

func TestLicenseExpressions(t *testing.T) {
	tests := []struct {
		in   []string
		want string
	}{
		{nil, "NOASSERTION"},
		{[]string{"mit"}, "MIT"},
		{[]string{"MIT OR Apache-2.0", "BSD-3-Clause"}, "(MIT OR Apache-2.0) AND BSD-3-Clause"},
		{[]string{"Apache 2.0"}, "LicenseRef-Apache-2.0"},
	}
	for _, tt := range tests {
		r := formattest.Filesystem()
		r.Packages = []inventory.Package{{Name: "x", Version: "1", Type: "npm", Licenses: tt.in}}
		doc := read(t, encode(t, r))
		if got := doc.Packages[1].PackageLicenseDeclared; got != tt.want {
			t.Errorf("%q: licenseDeclared %q, want %q", tt.in, got, tt.want)
		}
	}
}
