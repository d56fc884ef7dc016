package image

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Bounds on the metadata files of archives and layouts.
const (
	maxManifestBytes      = 4 << 20
	maxConfigBytes        = 16 << 20
	maxArchiveEntries     = 200_000
	maxIndexDepth         = 4
	maxLayersPerImage     = 1000
	maxManifestsPerImport = 1000
)

// blobStore reads the files of an archive or layout by name.
type blobStore interface {
	// open returns the named file; the result is also an io.ReadSeeker.
	open(name string) (io.ReadCloser, int64, error)
	// identity names the named file's bytes as they lie on this machine
	// (device, inode, size, times, offset), "" when unknown.
	identity(name string) string
	close() error
}

func readAll(s blobStore, name string, max int64) ([]byte, error) {
	rc, size, err := s.open(name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	if size > max {
		return nil, fmt.Errorf("%s: %d bytes, over the %d-byte limit: %w", name, size, max, ErrLimit)
	}
	b, err := io.ReadAll(io.LimitReader(rc, max+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s: over the %d-byte limit: %w", name, max, ErrLimit)
	}
	return b, nil
}

// tarStore indexes a tar file once (headers only, contents skipped by
// seeking) and serves its regular files as sections of the file.
type tarStore struct {
	f     *os.File
	id    string // fileIdentity of f
	files map[string]tarSection
}

type tarSection struct{ off, size int64 }

type sectionCloser struct{ *io.SectionReader }

func (sectionCloser) Close() error { return nil }

func openTarStore(file string) (*tarStore, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	s := &tarStore{f: f, files: map[string]tarSection{}}
	if fi, err := f.Stat(); err == nil {
		s.id = fileIdentity(fi)
	}
	tr := tar.NewReader(f)
	links := map[string]string{}
	for n := 0; ; n++ {
		if n >= maxArchiveEntries {
			f.Close()
			return nil, fmt.Errorf("more than %d entries: %w", maxArchiveEntries, ErrLimit)
		}
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			f.Close()
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, fmt.Errorf("archive is truncated: %w", err)
			}
			return nil, fmt.Errorf("read archive: %w", err)
		}
		name, esc := cleanPath(h.Name)
		if esc || name == "" {
			continue
		}
		switch h.Typeflag {
		case tar.TypeReg, tar.TypeRegA:
			off, err := f.Seek(0, io.SeekCurrent)
			if err != nil {
				f.Close()
				return nil, err
			}
			s.files[name] = tarSection{off: off, size: h.Size}
		case tar.TypeSymlink:
			// docker save links duplicate layers to one another.
			links[name] = path.Join(path.Dir(name), h.Linkname)
		case tar.TypeLink:
			t, _ := cleanPath(h.Linkname)
			links[name] = t
		}
	}
	for name, target := range links {
		if sec, ok := s.files[target]; ok {
			s.files[name] = sec
		}
	}
	return s, nil
}

func (s *tarStore) open(name string) (io.ReadCloser, int64, error) {
	name = strings.TrimPrefix(path.Clean("/"+name), "/")
	sec, ok := s.files[name]
	if !ok {
		return nil, 0, fmt.Errorf("%s: %w", name, fs.ErrNotExist)
	}
	return sectionCloser{io.NewSectionReader(s.f, sec.off, sec.size)}, sec.size, nil
}

func (s *tarStore) identity(name string) string {
	name = strings.TrimPrefix(path.Clean("/"+name), "/")
	sec, ok := s.files[name]
	if !ok || s.id == "" {
		return ""
	}
	return fmt.Sprintf("%s@%d+%d", s.id, sec.off, sec.size)
}

func (s *tarStore) close() error { return s.f.Close() }

// dirStore serves the files of an OCI layout directory.
type dirStore struct{ root *os.Root }

