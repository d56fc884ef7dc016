package langroot

import (
	"archive/tar"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/testenv"
)

// Image builds the fixture root, imports it into the local Docker daemon
// as a one-layer image (like `tar c -C root . | docker import - NAME`),
// and returns the image name and the expected packages. The image is
// removed when the test ends. It skips (or fails under
// BULKHEAD_REQUIRE_DOCKER=1) when no daemon answers.
func Image(t testing.TB) (string, []Expected) {
	t.Helper()
	testenv.RequireDocker(t)
	dir := t.TempDir()
	want := Build(t, dir)
	var id [6]byte
	rand.Read(id[:])
	name := "bulkhead-langroot-test:" + hex.EncodeToString(id[:])

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "docker", "import", "-", name)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out []byte
	done := make(chan error, 1)
	go func() {
		var err error
		out, err = cmd.CombinedOutput()
		done <- err
	}()
	werr := Tar(dir, stdin)
	stdin.Close()
	if err := <-done; err != nil || werr != nil {
		t.Fatalf("docker import %s: %v %v\n%s", name, werr, err, out)
	}
	t.Cleanup(func() {
		exec.Command("docker", "rmi", "-f", name).Run()
	})
	return name, want
}

// Tar writes the folder dir as a tar stream with paths relative to it,
// keeping file modes (so that the executables stay executable).
func Tar(dir string, w io.Writer) error {
	tw := tar.NewWriter(w)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil || rel == "." {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		h, err := tar.FileInfoHeader(info, "")
		if err != nil {
			return err
		}
		h.Name = filepath.ToSlash(rel)
		if d.IsDir() {
			h.Name += "/"
		}
		h.Uid, h.Gid, h.Uname, h.Gname = 0, 0, "root", "root"
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if !info.Mode().IsRegular() {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(tw, f)
		return err
	})
	if err != nil {
		return err
	}
	return tw.Close()
}
