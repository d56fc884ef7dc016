package imagecheck

import (
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/report"
	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

var testNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

const (
	l1 = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
	l2 = "sha256:2222222222222222222222222222222222222222222222222222222222222222"
)

// clean is an image no check fires on: a non-root user, a healthcheck, a
// supported OS, a pinned tag and one static binary.
func clean() *Input {
	return &Input{
		Name: "registry.example.com/app", Tag: "1.2.3",
		Config: &v1.ConfigFile{Config: v1.Config{
			User:         "10001:10001",
			Healthcheck:  &v1.HealthConfig{Test: []string{"CMD", "/app", "health"}},
			Env:          []string{"PATH=/usr/bin", "GPG_KEY=ABCDEF0123456789", "APP_TOKEN_FILE=/run/secrets/token"},
			ExposedPorts: map[string]struct{}{"8080/tcp": {}},
		}},
		Layers: []report.Layer{{Digest: l1, CreatedBy: "COPY app /app # buildkit"}},
		Files: []File{
			{Path: "app", Mode: 0o755, Size: 5 << 20, Layer: l1},
			{Path: "tmp", Mode: fs.ModeDir | fs.ModeSticky | 0o777, Layer: l1},
			{Path: "etc", Mode: fs.ModeDir | 0o755, Layer: l1},
		},
		OS:  &inventory.OS{ID: "debian", VersionID: "12"},
		Now: testNow,
	}
}

func ids(fs []finding.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.ID)
	}
	return out
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name   string
		change func(in *Input)
		want   []string
		// first, when set, is compared with the first finding's location
		// and evidence.
		first *finding.Finding
	}{
		{name: "clean image", change: func(*Input) {}},
		{name: "no config, no OS, no files", change: func(in *Input) { in.Config, in.OS, in.Files = nil, nil, nil }},
		{name: "user empty", change: func(in *Input) { in.Config.Config.User = "" }, want: []string{"BH-IMG-001"},
			first: &finding.Finding{Location: finding.Location{Object: "config User"}, Evidence: "User is not set"}},
		{name: "user root", change: func(in *Input) { in.Config.Config.User = "root" }, want: []string{"BH-IMG-001"}},
		{name: "user 0:0", change: func(in *Input) { in.Config.Config.User = "0:0" }, want: []string{"BH-IMG-001"}},
		{name: "user root group", change: func(in *Input) { in.Config.Config.User = "root:staff" }, want: []string{"BH-IMG-001"}},
		{name: "user 1000:0 is not root", change: func(in *Input) { in.Config.Config.User = "1000:0" }},
		{name: "no healthcheck", change: func(in *Input) { in.Config.Config.Healthcheck = nil }, want: []string{"BH-IMG-002"}},
		{name: "healthcheck NONE", change: func(in *Input) { in.Config.Config.Healthcheck = &v1.HealthConfig{Test: []string{"NONE"}} }, want: []string{"BH-IMG-002"}},
		{name: "setuid and setgid", change: func(in *Input) {
			in.Files = append(in.Files,
				File{Path: "/usr/bin/passwd", Mode: fs.ModeSetuid | 0o755, Size: 59976, Layer: l1},
				File{Path: "usr/bin/wall", Mode: fs.ModeSetgid | 0o755, Size: 35000, Layer: l2},
				File{Path: "usr/bin/notsuid", Mode: 0o755, Layer: l2})
		}, want: []string{"BH-IMG-003"},
			first: &finding.Finding{Location: finding.Location{Path: "usr/bin/passwd", Layer: l1}, Evidence: "/usr/bin/passwd (58.6 KiB), /usr/bin/wall (34.2 KiB)"}},
		{name: "a later entry for the same path wins", change: func(in *Input) {
			in.Files = append(in.Files,
				File{Path: "usr/bin/x", Mode: fs.ModeSetuid | 0o755, Layer: l1},
				File{Path: "/usr/bin/y", Mode: 0o755, Layer: l1},
				File{Path: "./usr/bin/x", Mode: 0o755, Layer: l2},
				File{Path: "usr/bin/y", Mode: fs.ModeSetgid | 0o755, Size: 1, Layer: l2})
		}, want: []string{"BH-IMG-003"},
			first: &finding.Finding{Location: finding.Location{Path: "usr/bin/y", Layer: l2}, Evidence: "/usr/bin/y (1 B)"}},
		{name: "world-writable file and dir, sticky dir and symlink are fine", change: func(in *Input) {
			in.Files = append(in.Files,
				File{Path: "var/data", Mode: fs.ModeDir | 0o777, Layer: l2},
				File{Path: "etc/app.conf", Mode: 0o666, Size: 10, Layer: l2},
				File{Path: "usr/lib/link", Mode: fs.ModeSymlink | 0o777, Linkname: "x", Layer: l2})
		}, want: []string{"BH-IMG-004"},
			first: &finding.Finding{Location: finding.Location{Path: "etc/app.conf", Layer: l2}, Evidence: "/etc/app.conf (10 B), /var/data"}},
		{name: "shells: busybox applets counted once", change: func(in *Input) {
			in.Files = append(in.Files,
				File{Path: "bin/busybox", Mode: 0o755, Size: 1000, Layer: l1},
				File{Path: "bin/sh", Mode: fs.ModeSymlink | 0o777, Linkname: "/bin/busybox", Layer: l1},
				File{Path: "bin/ash", Mode: fs.ModeSymlink | 0o777, Linkname: "busybox", Layer: l1},
				File{Path: "bin/zsh", Mode: fs.ModeSymlink | 0o777, Linkname: "/nowhere", Layer: l1},
				File{Path: "usr/share/doc/bash", Mode: 0o644, Size: 10, Layer: l1})
		}, want: []string{"BH-IMG-005"},
			first: &finding.Finding{Location: finding.Location{Path: "bin/ash", Layer: l1}, Evidence: "/bin/ash, /bin/busybox (1000 B), /bin/sh"}},
		{name: "package managers", change: func(in *Input) {
			in.Files = append(in.Files,
				File{Path: "usr/bin/dpkg", Mode: 0o755, Size: 300000, Layer: l1},
				File{Path: "usr/bin/apt-get", Mode: 0o755, Size: 20000, Layer: l1},
				File{Path: "usr/local/bin/pip3.12", Mode: 0o755, Size: 200, Layer: l2})
		}, want: []string{"BH-IMG-006"}},
		{name: "compilers", change: func(in *Input) {
			in.Files = append(in.Files,
				File{Path: "usr/local/go/bin/go", Mode: 0o755, Size: 15 << 20, Layer: l2},
				File{Path: "usr/bin/x86_64-linux-gnu-gcc-12", Mode: 0o755, Size: 1 << 20, Layer: l2},
				File{Path: "usr/lib/go/src/go", Mode: fs.ModeDir | 0o755, Layer: l2})
		}, want: []string{"BH-IMG-007"},
			first: &finding.Finding{Location: finding.Location{Path: "usr/bin/x86_64-linux-gnu-gcc-12", Layer: l2}, Evidence: "/usr/bin/x86_64-linux-gnu-gcc-12 (1.0 MiB), /usr/local/go/bin/go (15.0 MiB)"}},
		{name: "network tools", change: func(in *Input) {
			in.Files = append(in.Files,
				File{Path: "usr/bin/curl", Mode: 0o755, Size: 250000, Layer: l2},
				File{Path: "usr/bin/wget", Mode: 0o755, Size: 500000, Layer: l2},
				File{Path: "bin/nc", Mode: fs.ModeSymlink | 0o777, Linkname: "nc.openbsd", Layer: l2},
				File{Path: "bin/nc.openbsd", Mode: 0o755, Size: 30000, Layer: l2})
		}, want: []string{"BH-IMG-008"}},
		{name: "eol alpine 3.18", change: func(in *Input) { in.OS = &inventory.OS{ID: "alpine", VersionID: "3.18.4"} }, want: []string{"BH-IMG-009"},
			first: &finding.Finding{Location: finding.Location{Object: "os alpine 3.18.4"}, Evidence: "alpine 3.18.4: end of life 2025-05-09 (source: https://alpinelinux.org/releases/)"}},
		{name: "eol by codename", change: func(in *Input) { in.OS = &inventory.OS{ID: "debian", Codename: "buster"} }, want: []string{"BH-IMG-009"}},
		{name: "eol not yet", change: func(in *Input) {
			in.OS = &inventory.OS{ID: "debian", VersionID: "12"}
			in.Now = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		}},
		{name: "unknown os", change: func(in *Input) { in.OS = &inventory.OS{ID: "plan9", VersionID: "4"} }},
		{name: "latest tag", change: func(in *Input) { in.Tag = "latest" }, want: []string{"BH-IMG-010"}},
		{name: "no tag", change: func(in *Input) { in.Tag = "" }, want: []string{"BH-IMG-010"},
			first: &finding.Finding{Location: finding.Location{Object: "reference registry.example.com/app"}, Evidence: "registry.example.com/app"}},
		{name: "digest reference", change: func(in *Input) { in.Tag, in.Name = "", "app@sha256:abc" }},
		{name: "no name (dir source)", change: func(in *Input) { in.Tag, in.Name = "", "" }},
		{name: "remote ADD", change: func(in *Input) {
			in.Layers = append(in.Layers,
				report.Layer{Digest: l2, CreatedBy: "ADD --chown=1000 https://example.com/tool.tgz /opt/ # buildkit"},
				report.Layer{Digest: l2, CreatedBy: "/bin/sh -c #(nop) ADD file:abc in / "},
				report.Layer{Digest: l2, CreatedBy: "ADD --checksum=sha256:00 https://example.com/x /x # buildkit"})
		}, want: []string{"BH-IMG-011"},
			first: &finding.Finding{Location: finding.Location{Layer: l2, Object: "history"}, Evidence: "ADD --chown=1000 https://example.com/tool.tgz /opt/ # buildkit"}},
		{name: "sudo file and history", change: func(in *Input) {
			in.Files = append(in.Files, File{Path: "usr/bin/sudo", Mode: fs.ModeSetuid | 0o755, Size: 100, Layer: l2})
			in.Layers = append(in.Layers, report.Layer{Digest: l2, CreatedBy: "RUN /bin/sh -c sudo apt-get install -y x # buildkit"},
				report.Layer{Digest: l2, CreatedBy: "RUN /bin/sh -c echo pseudo-sudo # buildkit"})
		}, want: []string{"BH-IMG-003", "BH-IMG-012", "BH-IMG-012"}},
		{name: "sudo package without the usual binary", change: func(in *Input) {
			in.Packages = append(in.Packages, inventory.Package{Name: "sudo", Version: "1.9.13p3-1+deb12u1", Type: "deb", Path: "var/lib/dpkg/status", Layer: l2})
		}, want: []string{"BH-IMG-012"},
			first: &finding.Finding{Location: finding.Location{Path: "var/lib/dpkg/status", Layer: l2, Object: "package sudo"}, Evidence: "sudo 1.9.13p3-1+deb12u1 (deb)"}},
		{name: "expose 22", change: func(in *Input) { in.Config.Config.ExposedPorts["22/tcp"] = struct{}{} }, want: []string{"BH-IMG-013"}},
		{name: "secret env redacted", change: func(in *Input) {
			in.Config.Config.Env = append(in.Config.Config.Env, "DB_PASSWORD=hunter2hunter2", "EMPTY_SECRET=", "X=AKIAZ3MHQJ5PLR7TXW2K")
		}, want: []string{"BH-IMG-014"},
			first: &finding.Finding{Location: finding.Location{Object: "config Env"}, Evidence: "DB_PASSWORD=hun****, X=AKIA****"}},
		{name: "secrets the secret scanner reported are not reported again", change: func(in *Input) {
			in.Config.Config.Env = append(in.Config.Config.Env, "DB_PASSWORD=hunter2hunter2", "API_TOKEN=ghp_R8b2Kq9ZxY4mN7pL3vT6wJ1sD5fH0gC2aE8u")
			in.ReportedEnv = map[int]bool{len(in.Config.Config.Env) - 1: true}
			in.Files = append(in.Files,
				File{Path: "root/.ssh/id_rsa", Mode: 0o600, Size: 1679, Layer: l2},
				File{Path: "app/.env", Mode: 0o644, Size: 80, Layer: l2})
			in.ReportedFiles = map[string]bool{"root/.ssh/id_rsa": true}
		}, want: []string{"BH-IMG-014", "BH-IMG-019"},
			first: &finding.Finding{Location: finding.Location{Object: "config Env"}, Evidence: "DB_PASSWORD=hun****"}},
		{name: "package caches", change: func(in *Input) {
			in.Files = append(in.Files,
				File{Path: "var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4", Mode: 0o644, Size: 3 << 20, Layer: l2},
				File{Path: "var/lib/apt/lists/lock", Mode: 0o640, Size: 0, Layer: l2},
				File{Path: "var/cache/apk/APKINDEX.abc.tar.gz", Mode: 0o644, Size: 1 << 20, Layer: l1},
				File{Path: "root/.cache/pip/http/a/b", Mode: 0o644, Size: 2048, Layer: l2})
		}, want: []string{"BH-IMG-015"},
			first: &finding.Finding{Location: finding.Location{Path: "var/lib/apt/lists", Layer: l2}, Evidence: "/var/lib/apt/lists: 1 files, 3.0 MiB (apt package lists); /var/cache/apk: 1 files, 1.0 MiB (apk cache); /root/.cache/pip: 1 files, 2.0 KiB (pip cache)"}},
		{name: "51 layers", change: func(in *Input) {
			for i := 0; i < 50; i++ {
				in.Layers = append(in.Layers, report.Layer{Digest: fmt.Sprintf("sha256:%064d", i), CreatedBy: "RUN true"})
			}
		}, want: []string{"BH-IMG-016"}},
		{name: "50 layers", change: func(in *Input) {
			for i := 0; i < 49; i++ {
				in.Layers = append(in.Layers, report.Layer{Digest: fmt.Sprintf("sha256:%064d", i)})
			}
		}},
		{name: "unneeded files", change: func(in *Input) {
			in.Files = append(in.Files,
				File{Path: "app/.git/config", Mode: 0o644, Size: 100, Layer: l2},
				File{Path: "app/.git/objects/ab/cdef", Mode: 0o644, Size: 1000, Layer: l2},
				File{Path: "app/.git/objects", Mode: fs.ModeDir | 0o755, Layer: l2},
				File{Path: "app/Dockerfile", Mode: 0o644, Size: 50, Layer: l2},
				File{Path: "usr/share/doc/x/Dockerfile", Mode: 0o644, Size: 50, Layer: l1},
				// Dependencies' own build files are no leftover of this build.
				File{Path: "usr/local/go/src/crypto/internal/boring/Dockerfile", Mode: 0o644, Size: 50, Layer: l1},
				File{Path: "go/pkg/mod/golang.org/x/sys@v0.43.0/unix/linux/Dockerfile", Mode: 0o644, Size: 50, Layer: l2},
				File{Path: "root/go/pkg/mod/github.com/x/y@v1.0.0/.idea/misc.xml", Mode: 0o644, Size: 50, Layer: l2},
				File{Path: "app/node_modules/z/Dockerfile", Mode: 0o644, Size: 50, Layer: l2},
				File{Path: "root/.bash_history", Mode: 0o600, Size: 7, Layer: l2})
		}, want: []string{"BH-IMG-018"},
			first: &finding.Finding{Location: finding.Location{Path: "app/.git", Layer: l2}, Evidence: "/app/.git (1.1 KiB), /app/Dockerfile (50 B), /root/.bash_history (7 B)"}},
		{name: "credential files", change: func(in *Input) {
			in.Files = append(in.Files,
				File{Path: "root/.ssh/id_rsa", Mode: 0o600, Size: 1679, Layer: l2},
				File{Path: "app/.env", Mode: 0o644, Size: 80, Layer: l2},
				File{Path: "app/cert.p12", Mode: 0o644, Size: 3000, Layer: l2},
				File{Path: "usr/lib/python3/dist-packages/x/settings.py", Mode: 0o644, Size: 10, Layer: l1},
				File{Path: "go/pkg/mod/github.com/compose-spec/compose-go/v2@v2.16.2/cli/testdata/simple/.env", Mode: 0o644, Size: 17, Layer: l2},
				File{Path: "opt/venv/lib/python3.12/site-packages/django/conf/project_template/settings.py", Mode: 0o644, Size: 10, Layer: l2},
				// A "pkg/mod" folder of the application's own is no module cache.
				File{Path: "srv/pkg/mod/.env", Mode: 0o644, Size: 12, Layer: l2},
				File{Path: "app/.env.example", Mode: 0o644, Size: 10, Layer: l2})
		}, want: []string{"BH-IMG-019"},
			first: &finding.Finding{Location: finding.Location{Path: "app/.env", Layer: l2}, Evidence: "/app/.env (80 B), /app/cert.p12 (2.9 KiB), /root/.ssh/id_rsa (1.6 KiB), /srv/pkg/mod/.env (12 B)"}},
		{name: "volume on /proc", change: func(in *Input) { in.Config.Config.Volumes = map[string]struct{}{"/proc/sys": {}, "/data": {}} }, want: []string{"BH-IMG-017"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := clean()
			tt.change(in)
			got := Check(in)
			if diff := cmp.Diff(tt.want, ids(got)); diff != "" {
				t.Fatalf("ids (-want +got):\n%s", diff)
			}
			for _, f := range got {
				if f.Kind != finding.Misconfiguration || f.Source != Source || f.Title == "" || f.Fix == "" || len(f.References) == 0 {
					t.Errorf("%s: incomplete finding %+v", f.ID, f)
				}
				if f.Location.Path == "" && f.Location.Object == "" {
					t.Errorf("%s: no path or object", f.ID)
				}
			}
			if tt.first != nil {
				g := finding.Finding{Location: got[0].Location, Evidence: got[0].Evidence}
				if diff := cmp.Diff(*tt.first, g); diff != "" {
					t.Errorf("first finding (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// TestSlimnessExtra checks the per-file and per-layer sizes of a slimness
// finding.
func TestSlimnessExtra(t *testing.T) {
	in := clean()
	in.Files = append(in.Files,
		File{Path: "usr/bin/curl", Mode: 0o755, Size: 250, Layer: l2},
		File{Path: "usr/bin/wget", Mode: 0o755, Size: 500, Layer: l1},
		File{Path: "bin/nc", Mode: fs.ModeSymlink | 0o777, Linkname: "nc.openbsd", Layer: l2},
		File{Path: "bin/nc.openbsd", Mode: 0o755, Size: 30, Layer: l2})
	var got *finding.Finding
	for _, f := range Check(in) {
		if f.ID == "BH-IMG-008" {
			got = &f
		}
	}
	if got == nil {
		t.Fatal("BH-IMG-008 did not fire")
	}
	want := map[string]any{
		"count":         4,
		"total_size":    int64(780),
		"size_by_layer": map[string]int64{l1: 500, l2: 280},
		"files": []listed{
			{Path: "bin/nc", Size: 0, Layer: l2, Target: "bin/nc.openbsd"},
			{Path: "bin/nc.openbsd", Size: 30, Layer: l2},
			{Path: "usr/bin/curl", Size: 250, Layer: l2},
			{Path: "usr/bin/wget", Size: 500, Layer: l1},
		},
		"image_size_by_layer": map[string]int64{l1: 5<<20 + 500, l2: 280},
	}
	if diff := cmp.Diff(want, got.Extra); diff != "" {
		t.Errorf("extra (-want +got):\n%s", diff)
	}
}

// TestBounded checks that a huge file list gives bounded evidence and Extra.
func TestBounded(t *testing.T) {
	in := clean()
	for i := 0; i < 10000; i++ {
		in.Files = append(in.Files, File{Path: fmt.Sprintf("srv/f%05d", i), Mode: 0o4777, Size: 1, Layer: l1})
	}
	// 0o4777 without fs.ModeSetuid is only permission bits: world-writable.
	got := Check(in)
	if diff := cmp.Diff([]string{"BH-IMG-004"}, ids(got)); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	if !strings.HasSuffix(got[0].Evidence, "and 9990 more") {
		t.Errorf("evidence not bounded: %q", got[0].Evidence)
	}
	if n := len(got[0].Extra["files"].([]listed)); n != MaxExtra {
		t.Errorf("extra lists %d files, want %d", n, MaxExtra)
	}
}

func TestRuleList(t *testing.T) {
	idRe := regexp.MustCompile(`^BH-IMG-\d{3}$`)
	aliasRe := regexp.MustCompile(`^(?:CIS-DI|DKL-DI|DKL-LI)-\d{4}$`)
	rules := Rules()
	seen := map[string]bool{}
	for i, m := range rules {
		if !idRe.MatchString(m.ID) || seen[m.ID] || seen[m.Name] {
			t.Errorf("rule %d: bad or duplicate id/name %q %q", i, m.ID, m.Name)
		}
		seen[m.ID], seen[m.Name] = true, true
		if i > 0 && rules[i-1].ID >= m.ID {
			t.Errorf("rules out of order at %s", m.ID)
		}
		if m.Title == "" || m.Description == "" || m.Fix == "" || m.Severity == finding.Unknown || strings.Contains(m.Fix, "\n") {
			t.Errorf("%s: incomplete metadata %+v", m.ID, m)
		}
		for _, a := range m.Aliases {
			if !aliasRe.MatchString(a) {
				t.Errorf("%s: alias %q is not a Dockle id", m.ID, a)
			}
		}
		if m.Doc != "docs/rules/image/"+m.ID+".md" {
			t.Errorf("%s: doc %q", m.ID, m.Doc)
		}
	}
}
