package image_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/bulkhead-sec/bulkhead/internal/image"
	"github.com/bulkhead-sec/bulkhead/internal/image/imagetest"
)

// testImage is a three-layer image: gzip, zstd and gzip layers with a
// whiteout and an opaque marker.
func testImage(_ *testing.T) (layers [][]imagetest.Ent, createdBy []string) {
	return [][]imagetest.Ent{
		{imagetest.Dir("etc"), imagetest.File("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n"), imagetest.File("etc/secret", "s3cr3t"),
			imagetest.Dir("opt"), imagetest.File("opt/a", "a")},
		{imagetest.Whiteout("etc/secret"), imagetest.File("bin/tool", "tool")},
		{imagetest.Opaque("opt"), imagetest.File("opt/b", "b"), imagetest.Symlink("bin/sh", "tool")},
	}, []string{"ADD rootfs.tar /", "RUN rm /etc/secret && install tool", "COPY opt /opt"}
}

type written struct {
	refs     map[string]string // source kind -> REF
	registry string
}

func writeAll(t *testing.T) written {
	t.Helper()
	ents, createdBy := testImage(t)
	img := imagetest.Image(t, []v1.Layer{imagetest.Layer(t, ents[0]...), imagetest.ZstdLayer(t, ents[1]...), imagetest.Layer(t, ents[2]...)}, createdBy)
	dir := t.TempDir()
	w := written{refs: map[string]string{}}
	imagetest.WriteDockerArchive(t, img, "example.com/app:1.0", filepath.Join(dir, "app.tar"))
	w.refs["docker-archive"] = "docker-archive:" + filepath.Join(dir, "app.tar")
	imagetest.WriteOCI(t, filepath.Join(dir, "oci"), img)
	w.refs["oci"] = "oci:" + filepath.Join(dir, "oci")
	imagetest.TarDir(t, filepath.Join(dir, "oci"), filepath.Join(dir, "oci.tar"))
	w.refs["oci-archive"] = "oci-archive:" + filepath.Join(dir, "oci.tar")
	w.registry = imagetest.Registry(t, "", "")
	imagetest.Push(t, w.registry+"/app:1.0", img)
	w.refs["registry"] = "registry:" + w.registry + "/app:1.0"
	return w
}

type walked struct {
	Path, Type, Body string
}

func walkAll(t *testing.T, img *image.Image) [][]walked {
	t.Helper()
	out := make([][]walked, len(img.Layers))
	for i := range img.Layers {
		_, err := img.WalkLayer(context.Background(), i, image.Limits{}, func(e *image.Entry, r io.Reader) error {
			b, err := io.ReadAll(r)
			out[i] = append(out[i], walked{e.Path, e.Type.String(), string(b)})
			return err
		})
		if err != nil {
			t.Fatalf("walk layer %d: %v", i, err)
		}
	}
	return out
}

func TestOpenSources(t *testing.T) {
	w := writeAll(t)
	wantWalk := [][]walked{
		{{"etc", "dir", ""}, {"etc/os-release", "regular", "ID=debian\nVERSION_ID=\"12\"\n"}, {"etc/secret", "regular", "s3cr3t"}, {"opt", "dir", ""}, {"opt/a", "regular", "a"}},
		{{"etc/secret", "whiteout", ""}, {"bin/tool", "regular", "tool"}},
		{{"opt", "opaque", ""}, {"opt/b", "regular", "b"}, {"bin/sh", "symlink", ""}},
	}
	var first *image.Image
	for _, kind := range []string{"oci", "oci-archive", "registry", "docker-archive"} {
		t.Run(kind, func(t *testing.T) {
			var opts []image.Option
			if kind == "registry" {
				opts = append(opts, image.WithInsecure())
			}
			img, err := image.Open(context.Background(), w.refs[kind], opts...)
			if err != nil {
				t.Fatal(err)
			}
			defer img.Close()
			if diff := cmp.Diff(wantWalk, walkAll(t, img)); diff != "" {
				t.Errorf("walk (-want +got):\n%s", diff)
			}
			if string(img.Source) != kind {
				t.Errorf("Source = %q, want %q", img.Source, kind)
			}
			if img.OS != "linux" || img.Arch != "amd64" || img.Config().User != "app" || img.Config().Labels["org.example"] != "yes" {
				t.Errorf("platform/config = %s/%s user %q labels %v", img.OS, img.Arch, img.Config().User, img.Config().Labels)
			}
			if !img.Created.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) {
				t.Errorf("Created = %v", img.Created)
			}
			var createdBy []string
			for _, l := range img.Layers {
				createdBy = append(createdBy, l.CreatedBy)
				if !strings.HasPrefix(l.DiffID, "sha256:") {
					t.Errorf("layer diff id %q", l.DiffID)
				}
			}
			_, wantCreatedBy := testImage(t)
			if diff := cmp.Diff(wantCreatedBy, createdBy); diff != "" {
				t.Errorf("created_by (-want +got):\n%s", diff)
			}
			if !strings.HasPrefix(img.ID, "sha256:") {
				t.Errorf("ID = %q", img.ID)
			}
			if kind != "docker-archive" && !strings.HasPrefix(img.Digest, "sha256:") {
				t.Errorf("Digest = %q", img.Digest)
			}
			if kind == "docker-archive" {
				if diff := cmp.Diff([]string{"example.com/app:1.0"}, img.RepoTags); diff != "" {
					t.Errorf("RepoTags (-want +got):\n%s", diff)
				}
			}
			if first == nil {
				first = img
				return
			}
			// Every source agrees on the image id and the layers' diff ids.
			if img.ID != first.ID {
				t.Errorf("ID = %s, %s gave %s", img.ID, first.Source, first.ID)
			}
			for i := range img.Layers {
				if img.Layers[i].DiffID != first.Layers[i].DiffID {
					t.Errorf("layer %d diff id %s, %s gave %s", i, img.Layers[i].DiffID, first.Source, first.Layers[i].DiffID)
				}
			}
		})
	}
}

