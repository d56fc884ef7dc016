package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-sec/bulkhead/internal/cli"
	"github.com/bulkhead-sec/bulkhead/internal/report"
	"github.com/bulkhead-sec/bulkhead/internal/testenv"
	"github.com/bulkhead-sec/bulkhead/internal/testfixture/langroot"
)

// run runs the CLI in-process and returns its exit code, stdout and stderr.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli.Main(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// mustJSON runs the CLI, which must exit 0, and decodes its JSON report.
func mustJSON(t *testing.T, args ...string) *report.Report {
	t.Helper()
	code, out, errs := run(t, args...)
	if code != 0 {
		t.Fatalf("bulkhead %s: exit %d\n%s", strings.Join(args, " "), code, errs)
	}
	var r report.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("bulkhead %s: decode report: %v", strings.Join(args, " "), err)
	}
	return &r
}

// dockerImport imports the root filesystem at dir into the daemon as a new
// image and removes it when the test ends. It returns the image's name.
func dockerImport(t *testing.T, dir string) string {
	t.Helper()
	b := make([]byte, 4)
	rand.Read(b)
	name := "bulkhead-e2e:" + hex.EncodeToString(b)
	tarCmd := exec.Command("tar", "-C", dir, "-c", ".")
	imp := exec.Command("docker", "import", "-", name)
	pipe, err := tarCmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	imp.Stdin = pipe
	if err := tarCmd.Start(); err != nil {
		t.Fatal(err)
	}
	if out, err := imp.CombinedOutput(); err != nil {
		t.Fatalf("docker import: %v\n%s", err, out)
	}
	if err := tarCmd.Wait(); err != nil {
		t.Fatalf("tar: %v", err)
	}
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", name).Run() })
	return name
}

func dockerSave(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "image.tar")
	if out, err := exec.Command("docker", "save", "-o", p, name).CombinedOutput(); err != nil {
		t.Fatalf("docker save: %v\n%s", err, out)
	}
	return p
}

// TestImageLanguagePackages builds an image holding a Go binary compiled from
// a module that pins old real modules, node_modules, dist-info folders, a fat
// jar, gemspecs, a cargo-auditable binary, composer and .NET metadata, and
// checks that the SBOM of the image, read from the daemon and from a docker
// save archive, lists exactly the packages in it with the right purls.
func TestImageLanguagePackages(t *testing.T) {
	testenv.RequireDocker(t)
	root := t.TempDir()
	want := langroot.Build(t, root)
	name := dockerImport(t, root)
	archive := dockerSave(t, name)

	for _, ref := range []string{"docker:" + name, "docker-archive:" + archive} {
		t.Run(strings.SplitN(ref, ":", 2)[0], func(t *testing.T) {
			r := mustJSON(t, "sbom", ref, "--format", "json", "--cache-dir", t.TempDir())
			var got []langroot.Expected
			for _, p := range r.Packages {
				got = append(got, langroot.Expected{Type: p.Type, Name: p.Name, Version: p.Version, PURL: p.PURL, Path: p.Path})
				if p.Layer == "" {
					t.Errorf("%s %s: no layer", p.Name, p.Path)
				}
			}
			langroot.Sort(got)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
		})
	}
}