func (s *dirStore) open(name string) (io.ReadCloser, int64, error) {
	f, err := s.root.Open(filepath.FromSlash(name))
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, 0, fmt.Errorf("%s: not a regular file", name)
	}
	return f, fi.Size(), nil
}

func (s *dirStore) identity(name string) string {
	fi, err := s.root.Lstat(filepath.FromSlash(name))
	if err != nil || !fi.Mode().IsRegular() {
		return ""
	}
	return fileIdentity(fi)
}

func (s *dirStore) close() error { return s.root.Close() }

// storeSource opens layer blobs from a blobStore.
type storeSource struct {
	store blobStore
	names []string
}

func (s *storeSource) open(_ context.Context, i int) (io.ReadCloser, error) {
	if i < 0 || i >= len(s.names) {
		return nil, fmt.Errorf("layer %d: out of range", i)
	}
	rc, _, err := s.store.open(s.names[i])
	return rc, err
}

func (s *storeSource) identity(i int) string {
	if i < 0 || i >= len(s.names) {
		return ""
	}
	return s.store.identity(s.names[i])
}

func (s *storeSource) close() error { return s.store.close() }

func notFoundOr(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return ErrNotFound
	}
	return nil
}

// dockerManifest is one entry of a docker save manifest.json.
type dockerManifest struct {
	Config   string
	RepoTags []string
	Layers   []string
}

func openDockerArchive(_ context.Context, ref, file string, o *options) (*Image, error) {
	file, tag := splitSuffix(file)
	st, err := openTarStore(file)
	if err != nil {
		return nil, &Error{Op: "open docker archive", Ref: ref, Kind: notFoundOr(err), Err: err, Hint: pathHint(err)}
	}
	img, err := readDockerArchive(st, tag)
	if err != nil {
		st.close()
		return nil, &Error{Op: "read docker archive", Ref: ref, Kind: notFoundOr(err), Err: err, Hint: pathHint(err)}
	}
	img.Source = SourceDockerArchive
	return img, nil
}

func readDockerArchive(st blobStore, tag string) (*Image, error) {
	b, err := readAll(st, "manifest.json", maxManifestBytes)
	if err != nil {
		return nil, err
	}
	var ms []dockerManifest
	if err := json.Unmarshal(b, &ms); err != nil {
		return nil, fmt.Errorf("manifest.json: %w", err)
	}
	if len(ms) == 0 {
		return nil, fmt.Errorf("manifest.json lists no image: %w", fs.ErrNotExist)
	}
	m := ms[0]
	if tag != "" {
		found := false
		for _, c := range ms {
			for _, t := range c.RepoTags {
				if t == tag {
					m, found = c, true
				}
			}
		}
		if !found {
			return nil, fmt.Errorf("no image tagged %q in the archive: %w", tag, fs.ErrNotExist)
		}
	} else if len(ms) > 1 {
		return nil, fmt.Errorf("the archive holds %d images: name one as docker-archive:FILE:TAG", len(ms))
	}
	if len(m.Layers) > maxLayersPerImage {
		return nil, fmt.Errorf("%d layers: %w", len(m.Layers), ErrLimit)
	}
	raw, err := readAll(st, m.Config, maxConfigBytes)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	cf, err := v1.ParseConfigFile(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("config %q: %w", m.Config, err)
	}
	if len(cf.RootFS.DiffIDs) != len(m.Layers) {
		return nil, fmt.Errorf("config lists %d diff ids, manifest.json %d layers", len(cf.RootFS.DiffIDs), len(m.Layers))
	}
	img := &Image{
		ID:       v1.Hash{Algorithm: "sha256", Hex: sha256Hex(raw)}.String(),
		RepoTags: m.RepoTags,
		src:      &storeSource{store: st, names: m.Layers},
	}
	for i, name := range m.Layers {
		rc, size, err := st.open(name)
		if err != nil {
			return nil, fmt.Errorf("layer %q: %w", name, err)
		}
		var magic [4]byte
		n, _ := io.ReadFull(rc, magic[:])
		rc.Close()
		l := Layer{Size: size, DiffID: cf.RootFS.DiffIDs[i].String(), MediaType: string(types.DockerUncompressedLayer)}
		switch {
		case bytes.HasPrefix(magic[:n], gzipMagic):
			l.MediaType = string(types.DockerLayer)
			l.Digest = digestFromName(name)
		case bytes.HasPrefix(magic[:n], zstdMagic):
			l.MediaType = string(types.OCILayerZStd)
			l.Digest = digestFromName(name)
		default:
			l.Digest = l.DiffID
		}
		img.Layers = append(img.Layers, l)
	}
	img.fillFromConfig(cf)
	return img, nil
}

