package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/bulkhead-sec/bulkhead/internal/image/imagetest"
)

// unwritableDir returns a cache dir no scan can create anything in, even as
// root: a path below a regular file. As another user, a 0555 directory too.
func unwritableDirs(t *testing.T) []string {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := []string{filepath.Join(file, "cache")}
	if os.Geteuid() != 0 {
		ro := filepath.Join(dir, "ro")
		os.Mkdir(ro, 0o555)
		out = append(out, ro)
	}
	return out
}

func TestReadOnlyCacheDir(t *testing.T) {
	img := imagetest.Image(t, []v1.Layer{imagetest.Layer(t,
		imagetest.File("etc/os-release", "ID=alpine\nVERSION_ID=3.18.4\n"),
		imagetest.File("lib/apk/db/installed", "P:musl\nV:1.2.4-r2\nA:x86_64\n\n"))}, nil)
	archive := filepath.Join(t.TempDir(), "image.tar")
	imagetest.WriteDockerArchive(t, img, "ro:1", archive)
	ref := "docker-archive:" + archive

	for _, cache := range unwritableDirs(t) {
		for _, extra := range [][]string{{"--no-cache"}, nil} {
			args := append([]string{"sbom", ref, "--format", "json", "--cache-dir", cache}, extra...)
			r := mustJSON(t, args...)
			if len(r.Packages) != 1 || r.Packages[0].Name != "musl" {
				t.Errorf("bulkhead %s: packages %+v, want musl", strings.Join(args, " "), r.Packages)
			}
		}
	}

	// A read-only cache that holds entries is still read.
	cache := filepath.Join(t.TempDir(), "cache")
	mustJSON(t, "sbom", ref, "--format", "json", "--cache-dir", cache)
	if os.Geteuid() != 0 {
		filepath.Walk(cache, func(p string, fi os.FileInfo, err error) error {
			if err == nil && fi.IsDir() {
				os.Chmod(p, 0o555)
			}
			return nil
		})
		t.Cleanup(func() {
			filepath.Walk(cache, func(p string, fi os.FileInfo, err error) error {
				if err == nil && fi.IsDir() {
					os.Chmod(p, 0o755)
				}
				return nil
			})
		})
	}
	r := mustJSON(t, "sbom", ref, "--format", "json", "--cache-dir", cache)
	if len(r.Packages) != 1 {
		t.Errorf("warm scan of a read-only cache: packages %+v", r.Packages)
	}
}
