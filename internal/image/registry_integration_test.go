package image_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/bulkhead-sec/bulkhead/internal/image"
	"github.com/bulkhead-sec/bulkhead/internal/image/imagetest"
	"github.com/bulkhead-sec/bulkhead/internal/testenv"
)

// startRegistry runs Debian's docker-registry on a free loopback port with
// htpasswd auth, and stops it when the test ends.
func startRegistry(t *testing.T, user, pass string) string {
	t.Helper()
	bin := testenv.RequireCommand(t, "docker-registry")
	htpasswd := testenv.RequireCommand(t, "htpasswd")
	dir := t.TempDir()
	out, err := exec.Command(htpasswd, "-Bbn", user, pass).Output()
	if err != nil {
		t.Fatalf("htpasswd: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "htpasswd"), out, 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cfg := fmt.Sprintf(`version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: %s
http:
  addr: %s
auth:
  htpasswd:
    realm: bulkhead-test
    path: %s
`, filepath.Join(dir, "data"), addr, filepath.Join(dir, "htpasswd"))
	if err := os.WriteFile(filepath.Join(dir, "config.yml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", filepath.Join(dir, "config.yml"))
	logf, _ := os.Create(filepath.Join(dir, "registry.log"))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start docker-registry: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		logf.Close()
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusUnauthorized {
				return addr
			}
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(filepath.Join(dir, "registry.log"))
			t.Fatalf("docker-registry did not come up on %s: %v\n%s", addr, err, b)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestRegistryIntegration(t *testing.T) {
	addr := startRegistry(t, "user", "pass")
	ents, createdBy := testImage(t)
	img := imagetest.Image(t, []v1.Layer{imagetest.Layer(t, ents[0]...), imagetest.ZstdLayer(t, ents[1]...)}, createdBy)
	ref := addr + "/bulkhead/test:1"
	imagetest.Push(t, ref, img, remote.WithAuth(&authn.Basic{Username: "user", Password: "pass"}))

	withAuth := t.TempDir()
	auth := base64.StdEncoding.EncodeToString([]byte("user:pass"))
	os.WriteFile(filepath.Join(withAuth, "config.json"), []byte(`{"auths":{"`+addr+`":{"auth":"`+auth+`"}}}`), 0o600)
	ctx := context.Background()
	got, err := image.Open(ctx, "registry:"+ref, image.WithInsecure(), image.WithDockerConfigDir(withAuth))
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	wantDigest, _ := img.Digest()
	if got.Digest != wantDigest.String() || len(got.Layers) != 2 {
		t.Errorf("digest %s, %d layers; want %s, 2", got.Digest, len(got.Layers), wantDigest)
	}
	var paths []string
	for i := range got.Layers {
		if _, err := got.WalkLayer(ctx, i, image.Limits{}, func(e *image.Entry, _ io.Reader) error {
			paths = append(paths, e.Path)
			return nil
		}); err != nil {
			t.Fatalf("walk layer %d: %v", i, err)
		}
	}
	if strings.Join(paths, " ") != "etc etc/os-release etc/secret opt opt/a etc/secret bin/tool" {
		t.Errorf("paths = %v", paths)
	}

	_, err = image.Open(ctx, "registry:"+ref, image.WithInsecure(), image.WithDockerConfigDir(t.TempDir()))
	if !errors.Is(err, image.ErrUnauthorized) || !strings.Contains(err.Error(), "docker login") {
		t.Errorf("without credentials: %v, want ErrUnauthorized with a hint", err)
	}
}