// digestFromName reads a digest out of blob names such as
// blobs/sha256/HEX or HEX.tar.gz; "" when there is none.
func digestFromName(name string) string {
	base := path.Base(name)
	base = strings.TrimSuffix(strings.TrimSuffix(base, ".gz"), ".tar")
	if strings.HasSuffix(path.Dir(name), "sha256") || len(base) == 64 {
		if h, err := v1.NewHash("sha256:" + base); err == nil {
			return h.String()
		}
	}
	return ""
}

func openOCIDir(_ context.Context, ref, dir string, o *options) (*Image, error) {
	dir, tag := splitSuffix(dir)
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, &Error{Op: "open OCI layout", Ref: ref, Kind: notFoundOr(err), Err: err, Hint: pathHint(err)}
	}
	st := &dirStore{root: root}
	img, err := readOCILayout(st, tag, o.platformOrDefault(), o.platform != nil)
	if err != nil {
		st.close()
		return nil, &Error{Op: "read OCI layout", Ref: ref, Kind: notFoundOr(err), Err: err, Hint: pathHint(err)}
	}
	img.Source = SourceOCI
	return img, nil
}

func openOCIArchive(_ context.Context, ref, file string, o *options) (*Image, error) {
	file, tag := splitSuffix(file)
	st, err := openTarStore(file)
	if err != nil {
		return nil, &Error{Op: "open OCI archive", Ref: ref, Kind: notFoundOr(err), Err: err, Hint: pathHint(err)}
	}
	img, err := readOCILayout(st, tag, o.platformOrDefault(), o.platform != nil)
	if err != nil {
		st.close()
		return nil, &Error{Op: "read OCI archive", Ref: ref, Kind: notFoundOr(err), Err: err, Hint: pathHint(err)}
	}
	img.Source = SourceOCIArchive
	return img, nil
}

func blobName(h v1.Hash) string { return "blobs/" + h.Algorithm + "/" + h.Hex }

// readOCILayout resolves index.json (by ref name annotation when tag is
// set, then by platform) down to one image manifest.
func readOCILayout(st blobStore, tag string, want v1.Platform, explicit bool) (*Image, error) {
	b, err := readAll(st, "index.json", maxManifestBytes)
	if err != nil {
		return nil, err
	}
	idx, err := v1.ParseIndexManifest(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("index.json: %w", err)
	}
	descs := idx.Manifests
	if tag != "" {
		var picked []v1.Descriptor
		for _, d := range descs {
			if d.Annotations["org.opencontainers.image.ref.name"] == tag || d.Annotations["io.containerd.image.name"] == tag {
				picked = append(picked, d)
			}
		}
		if len(picked) == 0 {
			return nil, fmt.Errorf("no manifest named %q in index.json: %w", tag, fs.ErrNotExist)
		}
		descs = picked
	}
	for depth := 0; ; depth++ {
		if depth > maxIndexDepth {
			return nil, fmt.Errorf("indexes nested deeper than %d", maxIndexDepth)
		}
		d, err := pickDescriptor(descs, want, explicit)
		if err != nil {
			return nil, err
		}
		if _, err := v1.NewHash(d.Digest.String()); err != nil {
			return nil, fmt.Errorf("descriptor digest %q: %w", d.Digest, err)
		}
		raw, err := readAll(st, blobName(d.Digest), maxManifestBytes)
		if err != nil {
			return nil, err
		}
		if d.MediaType.IsIndex() {
			sub, err := v1.ParseIndexManifest(bytes.NewReader(raw))
			if err != nil {
				return nil, fmt.Errorf("index %s: %w", d.Digest, err)
			}
			if len(sub.Manifests) > maxManifestsPerImport {
				return nil, fmt.Errorf("index %s: %d manifests: %w", d.Digest, len(sub.Manifests), ErrLimit)
			}
			descs = sub.Manifests
			continue
		}
		return readOCIManifest(st, d.Digest, raw)
	}
}