// TestImageVulnerabilities scans an image holding Debian 11 packages with
// known DSAs (one below the fixed version, one exactly at it), a Go binary
// pinning golang.org/x/text v0.3.7, lodash 4.17.15 and PyYAML 5.3.1 against
// the real OSV records of ../shared/vulndata, and checks that the advisories
// that apply are reported and none whose fix is at or below the installed
// version.
func TestImageVulnerabilities(t *testing.T) {
	osvDir := testenv.SharedDir(t, "vulndata/osv")
	testenv.RequireDocker(t)
	root := t.TempDir()
	langroot.Build(t, root)
	write := func(rel, body string) {
		p := filepath.Join(root, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("etc/os-release", "PRETTY_NAME=\"Debian GNU/Linux 11 (bullseye)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"11\"\nVERSION=\"11 (bullseye)\"\nVERSION_CODENAME=bullseye\nID=debian\n")
	write("var/lib/dpkg/status", `Package: libssl1.1
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 4122
Maintainer: Debian OpenSSL Team <pkg-openssl-devel@alioth-lists.debian.net>
Architecture: amd64
Multi-Arch: same
Source: openssl
Version: 1.1.1n-0+deb11u1
Depends: libc6 (>= 2.25), debconf (>= 0.5) | debconf-2.0
Description: Secure Sockets Layer toolkit - shared libraries

Package: haproxy
Status: install ok installed
Priority: optional
Section: net
Installed-Size: 3960
Maintainer: Debian HAProxy Maintainers <team+haproxy@tracker.debian.org>
Architecture: amd64
Version: 2.2.9-2+deb11u1
Depends: libc6 (>= 2.17)
Description: fast and reliable load balancing reverse proxy

`)
	name := dockerImport(t, root)

	nvdDir := testenv.SharedDir(t, "vulndata/nvd")
	db := filepath.Join(t.TempDir(), "osv.db")
	if code, _, errs := run(t, "db", "import", "--db", db, osvDir, nvdDir); code != 0 {
		t.Fatalf("db import: exit %d: %s", code, errs)
	}
	r := mustJSON(t, "scan", "image", "docker:"+name, "--db", db, "--scanners", "vuln", "--format", "json", "--cache-dir", t.TempDir())

	got := map[string]bool{}
	for _, f := range r.Findings {
		got[f.ID+" "+f.Package.Name] = true
	}
	mustHave := []string{
		"DSA-5139-1 libssl1.1",           // fixed in 1.1.1n-0+deb11u2, installed u1
		"GO-2022-1059 golang.org/x/text", // fixed in 0.3.8
		"GHSA-35jh-r3h4-6jhm lodash",     // fixed in 4.17.21
		"PYSEC-2021-142 pyyaml",          // fixed in 5.4
	}
	mustNot := []string{
		"DSA-4960-1 haproxy",             // fixed in exactly the installed version
		"GO-2021-0113 golang.org/x/text", // fixed in 0.3.7, the installed version
		"GO-2020-0015 golang.org/x/text", // fixed in 0.3.3
		"PYSEC-2020-96 pyyaml",           // fixed in 5.3.1, the installed version
		"PYSEC-2018-49 pyyaml",           // fixed in 5.1
	}
	var ids []string
	for k := range got {
		ids = append(ids, k)
	}
	sort.Strings(ids)
	for _, k := range mustHave {
		if !got[k] {
			t.Errorf("missing finding %q; got %v", k, ids)
		}
	}
	for _, k := range mustNot {
		if got[k] {
			t.Errorf("finding %q reported although the installed version is fixed", k)
		}
	}
	for _, f := range r.Findings {
		if f.Package == nil || f.Package.FixedVersion == "" {
			continue
		}
		if f.Location.Layer == "" {
			t.Errorf("%s: no layer in location", f.ID)
		}
	}
	// Every advisory above has a severity, from the best source: the GHSA's
	// own CVSS, else NVD's Primary CVSS of its CVE.
	sev := map[string]string{}
	for _, f := range r.Findings {
		sev[f.ID] = fmt.Sprintf("%s %.1f %s", f.Severity, f.Score, f.SeveritySource)
	}
	for id, want := range map[string]string{
		"DSA-5139-1":          "HIGH 7.3 nvd:CVE-2022-1292 CVSS 3.1 Primary (nvd@nist.gov)",
		"GO-2022-1059":        "HIGH 7.5 nvd:CVE-2022-32149 CVSS 3.1 Primary (nvd@nist.gov)",
		"GHSA-35jh-r3h4-6jhm": "HIGH 7.2 osv:GHSA-35jh-r3h4-6jhm CVSS_V3",
		"PYSEC-2021-142":      "CRITICAL 9.8 nvd:CVE-2020-14343 CVSS 3.1 Primary (nvd@nist.gov)",
	} {
		if sev[id] != want {
			t.Errorf("%s: %q, want %q", id, sev[id], want)
		}
	}
	// --fail-on CRITICAL no longer passes the image with a critical PyYAML,
	// and --severity CRITICAL shows its CVE in the table.
	code, out, _ := run(t, "scan", "image", "docker:"+name, "--db", db, "--scanners", "vuln", "--cache-dir", t.TempDir(), "--fail-on", "CRITICAL", "--severity", "CRITICAL")
	if code != 3 || !strings.Contains(out, "CVE-2020-14343") {
		t.Errorf("--fail-on CRITICAL: exit %d, want 3 with CVE-2020-14343 in the table:\n%s", code, out)
	}
}
