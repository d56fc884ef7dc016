package imagecheck

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/image"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/list"
	"github.com/bulkhead-sec/bulkhead/internal/scan"
	"github.com/bulkhead-sec/bulkhead/internal/testenv"
	"github.com/google/go-cmp/cmp"
)

// rootfsTar crafts an Alpine 3.18 root by hand: os-release, an apk
// database, a fake /bin/sh, apk and curl, a setuid passwd, a world-writable
// directory, a sticky /tmp and an apk cache.
func rootfsTar(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	mod := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	dir := func(name string, mode int64) {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: mode, ModTime: mod}); err != nil {
			t.Fatal(err)
		}
	}
	file := func(name string, mode int64, body string) {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: int64(len(body)), ModTime: mod}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"bin", "sbin", "etc", "lib", "lib/apk", "lib/apk/db", "usr", "usr/bin", "var", "var/cache", "var/cache/apk"} {
		dir(d, 0o755)
	}
	dir("tmp", 0o1777)
	dir("srv", 0o755)
	dir("srv/upload", 0o777)
	file("etc/os-release", 0o644, "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.18.4\nPRETTY_NAME=\"Alpine Linux v3.18\"\n")
	file("lib/apk/db/installed", 0o644, "C:Q1aaaa=\nP:musl\nV:1.2.4-r2\nA:x86_64\nS:383152\nI:622592\nT:the musl c library\nL:MIT\no:musl\n\nC:Q1bbbb=\nP:busybox\nV:1.36.1-r5\nA:x86_64\nS:500000\nI:900000\nT:Size optimized toolbox\nL:GPL-2.0-only\no:busybox\n\n")
	file("bin/sh", 0o755, "#!fake shell\n"+strings.Repeat("x", 100))
	file("sbin/apk", 0o755, "fake apk\n"+strings.Repeat("y", 200))
	file("usr/bin/curl", 0o755, "fake curl\n")
	file("usr/bin/passwd", 0o4755, "fake passwd\n")
	file("var/cache/apk/APKINDEX.77a4ce0a.tar.gz", 0o644, strings.Repeat("z", 4096))
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestDockerImage builds an image with `docker import`, opens it from the
// daemon, scans its final filesystem and checks it.
func TestDockerImage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a docker image")
	}
	testenv.RequireDocker(t)
	ctx := context.Background()
	name := fmt.Sprintf("bulkhead-test/imagecheck-%d:latest", os.Getpid())
	cmd := exec.Command("docker", "import", "--change", "EXPOSE 22", "--change", "ENV DB_PASSWORD=supersecretvalue", "-", name)
	cmd.Stdin = bytes.NewReader(rootfsTar(t))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("docker import: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", name).Run() })

	ref := "docker:" + name
	img, err := image.Open(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	res, err := scan.ScanImage(ctx, img, scan.Options{Extractors: list.Installed(), CollectFiles: true, NoCache: true, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	in := FromScan(ref, img, res, testNow)
	if in.OS == nil || in.OS.ID != "alpine" || len(in.Packages) != 2 {
		t.Fatalf("scan: os %+v, %d packages", in.OS, len(in.Packages))
	}
	got := Check(in)

	layer := img.Layers[0].ID()
	type row struct{ ID, Path, Layer, Object, Evidence string }
	var rows []row
	for _, f := range got {
		if f.Location.Path != "" && f.Location.Layer != layer {
			t.Errorf("%s: layer %q, want %q", f.ID, f.Location.Layer, layer)
		}
		rows = append(rows, row{f.ID, f.Location.Path, "", f.Location.Object, f.Evidence})
		if strings.Contains(f.Evidence+f.Description, "supersecretvalue") {
			t.Errorf("%s: secret shown in full", f.ID)
		}
	}
	want := []row{
		{ID: "BH-IMG-001", Object: "config User", Evidence: "User is not set"},
		{ID: "BH-IMG-002", Object: "config Healthcheck"},
		{ID: "BH-IMG-003", Path: "usr/bin/passwd", Evidence: "/usr/bin/passwd (12 B)"},
		{ID: "BH-IMG-004", Path: "srv/upload", Evidence: "/srv/upload"},
		{ID: "BH-IMG-005", Path: "bin/sh", Evidence: "/bin/sh (113 B)"},
		{ID: "BH-IMG-006", Path: "sbin/apk", Evidence: "/sbin/apk (209 B)"},
		{ID: "BH-IMG-008", Path: "usr/bin/curl", Evidence: "/usr/bin/curl (10 B)"},
		{ID: "BH-IMG-009", Object: "os alpine 3.18.4", Evidence: "alpine 3.18.4: end of life 2025-05-09 (source: https://alpinelinux.org/releases/)"},
		{ID: "BH-IMG-010", Object: "reference bulkhead-test/imagecheck-" + fmt.Sprint(os.Getpid()), Evidence: name},
		{ID: "BH-IMG-013", Object: "config ExposedPorts", Evidence: "ExposedPorts: 22/tcp"},
		{ID: "BH-IMG-014", Object: "config Env", Evidence: "DB_PASSWORD=supe****"},
		{ID: "BH-IMG-015", Path: "var/cache/apk", Evidence: "/var/cache/apk: 1 files, 4.0 KiB (apk cache)"},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	for _, f := range got {
		if f.ID == "BH-IMG-009" && f.Severity != finding.High {
			t.Errorf("EOL severity %s", f.Severity)
		}
	}
}