// pickDescriptor picks the image manifest for the wanted platform. With one
// candidate and no explicit platform, that candidate is taken.
func pickDescriptor(descs []v1.Descriptor, want v1.Platform, explicit bool) (v1.Descriptor, error) {
	var images []v1.Descriptor
	for _, d := range descs {
		if d.MediaType.IsImage() || d.MediaType.IsIndex() || d.MediaType == "" {
			images = append(images, d)
		}
	}
	if len(images) == 0 {
		return v1.Descriptor{}, fmt.Errorf("the index lists no image: %w", fs.ErrNotExist)
	}
	if len(images) == 1 && (!explicit || images[0].Platform == nil || images[0].MediaType.IsIndex()) {
		return images[0], nil
	}
	var avail []string
	for _, d := range images {
		if d.Platform == nil {
			continue
		}
		if d.Platform.Satisfies(want) {
			return d, nil
		}
		avail = append(avail, d.Platform.String())
	}
	if len(images) == 1 {
		return images[0], nil
	}
	return v1.Descriptor{}, fmt.Errorf("no image for platform %s (the index has %s): %w", want.String(), strings.Join(avail, ", "), fs.ErrNotExist)
}

func readOCIManifest(st blobStore, digest v1.Hash, raw []byte) (*Image, error) {
	m, err := v1.ParseManifest(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("manifest %s: %w", digest, err)
	}
	if len(m.Layers) > maxLayersPerImage {
		return nil, fmt.Errorf("manifest %s: %d layers: %w", digest, len(m.Layers), ErrLimit)
	}
	if _, err := v1.NewHash(m.Config.Digest.String()); err != nil {
		return nil, fmt.Errorf("config digest %q: %w", m.Config.Digest, err)
	}
	rawCfg, err := readAll(st, blobName(m.Config.Digest), maxConfigBytes)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	cf, err := v1.ParseConfigFile(bytes.NewReader(rawCfg))
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", m.Config.Digest, err)
	}
	img := &Image{Digest: digest.String(), ID: m.Config.Digest.String()}
	src := &storeSource{store: st}
	for _, l := range m.Layers {
		if _, err := v1.NewHash(l.Digest.String()); err != nil {
			return nil, fmt.Errorf("layer digest %q: %w", l.Digest, err)
		}
		src.names = append(src.names, blobName(l.Digest))
		img.Layers = append(img.Layers, Layer{Digest: l.Digest.String(), Size: l.Size, MediaType: string(l.MediaType)})
	}
	img.src = src
	img.fillFromConfig(cf)
	return img, nil
}

// splitSuffix splits PATH:NAME (skopeo's form) at the first colon after
// which PATH exists, when the whole does not exist.
func splitSuffix(p string) (string, string) {
	if _, err := os.Stat(p); err == nil {
		return p, ""
	}
	for i := 0; i < len(p); i++ {
		if p[i] != ':' || i == 0 {
			continue
		}
		if _, err := os.Stat(p[:i]); err == nil {
			return p[:i], p[i+1:]
		}
	}
	return p, ""
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func pathHint(err error) string {
	if errors.Is(err, fs.ErrNotExist) {
		return "check the path"
	}
	return ""
}
