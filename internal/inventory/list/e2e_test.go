package list_test

import (
	"context"
	"os"
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

// TestRootsEndToEnd scans small root filesystems put together from the
// extractors' test data and checks the detected OS and every package URL.
func TestRootsEndToEnd(t *testing.T) {
	const td = "../extract/os/" // the extractors' test data
	tests := []struct {
		name   string
		files  map[string]string // path in the root → source file, or "=contents"
		wantOS *inventory.OS
		purls  []string
	}{
		{
			name: "alpine",
			files: map[string]string{
				"etc/os-release":       "=ID=alpine\nVERSION_ID=3.18.4\nPRETTY_NAME=\"Alpine Linux v3.18\"\n",
				"lib/apk/db/installed": td + "apk/testdata/installed",
			},
			wantOS: &inventory.OS{ID: "alpine", VersionID: "3.18.4", PrettyName: "Alpine Linux v3.18"},
			purls: []string{
				"pkg:apk/alpine/busybox@1.36.1-r5?arch=x86_64&distro=alpine-3.18.4",
				"pkg:apk/alpine/libcrypto3@3.1.4-r1?arch=x86_64&distro=alpine-3.18.4&upstream=openssl",
				"pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=alpine-3.18.4",
				"pkg:apk/alpine/ssl_client@1.36.1-r5?arch=x86_64&distro=alpine-3.18.4&upstream=busybox",
			},
		},
		{
			name: "distroless",
			files: map[string]string{
				"etc/os-release":                        "=PRETTY_NAME=\"Distroless\"\nID=\"debian\"\nVERSION_ID=\"12\"\n",
				"var/lib/dpkg/status.d/base-files":      td + "dpkg/testdata/status.d/base-files",
				"var/lib/dpkg/status.d/libssl3":         td + "dpkg/testdata/status.d/libssl3",
				"var/lib/dpkg/status.d/libssl3.md5sums": td + "dpkg/testdata/status.d/libssl3.md5sums",
			},
			wantOS: &inventory.OS{ID: "debian", VersionID: "12", PrettyName: "Distroless", Distroless: true},
			purls: []string{
				"pkg:deb/debian/base-files@12.4%2Bdeb12u5?arch=amd64&distro=debian-12",
				"pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl",
			},
		},
		{
			name: "ubi9",
			files: map[string]string{
				"usr/lib/os-release":                "=ID=\"rhel\"\nVERSION_ID=\"9.3\"\nPRETTY_NAME=\"Red Hat Enterprise Linux 9.3 (Plow)\"\n",
				"etc/redhat-release":                "=Red Hat Enterprise Linux release 9.3 (Plow)\n",
				"usr/lib/sysimage/rpm/rpmdb.sqlite": td + "rpm/testdata/sqlite/rpmdb.sqlite",
			},
			wantOS: &inventory.OS{ID: "rhel", VersionID: "9.3", PrettyName: "Red Hat Enterprise Linux 9.3 (Plow)"},
			purls: []string{
				"pkg:rpm/redhat/hello@2.12.1-3.el9?arch=noarch&distro=rhel-9.3",
				"pkg:rpm/redhat/libfoo-devel@1.4~rc1-7.fc39?arch=x86_64&distro=rhel-9.3&epoch=2&upstream=libfoo",
				"pkg:rpm/redhat/libfoo@1.4~rc1-7.fc39?arch=x86_64&distro=rhel-9.3&epoch=2",
				"pkg:rpm/redhat/zero-epoch@5-1?arch=noarch&distro=rhel-9.3",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			for dst, src := range tt.files {
				var b []byte
				if strings.HasPrefix(src, "=") {
					b = []byte(src[1:])
				} else {
					var err error
					if b, err = os.ReadFile(src); err != nil {
						t.Fatal(err)
					}
				}
				writeFile(t, filepath.Join(root, dst), b)
			}
			rep, err := scan.Dir(context.Background(), root, scan.Options{Extractors: list.Extractors(), NoCache: true, CacheDir: t.TempDir()})
			if err != nil {
				t.Fatalf("scan.Dir: %v", err)
			}
			if diff := cmp.Diff(tt.wantOS, rep.Target.OS); diff != "" {
				t.Errorf("OS mismatch (-want +got):\n%s", diff)
			}
			var purls []string
			for _, p := range rep.Packages {
				purls = append(purls, p.PURL)
			}
			sort.Strings(purls)
			if diff := cmp.Diff(tt.purls, purls); diff != "" {
				t.Errorf("purls mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
