package image

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// SourceKind names where an image came from.
type SourceKind string

// The source kinds, spelled as in a REF.
const (
	SourceDaemon        SourceKind = "docker"
	SourceRegistry      SourceKind = "registry"
	SourceDockerArchive SourceKind = "docker-archive"
	SourceOCI           SourceKind = "oci"
	SourceOCIArchive    SourceKind = "oci-archive"
	SourceDir           SourceKind = "dir"
)

// Layer is one layer of an image.
type Layer struct {
	// Digest is the digest of the blob as stored (compressed for registries
	// and OCI layouts; for docker save archives the uncompressed tar, so the
	// same as DiffID). It may be empty for a dir: source.
	Digest string
	// DiffID is the digest of the uncompressed tar, from the config.
	DiffID string
	// Size is the stored blob size in bytes, when known.
	Size      int64
	MediaType string
	// CreatedBy is the history line that made the layer, when the history
	// says.
	CreatedBy string
}

// ID returns the digest that names the layer in reports: Digest, or DiffID
// when Digest is unknown.
func (l Layer) ID() string {
	if l.Digest != "" {
		return l.Digest
	}
	return l.DiffID
}

// Image is an opened image: its metadata, and access to its layers through
// WalkLayer and WalkLayers. Close releases open files.
type Image struct {
	// Name is the REF as given to Open.
	Name string
	// Source says how the image was read.
	Source SourceKind
	// Digest is the manifest digest, when the source has a manifest.
	Digest string
	// ID is the config digest (docker's image id).
	ID          string
	RepoTags    []string
	RepoDigests []string
	OS          string
	Arch        string
	Variant     string
	Created     time.Time
	Layers      []Layer
	// ConfigFile is the image config as parsed (nil for dir: sources).
	ConfigFile *v1.ConfigFile

	// Root is the directory of a dir: source.
	Root string

	src    source
	limits Limits
}

// Config returns the runtime config (Env, User, Labels, Healthcheck, ...),
// or the zero Config when there is none.
func (img *Image) Config() v1.Config {
	if img.ConfigFile == nil {
		return v1.Config{}
	}
	return img.ConfigFile.Config
}

// Close releases the files the image holds open.
func (img *Image) Close() error {
	if img.src == nil {
		return nil
	}
	return img.src.close()
}

// Limits returns the limits the image was opened with (defaults filled in).
func (img *Image) Limits() Limits { return img.limits }

// source opens layer blobs.
type source interface {
	// open returns layer i's blob as stored (gzip, zstd or plain tar). A
	// result that is also an io.Seeker lets the walk skip file contents.
	open(ctx context.Context, i int) (io.ReadCloser, error)
	close() error
}

// Option configures Open.
type Option func(*options)

type options struct {
	platform   *v1.Platform
	insecure   bool
	configDir  string
	cacheDir   string
	limits     Limits
	dockerHost string
	timeouts   Timeouts
	progress   io.Writer
}

// WithProgress sends progress lines about reading the image (bytes and
// layers of a daemon's save stream) to w; nil is silent.
func WithProgress(w io.Writer) Option { return func(o *options) { o.progress = w } }

// WithPlatform picks os/arch[/variant] from a multi-arch index (registry:
// and OCI layouts). The default is linux and the running architecture.
func WithPlatform(p string) Option {
	return func(o *options) {
		if p == "" {
			return
		}
		pl, err := v1.ParsePlatform(p)
		if err != nil || pl.OS == "" || pl.Architecture == "" {
			o.platform = &v1.Platform{OS: "invalid:" + p}
			return
		}
		o.platform = pl
	}
}

// WithInsecure allows plain http (after https fails) for the registry the
// REF names, whatever its host; every other host (a redirect to blob
// storage, a token server) must still use https. Loopback registries may
// use plain http without it, as with Docker.
func WithInsecure() Option { return func(o *options) { o.insecure = true } }

// WithDockerConfigDir reads registry credentials from dir/config.json (and
// the credential helpers it names) instead of $DOCKER_CONFIG or ~/.docker.
func WithDockerConfigDir(dir string) Option { return func(o *options) { o.configDir = dir } }