func TestWalkLayersParallel(t *testing.T) {
	w := writeAll(t)
	img, err := image.Open(context.Background(), w.refs["oci"])
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	got := map[int][]string{}
	var done []int
	err = img.WalkLayers(context.Background(), []int{0, 2}, image.Limits{}, 2, func(i int) image.LayerVisitor {
		return &recorder{i: i, got: got, done: &done}
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Ints(done)
	if diff := cmp.Diff([]int{0, 2}, done); diff != "" {
		t.Errorf("done (-want +got):\n%s", diff)
	}
	if len(got[0]) != 5 || len(got[2]) != 3 || len(got[1]) != 0 {
		t.Errorf("entries per layer: %v", got)
	}
}

type recorder struct {
	i    int
	got  map[int][]string
	done *[]int
	ents []string
}

func (r *recorder) Visit(e *image.Entry, _ io.Reader) error {
	r.ents = append(r.ents, e.Path)
	return nil
}

var recMu = make(chan struct{}, 1)

func (r *recorder) Done(idx []int, st image.Stats, err error) {
	recMu <- struct{}{}
	defer func() { <-recMu }()
	for _, i := range idx {
		r.got[i] = r.ents
		*r.done = append(*r.done, i)
	}
}

func TestOpenPlatform(t *testing.T) {
	ents, createdBy := testImage(t)
	base := imagetest.Image(t, []v1.Layer{imagetest.Layer(t, ents[0]...)}, createdBy)
	amd := base
	arm := imagetest.WithPlatform(t, base, "linux", "arm64", "v8")
	reg := imagetest.Registry(t, "", "")
	imagetest.PushIndex(t, reg+"/multi:1", []v1.Image{amd, arm})
	dir := t.TempDir()
	imagetest.WriteOCI(t, filepath.Join(dir, "oci"), amd, arm)
	for _, ref := range []string{"registry:" + reg + "/multi:1", "oci:" + filepath.Join(dir, "oci")} {
		for _, tc := range []struct {
			platform, wantArch string
			wantErr            error
		}{
			{"linux/arm64", "arm64", nil},
			{"linux/arm64/v8", "arm64", nil},
			{"linux/amd64", "amd64", nil},
			{"linux/s390x", "", image.ErrNotFound},
			{"linux", "", image.ErrBadRef},
		} {
			img, err := image.Open(context.Background(), ref, image.WithPlatform(tc.platform), image.WithInsecure())
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Errorf("Open(%s, %s) err = %v, want %v", ref, tc.platform, err, tc.wantErr)
				}
				continue
			}
			if err != nil {
				t.Errorf("Open(%s, %s): %v", ref, tc.platform, err)
				continue
			}
			if img.Arch != tc.wantArch {
				t.Errorf("Open(%s, %s) arch = %s, want %s", ref, tc.platform, img.Arch, tc.wantArch)
			}
			img.Close()
		}
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	reg := imagetest.Registry(t, "", "")
	authReg := imagetest.Registry(t, "user", "pass")
	ents, createdBy := testImage(t)
	img := imagetest.Image(t, []v1.Layer{imagetest.Layer(t, ents[0]...)}, createdBy)
	imagetest.Push(t, authReg+"/private:1", img, remote.WithAuth(&authn.Basic{Username: "user", Password: "pass"}))
	garbage := filepath.Join(dir, "garbage.tar")
	os.WriteFile(garbage, []byte("not a tar at all, not even close"), 0o644)
	emptyDir := filepath.Join(dir, "empty")
	os.Mkdir(emptyDir, 0o755)

	cfgDir := filepath.Join(dir, "docker")
	os.Mkdir(cfgDir, 0o700)
	os.WriteFile(filepath.Join(cfgDir, "config.json"), []byte(`{"auths":{"`+authReg+`":{"auth":"dXNlcjpwYXNz"}}}`), 0o600)
	wrongDir := filepath.Join(dir, "wrong")
	os.Mkdir(wrongDir, 0o700)
	os.WriteFile(filepath.Join(wrongDir, "config.json"), []byte(`{"auths":{"`+authReg+`":{"auth":"dXNlcjpub3Bl"}}}`), 0o600)
	noneDir := filepath.Join(dir, "none")
	os.Mkdir(noneDir, 0o700)

	for _, tc := range []struct {
		ref      string
		opts     []image.Option
		want     error
		wantHint string
	}{
		{"", nil, image.ErrBadRef, "docker:NAME"},
		{"http://x/y", nil, image.ErrBadRef, ""},
		{"docker-archive:", nil, image.ErrBadRef, ""},
		{"docker-archive:" + filepath.Join(dir, "missing.tar"), nil, image.ErrNotFound, ""},
		{"oci:" + filepath.Join(dir, "missing"), nil, image.ErrNotFound, ""},
		{"oci:" + emptyDir, nil, image.ErrNotFound, ""},
		{"oci-archive:" + garbage, nil, nil, ""},
		{"dir:" + filepath.Join(dir, "missing"), nil, image.ErrNotFound, ""},
		{"dir:" + garbage, nil, image.ErrBadRef, ""},
		{"registry:" + reg + "/nothing:1", []image.Option{image.WithInsecure()}, image.ErrNotFound, ""},
		{"registry:" + authReg + "/private:1", []image.Option{image.WithInsecure(), image.WithDockerConfigDir(noneDir)}, image.ErrUnauthorized, "docker login"},
		{"registry:" + authReg + "/private:1", []image.Option{image.WithInsecure(), image.WithDockerConfigDir(wrongDir)}, image.ErrUnauthorized, "docker login"},
		{"registry:" + reg + "/x:1", []image.Option{image.WithPlatform("nonsense")}, image.ErrBadRef, ""},
	} {
		img, err := image.Open(context.Background(), tc.ref, tc.opts...)
		if err == nil {
			img.Close()
			t.Errorf("Open(%q) succeeded", tc.ref)
			continue
		}
		if tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("Open(%q) = %v, want %v", tc.ref, err, tc.want)
		}
		t.Logf("%s", err)
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("Open(%q) error has several lines: %q", tc.ref, err)
		}
		if tc.wantHint != "" && !strings.Contains(err.Error(), tc.wantHint) {
			t.Errorf("Open(%q) = %q, want a hint with %q", tc.ref, err, tc.wantHint)
		}
	}
	// With the credentials it works.
	got, err := image.Open(context.Background(), "registry:"+authReg+"/private:1", image.WithInsecure(), image.WithDockerConfigDir(cfgDir))
	if err != nil {
		t.Fatalf("Open with credentials: %v", err)
	}
	if _, err := got.WalkLayer(context.Background(), 0, image.Limits{}, func(*image.Entry, io.Reader) error { return nil }); err != nil {
		t.Errorf("walk with credentials: %v", err)
	}
}

