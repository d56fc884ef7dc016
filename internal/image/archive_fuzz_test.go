package image_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/bulkhead-sec/bulkhead/internal/image"
	"github.com/bulkhead-sec/bulkhead/internal/image/imagetest"
)

// FuzzOpenArchive opens arbitrary bytes as a docker save archive and as an
// OCI archive, and walks every layer: errors are fine, panics and hangs
// are not.
func FuzzOpenArchive(f *testing.F) {
	dir := f.TempDir()
	ents, createdBy := testImage(nil)
	img := imagetest.Image(f, []v1.Layer{imagetest.Layer(f, ents[0]...), imagetest.ZstdLayer(f, ents[1]...)}, createdBy)
	imagetest.WriteDockerArchive(f, img, "a/b:1", filepath.Join(dir, "d.tar"))
	imagetest.WriteOCI(f, filepath.Join(dir, "oci"), img)
	imagetest.TarDir(f, filepath.Join(dir, "oci"), filepath.Join(dir, "o.tar"))
	for _, name := range []string{"d.tar", "o.tar"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(imagetest.Tar(f, imagetest.File("manifest.json", `[{"Config":"c.json","Layers":["l.tar","../../etc/passwd"]}]`), imagetest.File("c.json", `{"rootfs":{"diff_ids":["sha256:00","sha256:11"]}}`)))
	f.Add(imagetest.Tar(f, imagetest.File("index.json", `{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000","size":1}]}`)))
	f.Fuzz(func(t *testing.T, b []byte) {
		file := filepath.Join(t.TempDir(), "a.tar")
		if err := os.WriteFile(file, b, 0o600); err != nil {
			t.Fatal(err)
		}
		for _, ref := range []string{"docker-archive:" + file, "oci-archive:" + file} {
			img, err := image.Open(context.Background(), ref)
			if err != nil {
				continue
			}
			for i := range img.Layers {
				img.WalkLayer(context.Background(), i, image.Limits{MaxLayerBytes: 4 << 20, MaxEntries: 1000}, func(_ *image.Entry, r io.Reader) error {
					_, err := io.Copy(io.Discard, r)
					return err
				})
			}
			img.Close()
		}
	})
}
