// Package formattest holds what the golden tests of every output format
// share: one fixture report that exercises every part of the model, and a
// golden-file comparison regenerated with `go test ./internal/report/... -update`.
// It is imported only by tests.
package formattest

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/report"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// Golden compares got with the file testdata/name, or rewrites that file
// when the test runs with -update.
func Golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file: %v (run `go test ./internal/report/... -update` to create it)", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs (-want +got):\n%s\nrun `go test ./internal/report/... -update` if the change is intended", path, cmp.Diff(string(want), string(got)))
	}
}

// Layer digests used by the fixture.
const (
	Layer1 = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
	Layer2 = "sha256:2222222222222222222222222222222222222222222222222222222222222222"
	Layer3 = "sha256:3333333333333333333333333333333333333333333333333333333333333333"
	Digest = "sha256:abcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcd"
)

// Report returns a fresh fixture report for an image: packages of several
// types (the same npm package at two paths, a licence that is not an SPDX
// expression, a dependency graph), findings of every kind and status,
// suppressed entries (by VEX and by the ignore file), a skipped and a failed
// scanner, and warnings.
func Report() *report.Report {
	created := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	r := report.New(report.Target{
		Kind:         report.KindImage,
		Name:         "registry.example.com/shop/web:1.4",
		Digest:       Digest,
		ImageID:      "sha256:cafecafecafecafecafecafecafecafecafecafecafecafecafecafecafecafe",
		RepoTags:     []string{"registry.example.com/shop/web:1.4"},
		Architecture: "amd64",
		OS:           &inventory.OS{ID: "debian", VersionID: "12", Codename: "bookworm", PrettyName: "Debian GNU/Linux 12 (bookworm)"},
		Layers: []report.Layer{
			{Digest: Layer1, DiffID: "sha256:d1", Size: 29000000, CreatedBy: "ADD rootfs.tar.xz /"},
			{Digest: Layer2, DiffID: "sha256:d2", Size: 1200000, CreatedBy: "RUN apt-get install -y libssl3"},
			{Digest: Layer3, DiffID: "sha256:d3", Size: 5300000, CreatedBy: "COPY app /app"},
		},
		Created: &created,
		Size:    35500000,
	}, "0.3.0", time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC))

	r.Packages = []inventory.Package{
		{Name: "libssl3", Version: "3.0.11-1~deb12u2", Type: "deb", Arch: "amd64", SourceName: "openssl", SourceVersion: "3.0.11-1~deb12u2",
			Licenses: []string{"Apache-2.0"}, PURL: "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl",
			Path: "var/lib/dpkg/status", Layer: Layer2, Extractor: "os/dpkg", DependsOn: []string{"libc6"}},
		{Name: "libc6", Version: "2.36-9+deb12u3", Type: "deb", Arch: "amd64", SourceName: "glibc", SourceVersion: "2.36-9+deb12u3",
			Licenses: []string{"LGPL-2.1-or-later", "GPL-2.0-or-later"}, PURL: "pkg:deb/debian/libc6@2.36-9+deb12u3?arch=amd64&distro=debian-12&upstream=glibc",
			Path: "var/lib/dpkg/status", Layer: Layer1, Extractor: "os/dpkg"},
		{Name: "bash", Version: "5.2.15-2+b2", Type: "deb", Arch: "amd64", SourceVersion: "5.2.15-2",
			Licenses: []string{"GPLv3+ | with exceptions"}, PURL: "pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&distro=debian-12&upstream=bash%405.2.15-2",
			Path: "var/lib/dpkg/status", Layer: Layer1, Extractor: "os/dpkg", DependsOn: []string{"libc6"}},
		{Name: "express", Version: "4.18.2", Type: "npm", Licenses: []string{"MIT"}, PURL: "pkg:npm/express@4.18.2",
			Path: "app/node_modules/express/package.json", Layer: Layer3, Extractor: "javascript/packagejson", Relationship: "direct", DependsOn: []string{"lodash"}},
		{Name: "lodash", Version: "4.17.20", Type: "npm", Licenses: []string{"MIT"}, PURL: "pkg:npm/lodash@4.17.20",
			Path: "app/node_modules/lodash/package.json", Layer: Layer3, Extractor: "javascript/packagejson", Relationship: "transitive"},
		{Name: "lodash", Version: "4.17.20", Type: "npm", Licenses: []string{"MIT"}, PURL: "pkg:npm/lodash@4.17.20",
			Path: "app/vendor/node_modules/lodash/package.json", Layer: Layer3, Extractor: "javascript/packagejson", Relationship: "transitive"},
		{Name: "golang.org/x/net", Version: "v0.17.0", Type: "golang", PURL: "pkg:golang/golang.org/x/net@v0.17.0",
			Path: "app/bin/server", Layer: Layer3, Extractor: "go/binary", Metadata: map[string]string{"go_toolchain": "go1.21.3"}},
		{Name: "org.apache.logging.log4j:log4j-core", Version: "2.14.1", Type: "maven", Licenses: []string{"Apache-2.0"},
			PURL: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", Path: "app/lib/log4j-core-2.14.1.jar", Layer: Layer3, Extractor: "java/archive"},
	}

	libssl := &finding.PackageRef{Name: "libssl3", Version: "3.0.11-1~deb12u2", Type: "deb", PURL: r.Packages[0].PURL, SourceName: "openssl", FixedVersion: "3.0.13-1~deb12u1", InstalledVersion: "3.0.11-1~deb12u2"}
	log4j := &finding.PackageRef{Name: "org.apache.logging.log4j:log4j-core", Version: "2.14.1", Type: "maven", PURL: r.Packages[7].PURL, FixedVersion: "2.15.0", InstalledVersion: "2.14.1"}
	lodash := &finding.PackageRef{Name: "lodash", Version: "4.17.20", Type: "npm", PURL: "pkg:npm/lodash@4.17.20", InstalledVersion: "4.17.20"}
	r.Findings = []finding.Finding{
		{Kind: finding.Vulnerability, ID: "GHSA-jfh8-c2jp-5v3q", Aliases: []string{"CVE-2021-44228"}, Severity: finding.Critical, Score: 10,
			Title: "Remote code injection in Log4j", Description: "Apache Log4j2 JNDI features do not protect against attacker controlled LDAP endpoints.",
			Status: finding.StatusFixed, Location: finding.Location{Layer: Layer3, Path: "app/lib/log4j-core-2.14.1.jar"}, Fix: "2.15.0",
			References: []string{"https://nvd.nist.gov/vuln/detail/CVE-2021-44228"}, Package: log4j, Source: "osv:Maven",
			Extra:          map[string]any{"cvss_v3_vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"},
			SeveritySource: "osv:GHSA-jfh8-c2jp-5v3q CVSS_V3",
			CVSS:           []finding.CVSS{{Version: "3.1", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", Score: 10, Source: "GHSA-jfh8-c2jp-5v3q"}},
			CVEs: []finding.CVE{{ID: "CVE-2021-44228", Severity: finding.Critical, Score: 10, SeveritySource: "osv:GHSA-jfh8-c2jp-5v3q CVSS_V3",
				KEV:  &finding.KEV{CVE: "CVE-2021-44228", DateAdded: "2021-12-10", DueDate: "2021-12-24", Ransomware: "Known"},
				EPSS: &finding.EPSS{CVE: "CVE-2021-44228", Score: 0.94358, Percentile: 0.99982, Date: "2025-08-25"}}},
			KEV:  &finding.KEV{CVE: "CVE-2021-44228", DateAdded: "2021-12-10", DueDate: "2021-12-24", Ransomware: "Known"},
			EPSS: &finding.EPSS{CVE: "CVE-2021-44228", Score: 0.94358, Percentile: 0.99982, Date: "2025-08-25"}},
		{Kind: finding.Vulnerability, ID: "CVE-2024-0727", Severity: finding.Medium, Score: 5.5,
			Title: "openssl: denial of service via null dereference", Status: finding.StatusFixed,
			Location: finding.Location{Layer: Layer2, Path: "var/lib/dpkg/status"}, Fix: "3.0.13-1~deb12u1",
			References: []string{"https://security-tracker.debian.org/tracker/CVE-2024-0727"}, Package: libssl, Source: "osv:Debian",
			SeveritySource: "nvd:CVE-2024-0727 CVSS 3.1 Primary (nvd@nist.gov)",
			CVSS: []finding.CVSS{{Version: "3.1", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", Score: 5.5, Source: "nvd@nist.gov", Type: "Primary"},
				{Version: "3.1", Vector: "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H", Score: 5.5, Source: "openssl-security@openssl.org", Type: "Secondary"}},
			CVEs: []finding.CVE{{ID: "CVE-2024-0727", Severity: finding.Medium, Score: 5.5, SeveritySource: "nvd:CVE-2024-0727 CVSS 3.1 Primary (nvd@nist.gov)"}}},
		{Kind: finding.Vulnerability, ID: "CVE-2020-28500", Aliases: []string{"GHSA-29mw-wpgm-hmr9"}, Severity: finding.Unknown,
			Title: "ReDoS in lodash | toNumber", Status: finding.StatusNoFix,
			Location: finding.Location{Layer: Layer3, Path: "app/node_modules/lodash/package.json"}, Package: lodash, Source: "osv:npm"},
		{Kind: finding.Secret, ID: "BH-SEC-aws-access-key", Severity: finding.Critical, Title: "AWS access key id",
			Location: finding.Location{Layer: Layer2, RemovedIn: Layer3, Path: "root/.aws/credentials", Line: 2},
			Evidence: "aws_access_key_id = AKIA************MPLE", Fix: "Revoke the key and rebuild without it; a later layer's delete does not remove it from the image.", Tags: []string{"cloud", "aws"}},
		{Kind: finding.Misconfiguration, ID: "BH-DF-003", Aliases: []string{"DL3007"}, Severity: finding.Medium, Title: "Using latest is prone to errors",
			Location: finding.Location{Path: "Dockerfile", Line: 1}, Fix: "Pin the base image to a version tag or digest.",
			References: []string{"https://docs.docker.com/develop/develop-images/dockerfile_best-practices/"}, Source: "bulkhead-dockerfile", Tags: []string{"dockerfile"}},
		{Kind: finding.Misconfiguration, ID: "BH-IMG-001", Aliases: []string{"CIS-DI-0001"}, Severity: finding.High, Title: "Image runs as root",
			Location: finding.Location{Path: "config.User"}, Fix: "Add a USER instruction with a non-root user.", Source: "bulkhead-imagecheck"},
		{Kind: finding.Compliance, ID: "1.1.1", Severity: finding.Medium, Title: "Ensure a separate partition for containers has been created", Status: finding.StatusPass,
			Location: finding.Location{Object: "/var/lib/docker"}, Source: "cis-docker-1.6.0", Tags: []string{"level1"}},
		{Kind: finding.Compliance, ID: "2.2", Severity: finding.High, Title: "Ensure network traffic is restricted between containers on the default bridge", Status: finding.StatusFail,
			Location: finding.Location{Object: "daemon: icc"}, Fix: "Run dockerd with --icc=false.", Source: "cis-docker-1.6.0", Tags: []string{"level1"}},
		{Kind: finding.Compliance, ID: "2.14", Severity: finding.Low, Title: "Ensure live restore is enabled", Status: finding.StatusWarn,
			Location: finding.Location{Object: "daemon: live-restore"}, Source: "cis-docker-1.6.0"},
		{Kind: finding.Compliance, ID: "1.1.3", Severity: finding.Medium, Title: "Ensure auditing is configured for the Docker daemon", Status: finding.StatusSkip,
			Description: "auditctl not installed", Location: finding.Location{Object: "/usr/bin/dockerd"}, Source: "cis-docker-1.6.0"},
		{Kind: finding.Runtime, ID: "BH-RT-shell-in-container", Severity: finding.High, Title: "Terminal shell in container",
			Description: "A shell was spawned with an attached terminal", Location: finding.Location{ContainerID: "4f2c9d1e8b7a6c5d4e3f", ContainerName: "web-1"},
			Evidence: "proc.cmdline=bash -i user=root", Source: "falco-compat", Tags: []string{"mitre_execution", "T1059"},
			Extra: map[string]any{"proc.pid": float64(4242)}},
	}
	r.Suppressed = []report.Suppressed{
		{Finding: finding.Finding{Kind: finding.Vulnerability, ID: "CVE-2023-5678", Severity: finding.Medium, Score: 5.3,
			Title: "openssl: excessive time spent in DH check", Status: finding.StatusFixed, Fix: "3.0.13-1~deb12u1",
			Location: finding.Location{Layer: Layer2, Path: "var/lib/dpkg/status"}, Package: libssl, Source: "osv:Debian"},
			By: report.ByVEX, Statement: "DH is not used by the shop",
			VEX: &report.VEXStatement{Document: "https://shop.example.com/vex/web-1.4", Status: "not_affected", Justification: "vulnerable_code_not_in_execute_path",
				ImpactStatement: "DH is not used by the shop", Products: []string{"pkg:deb/debian/libssl3"}}},
		{Finding: finding.Finding{Kind: finding.Misconfiguration, ID: "BH-DF-010", Severity: finding.Low, Title: "Pin versions in apt-get install",
			Location: finding.Location{Path: "Dockerfile", Line: 3}, Source: "bulkhead-dockerfile"},
			By: report.ByIgnoreFile, Statement: "base packages follow the distro's point releases", Expires: "2027-01-31"},
	}
	r.Scanners = []report.ScannerStatus{
		{Name: "packages", State: report.StateDone, Counts: map[string]int{"packages": len(r.Packages)}},
		{Name: "vulnerabilities", State: report.StateDone},
		{Name: "secrets", State: report.StateDone, Counts: map[string]int{"binary_skipped": 12}},
		{Name: "eol", State: report.StateSkipped, Reason: "no end-of-life data; run `bulkhead db update`"},
		{Name: "licenses", State: report.StateFailed, Reason: "layer sha256:333333333333: unexpected EOF"},
	}
	r.Warnings = []string{
		"layer sha256:333333333333: entry \"../etc/passwd\" skipped: path escapes the root",
		"vulnerability data is 9 days old; run `bulkhead db update`",
	}
	r.Sort()
	return r
}

// Filesystem returns a small report of a source tree, with no OS and no
// layers, for the formats' filesystem cases.
func Filesystem() *report.Report {
	r := report.New(report.Target{Kind: report.KindFilesystem, Name: "./shop"}, "0.3.0", time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC))
	r.Packages = []inventory.Package{
		{Name: "requests", Version: "2.31.0", Type: "pypi", Licenses: []string{"Apache-2.0"}, PURL: "pkg:pypi/requests@2.31.0", Path: "requirements.txt", Extractor: "python/requirements"},
	}
	r.Scanners = []report.ScannerStatus{{Name: "vulnerabilities", State: report.StateSkipped, Reason: "no database; run `bulkhead db update`"}}
	return r
}

// Large returns a report with n packages and m vulnerability findings, for
// benchmarks.
func Large(n, m int) *report.Report {
	r := Report()
	r.Packages = make([]inventory.Package, n)
	for i := range r.Packages {
		name := fmt.Sprintf("pkg%05d", i)
		r.Packages[i] = inventory.Package{Name: name, Version: "1.0." + fmt.Sprint(i%50), Type: []string{"deb", "npm", "pypi", "golang"}[i%4],
			Licenses: []string{"MIT"}, Path: fmt.Sprintf("app/%d/package.json", i%100), Layer: Layer3}
		r.Packages[i].PURL = "pkg:" + r.Packages[i].Type + "/" + name + "@" + r.Packages[i].Version
		if i > 0 {
			r.Packages[i].DependsOn = []string{fmt.Sprintf("pkg%05d", i-1)}
		}
	}
	r.Findings = make([]finding.Finding, m)
	for i := range r.Findings {
		p := r.Packages[i%n]
		r.Findings[i] = finding.Finding{Kind: finding.Vulnerability, ID: fmt.Sprintf("CVE-2024-%05d", i), Severity: finding.Severity(i % 6),
			Title: "a vulnerability in " + p.Name, Location: finding.Location{Path: p.Path, Layer: p.Layer}, Fix: "2.0.0",
			Package: &finding.PackageRef{Name: p.Name, Version: p.Version, Type: p.Type, PURL: p.PURL}, Source: "osv:npm"}
	}
	return r
}

// Audit is an audit of three containers: a container check failing on
// two, one skipped on all for the same reason, host checks passing,
// failing and skipped, and a bulkhead check without a CIS number.
func Audit() *report.Report {
	r := report.New(report.Target{Kind: report.KindHost, Name: "host-1"}, "test", Report().CreatedAt)
	c := func(id, title string, sev finding.Severity, st finding.Status, name, image, ev string) finding.Finding {
		return finding.Finding{Kind: finding.Compliance, ID: id, Title: title, Severity: sev, Status: st, Evidence: ev,
			Location: finding.Location{ContainerName: name, ContainerID: name + "0123456789abcdef", Object: image}}
	}
	h := func(id, title string, sev finding.Severity, st finding.Status, obj, ev string) finding.Finding {
		return finding.Finding{Kind: finding.Compliance, ID: id, Title: title, Severity: sev, Status: st, Evidence: ev, Location: finding.Location{Object: obj}}
	}
	const net = "The host's network namespace is not shared"
	const ssh = "sshd is not run within containers"
	const mem = "The container's memory usage is limited"
	r.Findings = []finding.Finding{
		h("1.1.1", "Docker data root is on a separate partition", finding.Low, finding.StatusFail, "/var/lib/docker", "on the root file system (device 8:1), a bind mount of /srv/docker"),
		h("2.2", "Network traffic is restricted between containers on the default bridge", finding.Info, finding.StatusPass, "daemon", "icc=false"),
		h("3.1", "docker.service is owned by root:root", finding.Info, finding.StatusSkip, "/lib/systemd/system/docker.service", "skipped: needs root (permission denied)"),
		c("5.10", net, finding.High, finding.StatusFail, "web", "registry.example.com/team/nginx:1.25.3-alpine", "network=host"),
		c("5.10", net, finding.Info, finding.StatusPass, "db", "postgres:16", "network=bridge"),
		c("5.10", net, finding.High, finding.StatusFail, "cache-with-a-long-name", "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "network=host"),
		c("5.7", ssh, finding.Info, finding.StatusSkip, "web", "nginx", "skipped: needs root to read other processes"),
		c("5.7", ssh, finding.Info, finding.StatusSkip, "db", "postgres:16", "skipped: needs root to read other processes"),
		c("5.11", mem, finding.Info, finding.StatusPass, "web", "nginx", "memory limit 33554432 bytes"),
		c("5.11", mem, finding.Info, finding.StatusPass, "db", "postgres:16", "memory limit 33554432 bytes"),
		h("BH-AUDIT-001", "Container environments hold no secrets", finding.Info, finding.StatusPass, "containers", ""),
	}
	return r
}
