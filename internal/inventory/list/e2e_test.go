package list_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/list"
	"github.com/bulkhead-sec/bulkhead/internal/scan"
	"github.com/bulkhead-sec/bulkhead/internal/testenv"
)

// TestDebianRootEndToEnd scans a real Debian bookworm root filesystem (made
// by mmdebstrap, see scripts/testimages/debian-rootfs.sh) with the whole
// extractor list, and checks the OS, the packages and their purls against
// what dpkg-query says about the same root.
func TestDebianRootEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Debian root filesystem")
	}
	testenv.RequireRoot(t)
	testenv.RequireCommand(t, "mmdebstrap")
	dq := testenv.RequireCommand(t, "dpkg-query")
	out, err := exec.Command("sh", filepath.Join(testenv.RepoRoot(t), "scripts/testimages/debian-rootfs.sh")).Output()
	if err != nil {
		t.Fatalf("debian-rootfs.sh: %v", err)
	}
	tarball := strings.TrimSpace(string(out))
	root := t.TempDir()
	if out, err := exec.Command("tar", "-x", "-f", tarball, "-C", root, "--exclude=./dev/*").CombinedOutput(); err != nil {
		t.Fatalf("untar %s: %v\n%s", tarball, err, out)
	}

	res, err := scan.ScanDir(context.Background(), root, scan.Options{Extractors: list.Extractors(), NoCache: true, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatalf("scan.ScanDir: %v", err)
	}
	rep := res.Report

	wantOS := &inventory.OS{ID: "debian", VersionID: "12", Codename: "bookworm", PrettyName: "Debian GNU/Linux 12 (bookworm)"}
	if diff := cmp.Diff(wantOS, rep.Target.OS); diff != "" {
		t.Errorf("OS mismatch (-want +got):\n%s", diff)
	}

	q, err := exec.Command(dq, "--admindir", filepath.Join(root, "var/lib/dpkg"), "-W", "-f",
		"${db:Status-Status} ${Package} ${Version} ${Architecture} ${source:Package} ${source:Version}\n").Output()
	if err != nil {
		t.Fatalf("dpkg-query: %v", err)
	}
	var want []string
	for _, l := range strings.Split(strings.TrimSpace(string(q)), "\n") {
		f := strings.Fields(l)
		if len(f) != 6 || f[0] != "installed" {
			continue
		}
		if f[4] == f[1] {
			f[4] = ""
		}
		want = append(want, strings.Join(f[1:], " "))
	}
	var got []string
	for _, p := range rep.Packages {
		if p.Type != "deb" {
			t.Errorf("unexpected %s package %s from %s in a Debian root", p.Type, p.Name, p.Path)
			continue
		}
		got = append(got, strings.Join([]string{p.Name, p.Version, p.Arch, p.SourceName, p.SourceVersion}, " "))
		if !strings.HasPrefix(p.PURL, "pkg:deb/debian/") || !strings.Contains(p.PURL, "distro=debian-12") {
			t.Errorf("%s: purl %q, want pkg:deb/debian/...&distro=debian-12", p.Name, p.PURL)
		}
		if p.Path != "var/lib/dpkg/status" || p.Extractor != "os/dpkg" {
			t.Errorf("%s: found in %q by %q, want var/lib/dpkg/status by os/dpkg", p.Name, p.Path, p.Extractor)
		}
	}
	sort.Strings(want)
	sort.Strings(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("packages differ from dpkg-query (-want +got):\n%s", diff)
	}
	t.Logf("%d packages; OS %+v", len(got), rep.Target.OS)
	if len(got) < 50 {
		t.Errorf("only %d packages in a Debian minbase root", len(got))
	}
}
