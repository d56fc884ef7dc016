package scan

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/bulkhead-sec/bulkhead/internal/image"
	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/os/dpkg"
	"github.com/bulkhead-sec/bulkhead/internal/testenv"
)

// DebianRootfsTar returns a tarball of a real Debian bookworm root
// (mmdebstrap --variant=minbase), built once a day by
// scripts/testimages/debian-rootfs.sh and cached in os.TempDir(). It skips
// the test when mmdebstrap or root is missing.
func DebianRootfsTar(t testing.TB) string {
	t.Helper()
	testenv.RequireRoot(t)
	testenv.RequireCommand(t, "mmdebstrap")
	script := filepath.Join(testenv.RepoRoot(t), "scripts", "testimages", "debian-rootfs.sh")
	out := filepath.Join(os.TempDir(), "bulkhead-test-bookworm-"+time.Now().UTC().Format("20060102")+".tar")
	cmd := exec.Command(script, out)
	cmd.Stderr = os.Stderr
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v", script, err)
	}
	return strings.TrimSpace(string(b))
}

func TestDebianIntegration(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Debian root and docker images")
	}
	testenv.RequireDocker(t)
	tarPath := DebianRootfsTar(t)
	ctx := context.Background()
	work := t.TempDir()

	root := filepath.Join(work, "rootfs")
	os.Mkdir(root, 0o755)
	if out, err := exec.Command("tar", "-xf", tarPath, "-C", root, "--exclude=./dev/*").CombinedOutput(); err != nil {
		t.Fatalf("extract rootfs: %v\n%s", err, out)
	}
	out, err := exec.Command("dpkg-query", "--admindir="+filepath.Join(root, "var/lib/dpkg"), "-W", "-f", "${Package} ${Version}\n").Output()
	if err != nil {
		t.Fatalf("dpkg-query: %v", err)
	}
	want := strings.Split(strings.TrimSpace(string(out)), "\n")
	sort.Strings(want)
	if len(want) < 50 {
		t.Fatalf("dpkg-query lists only %d packages", len(want))
	}

	name := fmt.Sprintf("bulkhead-test/debian:bookworm-%d", os.Getpid())
	if out, err := exec.Command("docker", "import", tarPath, name).CombinedOutput(); err != nil {
		t.Fatalf("docker import: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", name).Run() })
	archive := filepath.Join(work, "debian.tar")
	if out, err := exec.Command("docker", "save", "-o", archive, name).CombinedOutput(); err != nil {
		t.Fatalf("docker save: %v\n%s", err, out)
	}
	// The OCI layout is converted from the archive by go-containerregistry.
	saved, err := tarball.ImageFromPath(archive, nil)
	if err != nil {
		t.Fatal(err)
	}
	lp, err := layout.Write(filepath.Join(work, "oci"), empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := lp.AppendImage(saved); err != nil {
		t.Fatal(err)
	}

	for _, ref := range []string{"docker:" + name, "docker-archive:" + archive, "oci:" + filepath.Join(work, "oci"), "dir:" + root} {
		t.Run(strings.SplitN(ref, ":", 2)[0], func(t *testing.T) {
			img, err := image.Open(ctx, ref)
			if err != nil {
				t.Fatal(err)
			}
			defer img.Close()
			r, err := Image(ctx, img, Options{Extractors: []inventory.Extractor{dpkg.New()}, CacheDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range r.Packages {
				if p.Type == "deb" {
					got = append(got, p.Name+" "+p.Version)
				}
			}
			sort.Strings(got)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("packages (-dpkg-query +bulkhead):\n%s", diff)
			}
			if r.Target.OS == nil || r.Target.OS.ID != "debian" || r.Target.OS.VersionID != "12" {
				t.Errorf("OS = %+v, want debian 12", r.Target.OS)
			}
			for _, p := range r.Packages {
				if !strings.HasPrefix(p.PURL, "pkg:deb/debian/") || !strings.Contains(p.PURL, "distro=debian-12") {
					t.Errorf("purl %q lacks the debian-12 distro qualifier", p.PURL)
					break
				}
				if img.Source != image.SourceDir && p.Layer != img.Layers[0].ID() {
					t.Errorf("package %s layer %q, want %q", p.Name, p.Layer, img.Layers[0].ID())
					break
				}
			}
		})
	}
}
