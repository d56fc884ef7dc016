package scan

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/klauspost/compress/gzip"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/image"
	"github.com/bulkhead-sec/bulkhead/internal/image/imagetest"
	"github.com/bulkhead-sec/bulkhead/internal/inventory"
)

// The layer cache must never hand one image's results to another whose
// config merely names the same diff_id. The honest image's base layer has a
// package and a secret; the crafted image's config is the honest one (same
// diff_ids) but its base layer is a different tar.

func honestLayers(t *testing.T) [][]byte {
	return [][]byte{
		imagetest.Tar(t, f("base.pkgs", "openssl 1.1.1"), f("etc/key.txt", "SECRET base key")),
		imagetest.Tar(t, f("app.pkgs", "app 2")),
	}
}

func craftedLayers(t *testing.T) [][]byte {
	return [][]byte{
		imagetest.Tar(t, f("base.pkgs", "nothing 0"), f("etc/clean.txt", "all clean")),
		imagetest.Tar(t, f("app.pkgs", "app 2")),
	}
}

func digestOf(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

// configFor is an image config naming the diff_ids of layers.
func configFor(t *testing.T, layers [][]byte) []byte {
	t.Helper()
	var ids []string
	for _, l := range layers {
		ids = append(ids, digestOf(l))
	}
	b, err := json.Marshal(map[string]any{
		"architecture": "amd64", "os": "linux", "created": "2026-01-02T03:04:05Z",
		"config": map[string]any{}, "rootfs": map[string]any{"type": "layers", "diff_ids": ids},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeTarFile(t *testing.T, file string, files map[string][]byte) {
	t.Helper()
	var names []string
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, n := range names {
		tw.WriteHeader(&tar.Header{Name: n, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(files[n]))})
		tw.Write(files[n])
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeDockerArchive writes a docker save archive of plain layer tars
// whose config is cfg.
func writeDockerArchive(t *testing.T, file string, cfg []byte, layers [][]byte) {
	t.Helper()
	files := map[string][]byte{"config.json": cfg}
	var names []string
	for i, l := range layers {
		n := "layer" + string(rune('0'+i)) + "/layer.tar"
		files[n] = l
		names = append(names, n)
	}
	m, _ := json.Marshal([]map[string]any{{"Config": "config.json", "RepoTags": []string{"test:1"}, "Layers": names}})
	files["manifest.json"] = m
	writeTarFile(t, file, files)
}

func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// writeOCILayout writes an OCI layout with gzip layers whose config is
// cfg; the manifest names each blob by its true digest.
func writeOCILayout(t *testing.T, dir string, cfg []byte, layers [][]byte) {
	t.Helper()
	put := func(b []byte) string {
		d := digestOf(b)
		p := filepath.Join(dir, "blobs", "sha256", strings.TrimPrefix(d, "sha256:"))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return d
	}
	type desc struct {
		MediaType string `json:"mediaType"`
		Digest    string `json:"digest"`
		Size      int    `json:"size"`
	}
	m := map[string]any{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
		"config": desc{"application/vnd.oci.image.config.v1+json", put(cfg), len(cfg)}}
	var ls []desc
	for _, l := range layers {
		z := gzipped(t, l)
		ls = append(ls, desc{"application/vnd.oci.image.layer.v1.tar+gzip", put(z), len(z)})
	}
	m["layers"] = ls
	mb, _ := json.Marshal(m)
	idx, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
		"manifests": []desc{{"application/vnd.oci.image.manifest.v1+json", put(mb), len(mb)}}})
	os.WriteFile(filepath.Join(dir, "index.json"), idx, 0o644)
	os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644)
}

// poisonCase writes the honest and the crafted image in one format and
// returns their REFs.
type poisonCase struct {
	name  string
	write func(t *testing.T, dir string, cfg []byte, layers [][]byte) string
}

var poisonCases = []poisonCase{
	{"docker-archive", func(t *testing.T, dir string, cfg []byte, layers [][]byte) string {
		p := filepath.Join(dir, "image.tar")
		writeDockerArchive(t, p, cfg, layers)
		return "docker-archive:" + p
	}},
	{"oci", func(t *testing.T, dir string, cfg []byte, layers [][]byte) string {
		p := filepath.Join(dir, "oci")
		writeOCILayout(t, p, cfg, layers)
		return "oci:" + p
	}},
	{"registry", func(t *testing.T, dir string, cfg []byte, layers [][]byte) string {
		p := filepath.Join(dir, "oci")
		writeOCILayout(t, p, cfg, layers)
		idx, err := layout.ImageIndexFromPath(p)
		if err != nil {
			t.Fatal(err)
		}
		im, err := idx.IndexManifest()
		if err != nil {
			t.Fatal(err)
		}
		img, err := idx.Image(im.Manifests[0].Digest)
		if err != nil {
			t.Fatal(err)
		}
		reg := poisonRegistry(t)
		ref := reg + "/" + filepath.Base(dir) + ":1"
		imagetest.Push(t, ref, img)
		return "registry:" + ref
	}},
	{"oci-archive", func(t *testing.T, dir string, cfg []byte, layers [][]byte) string {
		p := filepath.Join(dir, "oci")
		writeOCILayout(t, p, cfg, layers)
		imagetest.TarDir(t, p, filepath.Join(dir, "oci.tar"))
		return "oci-archive:" + filepath.Join(dir, "oci.tar")
	}},
}

type scanOutcome struct {
	pkgs    []string
	secrets []string
	cached  int
}

var poisonRegistries = map[*testing.T]string{}

// poisonRegistry is one in-memory registry per test.
func poisonRegistry(t *testing.T) string {
	if r, ok := poisonRegistries[t]; ok {
		return r
	}
	r := imagetest.Registry(t, "", "")
	poisonRegistries[t] = r
	return r
}

func scanRef(t *testing.T, ref, cache string) (scanOutcome, error) {
	t.Helper()
	img, err := image.Open(context.Background(), ref, image.WithInsecure())
	if err != nil {
		t.Fatalf("open %s: %v", ref, err)
	}
	defer img.Close()
	r, err := Image(context.Background(), img, Options{Extractors: []inventory.Extractor{&lineExtractor{}},
		FileAnalyzers: []FileAnalyzer{&secretAnalyzer{}}, CacheDir: cache})
	if err != nil {
		return scanOutcome{}, err
	}
	var o scanOutcome
	for _, p := range r.Packages {
		o.pkgs = append(o.pkgs, p.Name+"@"+p.Version)
	}
	for _, fd := range r.Findings {
		if fd.Kind == finding.Secret {
			o.secrets = append(o.secrets, fd.Location.Path)
		}
	}
	sort.Strings(o.pkgs)
	sort.Strings(o.secrets)
	o.cached = r.Scanners[0].Counts["layers_cached"]
	return o, nil
}

func wantHonest(t *testing.T, what string, o scanOutcome) {
	t.Helper()
	if got := strings.Join(o.pkgs, " "); got != "app@2 openssl@1.1.1" {
		t.Errorf("%s: packages %q, want the honest image's (app@2 openssl@1.1.1)", what, got)
	}
	if got := strings.Join(o.secrets, " "); got != "etc/key.txt" {
		t.Errorf("%s: secrets in %q, want etc/key.txt", what, got)
	}
}

// wantMismatch checks the error of a crafted scan: a digest mismatch that
// names the layer and the diff_id its config claims.
func wantMismatch(t *testing.T, what string, err error, diffID string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: scan of the crafted image succeeded, want a digest mismatch error", what)
	}
	if !errors.Is(err, image.ErrDigestMismatch) {
		t.Errorf("%s: error %v, want one wrapping ErrDigestMismatch", what, err)
	}
	if !strings.Contains(err.Error(), "layer sha256:") || !strings.Contains(err.Error(), diffID) {
		t.Errorf("%s: error %q does not name the layer and its diff_id %s", what, err, diffID)
	}
}

func cacheFiles(t *testing.T, cache string) []string {
	t.Helper()
	var out []string
	for _, kind := range []string{"layers", "images"} {
		m, _ := filepath.Glob(filepath.Join(cache, kind, "*", "*"))
		out = append(out, m...)
	}
	return out
}

func TestCachePoisoningHonestFirst(t *testing.T) {
	for _, tc := range poisonCases {
		t.Run(tc.name, func(t *testing.T) {
			honest, crafted := honestLayers(t), craftedLayers(t)
			cfg := configFor(t, honest)
			honestRef := tc.write(t, t.TempDir(), cfg, honest)
			craftedRef := tc.write(t, t.TempDir(), cfg, crafted)
			cache := t.TempDir()

			o, err := scanRef(t, honestRef, cache)
			if err != nil {
				t.Fatal(err)
			}
			wantHonest(t, "cold honest scan", o)
			before := cacheFiles(t, cache)

			_, err = scanRef(t, craftedRef, cache)
			wantMismatch(t, "crafted scan after the honest one", err, digestOf(honest[0]))
			if after := cacheFiles(t, cache); len(after) != len(before) {
				t.Errorf("the crafted scan changed the cache: %d files before, %d after", len(before), len(after))
			}

			o, err = scanRef(t, honestRef, cache)
			if err != nil {
				t.Fatal(err)
			}
			wantHonest(t, "warm honest scan after the crafted one", o)
			if o.cached != 2 {
				t.Errorf("warm honest scan: %d layers cached, want 2", o.cached)
			}
		})
	}
}

func TestCachePoisoningCraftedFirst(t *testing.T) {
	for _, tc := range poisonCases {
		t.Run(tc.name, func(t *testing.T) {
			honest, crafted := honestLayers(t), craftedLayers(t)
			cfg := configFor(t, honest)
			honestRef := tc.write(t, t.TempDir(), cfg, honest)
			craftedRef := tc.write(t, t.TempDir(), cfg, crafted)
			cache := t.TempDir()

			_, err := scanRef(t, craftedRef, cache)
			wantMismatch(t, "crafted scan on an empty cache", err, digestOf(honest[0]))
			if files := cacheFiles(t, cache); len(files) != 0 {
				t.Errorf("the crafted scan left cache entries: %v", files)
			}
			// Twice: the first failure must not have left anything a retry uses.
			_, err = scanRef(t, craftedRef, cache)
			wantMismatch(t, "crafted scan, again", err, digestOf(honest[0]))

			o, err := scanRef(t, honestRef, cache)
			if err != nil {
				t.Fatal(err)
			}
			wantHonest(t, "honest scan after the crafted one", o)
			if o.cached != 0 {
				t.Errorf("honest scan used %d cached layers, want 0", o.cached)
			}
		})
	}
}