func TestDockerArchivePickTag(t *testing.T) {
	ents, createdBy := testImage(t)
	img := imagetest.Image(t, []v1.Layer{imagetest.Layer(t, ents[0]...)}, createdBy)
	file := filepath.Join(t.TempDir(), "a.tar")
	imagetest.WriteDockerArchive(t, img, "x/y:2", file)
	if _, err := image.Open(context.Background(), "docker-archive:"+file+":x/y:3"); !errors.Is(err, image.ErrNotFound) {
		t.Errorf("wrong tag: err = %v, want ErrNotFound", err)
	}
	got, err := image.Open(context.Background(), "docker-archive:"+file+":x/y:2")
	if err != nil {
		t.Fatal(err)
	}
	got.Close()
}

// TestWalkLayersLargestFirst checks that with one worker the layers start
// in order of stored size, largest first:
// every layer is read whole and hashed, so a large layer left for last
// would finish alone while the other workers idle.
func TestWalkLayersLargestFirst(t *testing.T) {
	big := strings.Repeat("x", 64<<10)
	layers := []v1.Layer{
		imagetest.Layer(t, imagetest.File("small", "a")),
		imagetest.Layer(t, imagetest.File("big", big)),
		imagetest.Layer(t, imagetest.File("medium", big[:16<<10])),
	}
	file := filepath.Join(t.TempDir(), "img.tar")
	imagetest.WriteDockerArchive(t, imagetest.Image(t, layers, nil), "largest:1", file)
	img, err := image.Open(context.Background(), "docker-archive:"+file)
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	var started []int
	err = img.WalkLayers(context.Background(), []int{0, 1, 2}, image.Limits{}, 1, func(i int) image.LayerVisitor {
		started = append(started, i)
		return &recorder{i: i, got: map[int][]string{}, done: new([]int)}
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{1, 2, 0}, started); diff != "" {
		t.Errorf("start order (-want +got):\n%s", diff)
	}
}