// WithCacheDir sets bulkhead's cache dir. Archives are read in place and
// layers streamed, so the only thing written there is, for docker: images,
// a small map (daemon/IMAGE-ID.json) of which docker save entry is which
// layer, so that later runs skip the layers they do not need.
func WithCacheDir(dir string) Option { return func(o *options) { o.cacheDir = dir } }

// WithLimits sets the limits of walks and archive reading.
func WithLimits(l Limits) Option { return func(o *options) { o.limits = l } }

// WithDockerHost talks to the daemon at host (such as unix:///run/docker.sock)
// instead of $DOCKER_HOST or the default socket.
func WithDockerHost(host string) Option { return func(o *options) { o.dockerHost = host } }

// DefaultCacheDir is os.UserCacheDir()/bulkhead, or os.TempDir()/bulkhead.
func DefaultCacheDir() string {
	d, err := os.UserCacheDir()
	if err != nil || d == "" {
		d = os.TempDir()
	}
	return filepath.Join(d, "bulkhead")
}

func (o *options) platformOrDefault() v1.Platform {
	if o.platform != nil {
		return *o.platform
	}
	return v1.Platform{OS: "linux", Architecture: runtime.GOARCH}
}

// Open opens the image named by ref:
//
//	docker:NAME            the local Docker daemon
//	registry:NAME          a registry (credentials from the docker config)
//	docker-archive:FILE    a docker save tarball
//	oci:DIR                an OCI image layout (an index is resolved by platform)
//	oci-archive:FILE       a tar of an OCI image layout, read in place
//	dir:PATH               an unpacked root filesystem (one pseudo-layer)
//	NAME                   the daemon, then the registry
//
// Errors wrap ErrNotFound, ErrDaemonUnavailable, ErrUnauthorized or
// ErrBadRef where they apply, and carry a hint.
func Open(ctx context.Context, ref string, opts ...Option) (*Image, error) {
	o := &options{}
	for _, opt := range opts {
		opt(o)
	}
	o.limits = o.limits.WithDefaults()
	if o.platform != nil && strings.HasPrefix(o.platform.OS, "invalid:") {
		return nil, &Error{Op: "open image", Ref: ref, Kind: ErrBadRef,
			Err:  fmt.Errorf("platform %q: want os/arch[/variant]", strings.TrimPrefix(o.platform.OS, "invalid:")),
			Hint: "use a platform such as linux/amd64 or linux/arm64/v8"}
	}
	kind, rest, err := ParseRef(ref)
	if err != nil {
		return nil, &Error{Op: "open image", Ref: ref, Kind: ErrBadRef, Err: err}
	}
	var img *Image
	switch kind {
	case SourceDaemon:
		img, err = openDaemon(ctx, ref, rest, o)
	case SourceRegistry:
		img, err = openRegistry(ctx, ref, rest, o)
	case SourceDockerArchive:
		img, err = openDockerArchive(ctx, ref, rest, o)
	case SourceOCI:
		img, err = openOCIDir(ctx, ref, rest, o)
	case SourceOCIArchive:
		img, err = openOCIArchive(ctx, ref, rest, o)
	case SourceDir:
		img, err = openDir(ctx, ref, rest, o)
	default: // a bare name
		img, err = openDaemon(ctx, ref, rest, o)
		if err != nil && (isKind(err, ErrDaemonUnavailable) || isKind(err, ErrNotFound)) {
			var rerr error
			img, rerr = openRegistry(ctx, ref, rest, o)
			if rerr != nil {
				return nil, &triedBoth{ref: ref, daemon: err, registry: rerr}
			}
			err = nil
		}
	}
	if err != nil {
		return nil, err
	}
	img.Name = ref
	img.limits = o.limits
	return img, nil
}

func isKind(err, kind error) bool {
	e, ok := err.(*Error)
	return ok && e.Kind == kind
}

