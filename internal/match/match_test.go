package match

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/vulndb"
	"github.com/google/go-cmp/cmp"
)

func fixtureDB(t testing.TB) *vulndb.DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "osv.db")
	stats, err := vulndb.Import(context.Background(), path, "testdata/osv")
	if err != nil {
		t.Fatal(err)
	}
	if stats.Skipped != 0 {
		t.Fatalf("fixtures: %v", stats.Problems)
	}
	db, err := vulndb.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// hit is the part of a finding the table checks.
type hit struct {
	Pkg, ID, Status, Fixed string
	Severity               finding.Severity
}

func hits(fs []finding.Finding) []hit {
	var out []hit
	for _, f := range fs {
		out = append(out, hit{f.Package.Name + "@" + f.Package.Version, f.ID, string(f.Status), f.Package.FixedVersion, f.Severity})
	}
	return out
}

func TestPackages(t *testing.T) {
	db := fixtureDB(t)
	debian11 := &inventory.OS{ID: "debian", VersionID: "11"}
	tests := []struct {
		name string
		os   *inventory.OS
		pkgs []inventory.Package
		want []hit
	}{{
		name: "debian by source package and release",
		os:   debian11,
		pkgs: []inventory.Package{
			{Name: "libssl1.1", Version: "1.1.1n-0+deb11u3", Type: "deb", SourceName: "openssl"},
			{Name: "openssl", Version: "1.1.1n-0+deb11u4", Type: "deb"},               // exactly the fixed version
			{Name: "libssl3", Version: "3.0.9-1", Type: "deb", SourceName: "openssl"}, // a bookworm version on bullseye: only Debian:11 applies
		},
		want: []hit{
			{"libssl1.1@1.1.1n-0+deb11u3", "DSA-9101-1", "fixed", "1.1.1n-0+deb11u4", finding.Unknown},
		},
	}, {
		name: "debian 12 release",
		os:   &inventory.OS{ID: "debian", VersionID: "12"},
		pkgs: []inventory.Package{{Name: "libssl3", Version: "3.0.9-1", Type: "deb", SourceName: "openssl"}},
		want: []hit{{"libssl3@3.0.9-1", "DSA-9101-1", "fixed", "3.0.11-1~deb12u1", finding.Unknown}},
	}, {
		name: "alpine by origin and major.minor",
		os:   &inventory.OS{ID: "alpine", VersionID: "3.18.4"},
		pkgs: []inventory.Package{
			{Name: "ssl_client", Version: "1.36.1-r0", Type: "apk", SourceName: "busybox"},
			{Name: "busybox", Version: "1.36.1-r1", Type: "apk"},
		},
		want: []hit{{"ssl_client@1.36.1-r0", "ALPINE-CVE-2099-1003", "fixed", "1.36.1-r1", finding.Unknown}},
	}, {
		name: "ubuntu release field",
		os:   &inventory.OS{ID: "ubuntu", VersionID: "22.04"},
		pkgs: []inventory.Package{{Name: "curl", Version: "7.81.0-1ubuntu1.14", Type: "deb"}},
		want: []hit{{"curl@7.81.0-1ubuntu1.14", "USN-9114-1", "fixed", "7.81.0-1ubuntu1.15", finding.Medium}},
	}, {
		name: "red hat by binary name and major release",
		os:   &inventory.OS{ID: "rhel", VersionID: "9.2"},
		pkgs: []inventory.Package{
			{Name: "git-lfs", Version: "3.2.0-1.el9", Type: "rpm"},
			{Name: "git-lfs", Version: "3.2.0-2.el9_2", Type: "rpm", Path: "var/lib/rpm/rpmdb.sqlite"},
		},
		want: []hit{{"git-lfs@3.2.0-1.el9", "RHSA-9113:1", "fixed", "0:3.2.0-2.el9_2", finding.High}},
	}, {
		name: "suse service pack",
		os:   &inventory.OS{ID: "sles", VersionID: "15.5"},
		pkgs: []inventory.Package{{Name: "libxml2-2", Version: "2.10.3-150500.5.11.1", Type: "rpm"}},
		want: []hit{{"libxml2-2@2.10.3-150500.5.11.1", "SUSE-SU-9116:1", "fixed", "2.10.3-150500.5.17.1", finding.Unknown}},
	}, {
		name: "almalinux major release",
		os:   &inventory.OS{ID: "almalinux", VersionID: "8.9"},
		pkgs: []inventory.Package{
			{Name: "avahi-libs", Version: "0.7-20.el8", Type: "rpm"},
			{Name: "avahi-libs", Version: "0.7-21.el8", Type: "rpm"},
		},
		want: []hit{{"avahi-libs@0.7-20.el8", "ALSA-9117:1", "fixed", "0.7-21.el8", finding.Unknown}},
	}, {
		name: "language packages",
		pkgs: []inventory.Package{
			{Name: "golang.org/x/text", Version: "v0.3.7", Type: "golang"},
			{Name: "golang.org/x/text", Version: "v0.3.8", Type: "golang"},
			{Name: "lodash", Version: "4.17.15", Type: "npm"},
			{Name: "lodash", Version: "4.17.21", Type: "npm"},
			{Name: "minimist", Version: "1.2.5", Type: "npm"},
			{Name: "minimist", Version: "1.2.6", Type: "npm"},
			{Name: "multi", Version: "1.0.0", Type: "npm"},
			{Name: "multi", Version: "1.5.0", Type: "npm"},
			{Name: "multi", Version: "2.1.0", Type: "npm"},
			{Name: "left-pad", Version: "1.0.0", Type: "npm"},
			{Name: "PyYAML", Version: "5.3.1", Type: "pypi"},
			{Name: "smallthing", Version: "1.3.0", Type: "cargo"},
			{Name: "smallthing", Version: "1.4.0", Type: "cargo"},
			{Name: "org.apache.logging.log4j:log4j-core", Version: "2.14.1", Type: "maven"},
			{Name: "org.apache.logging.log4j:log4j-core", Version: "2.15.0", Type: "maven"},
			{Name: "org.apache.logging.log4j:log4j-core", Version: "2.16.0", Type: "maven"},
			{Name: "libssl1.1", Version: "1.1.1n-0+deb11u3", Type: "deb", SourceName: "openssl"}, // no OS: unsupported
		},
		want: []hit{
			{"PyYAML@5.3.1", "PYSEC-9110-1", "fixed", "5.4", finding.Unknown},
			{"golang.org/x/text@v0.3.7", "GO-2099-1004", "fixed", "0.3.8", finding.High},
			{"lodash@4.17.15", "GHSA-9105-lodash", "fixed", "4.17.21", finding.High},
			{"minimist@1.2.5", "GHSA-9106-minimist", "affected", "", finding.Medium},
			{"multi@1.0.0", "GHSA-9107-multi", "fixed", "1.2.0", finding.Medium},
			{"multi@2.1.0", "GHSA-9107-multi", "fixed", "2.3.0", finding.Medium},
			{"org.apache.logging.log4j:log4j-core@2.14.1", "GHSA-9115-log4j", "fixed", "2.15.0", finding.Critical},
			{"org.apache.logging.log4j:log4j-core@2.15.0", "GHSA-9115-log4j", "fixed", "2.16.0", finding.Critical},
			{"smallthing@1.3.0", "RUSTSEC-9112-1", "affected", "", finding.Unknown},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := Packages(context.Background(), db, tt.os, tt.pkgs)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, hits(got)); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFindingFields(t *testing.T) {
	db := fixtureDB(t)
	pkgs := []inventory.Package{{Name: "libssl1.1", Version: "1.1.1n-0+deb11u3", Type: "deb", SourceName: "openssl",
		PURL: "pkg:deb/debian/libssl1.1@1.1.1n-0%2Bdeb11u3", Path: "var/lib/dpkg/status", Layer: "sha256:abc"}}
	got, stats, err := Packages(context.Background(), db, &inventory.OS{ID: "debian", VersionID: "11.6"}, pkgs)
	if err != nil {
		t.Fatal(err)
	}
	want := []finding.Finding{{
		Kind: finding.Vulnerability, ID: "DSA-9101-1", Aliases: []string{"CVE-2099-1001", "CVE-2099-1002"},
		Title: "openssl - security update", Status: finding.StatusFixed,
		Location: finding.Location{Path: "var/lib/dpkg/status", Layer: "sha256:abc"},
		Fix:      "upgrade to 1.1.1n-0+deb11u4", References: []string{"https://example.invalid/DSA-9101-1"},
		Package: &finding.PackageRef{Name: "libssl1.1", Version: "1.1.1n-0+deb11u3", Type: "deb", PURL: pkgs[0].PURL,
			SourceName: "openssl", FixedVersion: "1.1.1n-0+deb11u4", InstalledVersion: "1.1.1n-0+deb11u3"},
		Source: "osv:Debian",
		// The fixture database has no rating for these CVEs.
		CVEs: []finding.CVE{{ID: "CVE-2099-1001"}, {ID: "CVE-2099-1002"}},
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("finding (-want +got):\n%s", diff)
	}
	if stats.Lookups != 1 || stats.Findings != 1 || stats.Packages != 1 {
		t.Errorf("stats = %+v", stats)
	}
}

func TestStats(t *testing.T) {
	db := fixtureDB(t)
	pkgs := []inventory.Package{
		{Name: "left-pad", Version: "1.0.0", Type: "npm"},
		{Name: "lodash", Version: "not a version", Type: "npm"},
		{Name: "thing", Version: "1.0", Type: "unknown-type"},
		{Name: "zlib", Version: "1.0", Type: "deb"},
	}
	_, stats, err := Packages(context.Background(), db, &inventory.OS{ID: "plan9"}, pkgs)
	if err != nil {
		t.Fatal(err)
	}
	want := Stats{Packages: 4, Lookups: 2, Unsupported: 2, Entries: 1, NotEvaluated: 1,
		NotEvaluatedIDs: []string{"GHSA-9108-gitonly for left-pad@1.0.0"}, InvalidVersions: 1}
	if diff := cmp.Diff(want, stats); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
}

func TestCancelled(t *testing.T) {
	db := fixtureDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := Packages(ctx, db, nil, []inventory.Package{{Name: "lodash", Version: "1.0.0", Type: "npm"}}); err == nil {
		t.Errorf("Packages with a cancelled context succeeded")
	}
}
