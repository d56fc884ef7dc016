// Package imagetest builds container images for tests: layers from a list
// of tar entries, images from layers (with history lines), and writes them
// as a docker save archive, an OCI layout, an OCI archive, or pushes them to
// an in-memory registry. It uses go-containerregistry throughout.
package imagetest

import (
	"archive/tar"
	"bytes"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/compression"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// Ent is one tar entry. Typ defaults to a regular file; Mode to 0644.
type Ent struct {
	Name string
	Typ  byte
	Body string
	Link string
	Mode int64
}

// File, Dir, Symlink, Whiteout and Opaque are shorthands for entries.
func File(name, body string) Ent { return Ent{Name: name, Body: body} }

// Dir is a directory entry.
func Dir(name string) Ent { return Ent{Name: name, Typ: tar.TypeDir, Mode: 0o755} }

// Symlink is a symbolic link entry.
func Symlink(name, target string) Ent { return Ent{Name: name, Typ: tar.TypeSymlink, Link: target} }

// Whiteout deletes path from lower layers.
func Whiteout(path string) Ent {
	dir, base := filepath.Split(path)
	return File(dir+".wh."+base, "")
}

// Opaque hides what lower layers had in dir.
func Opaque(dir string) Ent { return File(strings.TrimSuffix(dir, "/")+"/.wh..wh..opq", "") }

// Tar writes the entries as an uncompressed tar.
func Tar(t testing.TB, ents ...Ent) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range ents {
		typ := e.Typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		mode := e.Mode
		if mode == 0 {
			mode = 0o644
		}
		h := &tar.Header{Name: e.Name, Typeflag: typ, Linkname: e.Link, Mode: mode, ModTime: time.Unix(1700000000, 0)}
		if typ == tar.TypeReg {
			h.Size = int64(len(e.Body))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatalf("tar header %q: %v", e.Name, err)
		}
		if typ == tar.TypeReg {
			io.WriteString(tw, e.Body)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Layer makes a gzip layer of the entries.
func Layer(t testing.TB, ents ...Ent) v1.Layer {
	t.Helper()
	return layer(t, compression.GZip, ents...)
}

// ZstdLayer makes a zstd layer of the entries.
func ZstdLayer(t testing.TB, ents ...Ent) v1.Layer {
	t.Helper()
	return layer(t, compression.ZStd, ents...)
}

func layer(t testing.TB, c compression.Compression, ents ...Ent) v1.Layer {
	t.Helper()
	b := Tar(t, ents...)
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil },
		tarball.WithCompression(c))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// Image stacks layers into an image; createdBy[i] is the history line of
// layer i. An empty-layer history line ("ENV A=b") is added between every
// two layers to exercise the history mapping.
func Image(t testing.TB, layers []v1.Layer, createdBy []string) v1.Image {
	t.Helper()
	img := empty.Image
	var err error
	for i, l := range layers {
		if i > 0 {
			img, err = mutate.Append(img, mutate.Addendum{History: v1.History{CreatedBy: "ENV STEP=" + string(rune('0'+i)), EmptyLayer: true}})
			if err != nil {
				t.Fatal(err)
			}
		}
		h := v1.History{CreatedBy: "layer " + string(rune('0'+i))}
		if i < len(createdBy) {
			h.CreatedBy = createdBy[i]
		}
		img, err = mutate.Append(img, mutate.Addendum{Layer: l, History: h})
		if err != nil {
			t.Fatal(err)
		}
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	cf.Created = v1.Time{Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	cf.Config.Env = []string{"PATH=/usr/bin"}
	cf.Config.User = "app"
	cf.Config.Labels = map[string]string{"org.example": "yes"}
	cf.Config.ExposedPorts = map[string]struct{}{"8080/tcp": {}}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// WriteDockerArchive writes img as a docker save tarball tagged tag.
func WriteDockerArchive(t testing.TB, img v1.Image, tag, file string) {
	t.Helper()
	ref, err := name.NewTag(tag)
	if err != nil {
		t.Fatal(err)
	}
	if err := tarball.WriteToFile(file, ref, img); err != nil {
		t.Fatal(err)
	}
}

// WriteOCI writes img (with platform annotations) as an OCI layout in dir.
func WriteOCI(t testing.TB, dir string, imgs ...v1.Image) {
	t.Helper()
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	for _, img := range imgs {
		cf, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		if err := p.AppendImage(img, layout.WithPlatform(v1.Platform{OS: cf.OS, Architecture: cf.Architecture, Variant: cf.Variant})); err != nil {
			t.Fatal(err)
		}
	}
}

// TarDir writes the files under dir as a tar file (an OCI archive when dir
// is a layout).
func TarDir(t testing.TB, dir, file string) {
	t.Helper()
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	err = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "." {
			return nil
		}
		h, err := tar.FileInfoHeader(fi, "")
		if err != nil {
			return err
		}
		h.Name = filepath.ToSlash(rel)
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if fi.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			_, err = tw.Write(b)
			return err
		}
		return nil
	})
	if err == nil {
		err = tw.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
}

// Registry starts an in-memory registry and returns its host:port. With
// user set, every request needs that user and password (basic auth).
func Registry(t testing.TB, user, pass string) string {
	t.Helper()
	var h http.Handler = registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	if user != "" {
		inner := h
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			u, p, ok := r.BasicAuth()
			if !ok || u != user || p != pass {
				w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnauthorized)
				io.WriteString(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`)
				return
			}
			inner.ServeHTTP(w, r)
		})
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// Push writes img to ref (a name on a plain-http registry) with opts.
func Push(t testing.TB, ref string, img v1.Image, opts ...remote.Option) {
	t.Helper()
	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, img, opts...); err != nil {
		t.Fatal(err)
	}
}

// PushIndex writes an index of imgs to ref.
func PushIndex(t testing.TB, ref string, imgs []v1.Image, opts ...remote.Option) {
	t.Helper()
	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	var adds []mutate.IndexAddendum
	for _, img := range imgs {
		cf, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		adds = append(adds, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: cf.OS, Architecture: cf.Architecture, Variant: cf.Variant}}})
	}
	idx := mutate.AppendManifests(empty.Index, adds...)
	if err := remote.WriteIndex(r, idx, opts...); err != nil {
		t.Fatal(err)
	}
}

// WithPlatform returns img with its config's platform changed.
func WithPlatform(t testing.TB, img v1.Image, os, arch, variant string) v1.Image {
	t.Helper()
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Variant = os, arch, variant
	out, err := mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