// ParseRef splits a REF into its source kind and the rest. A bare name has
// an empty kind.
func ParseRef(ref string) (SourceKind, string, error) {
	if strings.TrimSpace(ref) == "" {
		return "", "", fmt.Errorf("empty reference")
	}
	for _, k := range []SourceKind{SourceDockerArchive, SourceOCIArchive, SourceDaemon, SourceRegistry, SourceOCI, SourceDir} {
		if rest, ok := strings.CutPrefix(ref, string(k)+":"); ok {
			if rest == "" {
				return "", "", fmt.Errorf("%s: nothing after the colon", k)
			}
			return k, rest, nil
		}
	}
	if strings.Contains(ref, "://") {
		return "", "", fmt.Errorf("unknown scheme in %q", ref)
	}
	return "", ref, nil
}

// fillFromConfig sets the metadata that lives in the config file, and maps
// history lines to layers.
func (img *Image) fillFromConfig(cf *v1.ConfigFile) {
	img.ConfigFile = cf
	if cf == nil {
		return
	}
	img.OS = cf.OS
	img.Arch = cf.Architecture
	img.Variant = cf.Variant
	img.Created = cf.Created.Time
	for i := range img.Layers {
		if img.Layers[i].DiffID == "" && i < len(cf.RootFS.DiffIDs) {
			img.Layers[i].DiffID = cf.RootFS.DiffIDs[i].String()
		}
	}
	i := 0
	for _, h := range cf.History {
		if h.EmptyLayer {
			continue
		}
		if i >= len(img.Layers) {
			break
		}
		img.Layers[i].CreatedBy = h.CreatedBy
		i++
	}
}

// TotalSize is the sum of the stored layer sizes.
func (img *Image) TotalSize() int64 {
	var n int64
	for _, l := range img.Layers {
		n += l.Size
	}
	return n
}

// CacheID returns what a cached result of layer i may be stored and found
// under, or "" when the layer must not be cached. Results are stored only
// for layers whose walk verified their digests (Stats.Verified); the ID
// says which claims a later scan may trust without reading the layer:
//
//   - registry: the diff_id and the blob digest (the registry serves
//     blobs by content digest, and every read is checked against it);
//   - docker daemon: the diff_id (the daemon computed it itself);
//   - docker-archive, oci, oci-archive: the diff_id, the blob digest and
//     the identity of the bytes on disk (device, inode, size, times,
//     offset), since anyone can write a file whose manifest and config
//     name digests its layers do not have. A rescan of the same file is
//     cached; another file is read (and verified) again.
//   - dir: "" (there are no digests).
func (img *Image) CacheID(i int) string {
	if i < 0 || i >= len(img.Layers) {
		return ""
	}
	l := img.Layers[i]
	if newDigester(l.DiffID) == nil {
		return ""
	}
	switch src := img.src.(type) {
	case *daemonSource:
		return "diff " + l.DiffID
	case *remoteSource:
		if l.Digest == "" {
			return ""
		}
		return "diff " + l.DiffID + " blob " + l.Digest
	case *storeSource:
		id := src.identity(i)
		if id == "" {
			return ""
		}
		return "diff " + l.DiffID + " blob " + l.Digest + " " + id
	}
	return ""
}

// triedBoth is the error of a bare name that neither the daemon nor the
// registry could open: one line saying what was tried, each cause once.
type triedBoth struct {
	ref              string
	daemon, registry error
}

func (e *triedBoth) Error() string {
	d := "has no image of that name"
	if de, ok := e.daemon.(*Error); ok && de.Kind == ErrDaemonUnavailable {
		d = "is not available"
		if de.Err != nil {
			d += " (" + de.Err.Error() + ")"
		}
	}
	r := e.registry.Error()
	if re, ok := e.registry.(*Error); ok {
		r = re.Op + ": "
		switch {
		case re.Kind != nil && re.Err != nil:
			r += re.Kind.Error() + ": " + re.Err.Error()
		case re.Kind != nil:
			r += re.Kind.Error()
		case re.Err != nil:
			r += re.Err.Error()
		}
	}
	return fmt.Sprintf("image %q not found: tried the Docker daemon, which %s, then the registry (%s) (hint: name the source: docker:NAME, registry:NAME, docker-archive:FILE, oci:DIR, dir:PATH)", e.ref, d, r)
}

func (e *triedBoth) Unwrap() []error { return []error{e.daemon, e.registry} }
