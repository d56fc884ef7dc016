package image_test

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-sec/bulkhead/internal/image"
	"github.com/bulkhead-sec/bulkhead/internal/testenv"
)

// buildDaemonImage builds a FROM scratch image with repeated and distinct
// layers in the local daemon and returns its name.
func buildDaemonImage(t *testing.T) string {
	t.Helper()
	testenv.RequireDocker(t)
	dir := t.TempDir()
	for name, body := range map[string]string{"a": "alpha\n", "b": "bravo\n", "os-release": "ID=alpine\nVERSION_ID=3.19.0\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	df := "FROM scratch\nCOPY a /a\nLABEL stage=one\nCOPY b /b\nCOPY a /a\nCOPY os-release /etc/os-release\n"
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(df), 0o644); err != nil {
		t.Fatal(err)
	}
	const name = "bulkhead-test/image-daemon:1"
	cmd := exec.Command("docker", "build", "-q", "-t", name, dir)
	cmd.Env = append(os.Environ(), "DOCKER_BUILDKIT=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("docker build: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", name).Run() })
	return name
}

func TestDaemonSource(t *testing.T) {
	name := buildDaemonImage(t)
	ctx := context.Background()
	img, err := image.Open(ctx, "docker:"+name)
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	if img.Source != image.SourceDaemon || len(img.Layers) != 4 || img.Config().Labels["stage"] != "one" {
		t.Fatalf("source %s, %d layers, labels %v", img.Source, len(img.Layers), img.Config().Labels)
	}
	wantCreatedBy := []string{"in /a ", "in /b ", "in /a ", "in /etc/os-release "}
	for i, l := range img.Layers {
		if l.CreatedBy == "" || !strings.Contains(l.CreatedBy, wantCreatedBy[i]) {
			t.Errorf("layer %d created_by %q, want it to name %q", i, l.CreatedBy, wantCreatedBy[i])
		}
	}

	// One pass over the save stream walks every layer.
	got := map[int][]string{}
	var mu sync.Mutex
	err = img.WalkLayers(ctx, []int{0, 1, 2, 3}, image.Limits{}, 0, func(int) image.LayerVisitor {
		return &visitorFunc{done: func(idx []int, ents []string, err error) {
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Errorf("layer %v: %v", idx, err)
			}
			for _, i := range idx {
				got[i] = ents
			}
		}}
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[int][]string{0: {"a=alpha\n"}, 1: {"b=bravo\n"}, 2: {"a=alpha\n"}, 3: {"etc=", "etc/os-release=ID=alpine\nVERSION_ID=3.19.0\n"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("WalkLayers (-want +got):\n%s", diff)
	}

	// WalkLayer picks one layer; the docker save archive agrees.
	archive := filepath.Join(t.TempDir(), "save.tar")
	if out, err := exec.Command("docker", "save", "-o", archive, name).CombinedOutput(); err != nil {
		t.Fatalf("docker save: %v\n%s", err, out)
	}
	saved, err := image.Open(ctx, "docker-archive:"+archive)
	if err != nil {
		t.Fatal(err)
	}
	defer saved.Close()
	if saved.ID != img.ID {
		t.Errorf("archive id %s, daemon id %s", saved.ID, img.ID)
	}
	for _, i := range []int{3, 1} {
		var ents, sents []string
		if _, err := img.WalkLayer(ctx, i, image.Limits{}, func(e *image.Entry, r io.Reader) error {
			ents = append(ents, e.Path)
			return nil
		}); err != nil {
			t.Fatalf("WalkLayer(%d): %v", i, err)
		}
		if _, err := saved.WalkLayer(ctx, i, image.Limits{}, func(e *image.Entry, r io.Reader) error {
			sents = append(sents, e.Path)
			return nil
		}); err != nil {
			t.Fatalf("archive WalkLayer(%d): %v", i, err)
		}
		sort.Strings(ents)
		sort.Strings(sents)
		if diff := cmp.Diff(sents, ents); diff != "" {
			t.Errorf("layer %d daemon vs archive (-archive +daemon):\n%s", i, diff)
		}
	}

	// A bare name is looked up in the daemon first.
	bare, err := image.Open(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	bare.Close()
	if bare.Source != image.SourceDaemon {
		t.Errorf("bare name source %s, want docker", bare.Source)
	}
	_, err = image.Open(ctx, "docker:bulkhead-test/absent:0")
	if !errors.Is(err, image.ErrNotFound) {
		t.Errorf("absent image: %v, want ErrNotFound", err)
	}
	// The daemon's text says "no such image" twice; the error says it once.
	if msg := strings.ToLower(err.Error()); strings.Count(msg, "no such image")+strings.Count(msg, "not found") != 1 {
		t.Errorf("absent image error repeats itself: %q", err)
	}
}

// TestDaemonProgress: reading a daemon's save stream reports bytes and
// layers to the progress writer, ending with every layer read.
func TestDaemonProgress(t *testing.T) {
	name := buildDaemonImage(t)
	defer image.SetProgressEvery(0)()
	var out strings.Builder
	ctx := context.Background()
	img, err := image.Open(ctx, "docker:"+name, image.WithProgress(&out))
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	err = img.WalkLayers(ctx, []int{0, 1, 2, 3}, image.Limits{}, 0, func(int) image.LayerVisitor {
		return &visitorFunc{done: func([]int, []string, error) {}}
	})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, "reading docker:"+name+" from the Docker daemon: ") || !strings.HasSuffix(last, ", 4 of 4 layers read") {
		t.Errorf("progress lines %q", lines)
	}
}

// TestDaemonNameMap checks that a second run, with the map of save-stream
// names learnt by the first, walks only the layers it asks for.
func TestDaemonNameMap(t *testing.T) {
	name := buildDaemonImage(t)
	ctx := context.Background()
	cache := t.TempDir()
	walkSome := func(want []int) (visitors int, got map[int][]string) {
		img, err := image.Open(ctx, "docker:"+name, image.WithCacheDir(cache))
		if err != nil {
			t.Fatal(err)
		}
		defer img.Close()
		got = map[int][]string{}
		var mu sync.Mutex
		err = img.WalkLayers(ctx, want, image.Limits{}, 0, func(int) image.LayerVisitor {
			mu.Lock()
			visitors++
			mu.Unlock()
			return &visitorFunc{done: func(idx []int, ents []string, err error) {
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					t.Errorf("layer %v: %v", idx, err)
				}
				for _, i := range idx {
					got[i] = ents
				}
			}}
		})
		if err != nil {
			t.Fatal(err)
		}
		return visitors, got
	}
	if n, _ := walkSome([]int{3}); n != 3 {
		t.Errorf("first run walked %d layer streams, want the 3 distinct layers (names unknown)", n)
	}
	files, _ := filepath.Glob(filepath.Join(cache, "daemon", "*.json"))
	if len(files) != 1 {
		t.Fatalf("name map files: %v", files)
	}
	n, got := walkSome([]int{3})
	if n != 1 {
		t.Errorf("second run walked %d layer streams, want 1", n)
	}
	if diff := cmp.Diff(map[int][]string{3: {"etc=", "etc/os-release=ID=alpine\nVERSION_ID=3.19.0\n"}}, got); diff != "" {
		t.Errorf("layer 3 (-want +got):\n%s", diff)
	}
	// A wrong map is caught by the hash.
	os.WriteFile(files[0], []byte(`{"nonsense/layer.tar":[0]}`), 0o600)
	if _, got := walkSome([]int{0, 1, 2, 3}); len(got) != 4 {
		t.Errorf("with a stale map got layers %v", got)
	}
}

func TestDaemonUnavailable(t *testing.T) {
	_, err := image.Open(context.Background(), "docker:x", image.WithDockerHost("unix://"+filepath.Join(t.TempDir(), "no.sock")))
	if !errors.Is(err, image.ErrDaemonUnavailable) {
		t.Fatalf("err = %v, want ErrDaemonUnavailable", err)
	}
	if !strings.Contains(err.Error(), "is dockerd running?") {
		t.Errorf("err = %q, want the hint", err)
	}
}

type visitorFunc struct {
	ents []string
	done func(idx []int, ents []string, err error)
}

func (v *visitorFunc) Visit(e *image.Entry, r io.Reader) error {
	b, err := io.ReadAll(r)
	v.ents = append(v.ents, e.Path+"="+string(b))
	return err
}

func (v *visitorFunc) Done(idx []int, _ image.Stats, err error) { v.done(idx, v.ents, err) }

// TestBareNameTriedBoth: a bare name that neither the daemon nor the
// registry has gives one line saying what was tried, each cause once.
func TestBareNameTriedBoth(t *testing.T) {
	_, err := image.Open(context.Background(), "127.0.0.1:1/absent:1", image.WithDockerHost("unix://"+filepath.Join(t.TempDir(), "no.sock")))
	if err == nil {
		t.Fatal("opened an image that exists nowhere")
	}
	msg := err.Error()
	for _, want := range []string{`image "127.0.0.1:1/absent:1" not found`, "tried the Docker daemon, which is not available", "then the registry", "connection refused"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if strings.Count(msg, "hint:") != 1 || strings.Contains(msg, "\n") {
		t.Errorf("error %q: want one line with one hint", msg)
	}
	if !errors.Is(err, image.ErrDaemonUnavailable) {
		t.Errorf("error %v does not wrap the daemon's cause", err)
	}
}
