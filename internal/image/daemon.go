package image

import (
	"archive/tar"
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/moby/moby/client"
)

// daemonSource reads layers from the Docker daemon's image save stream, in
// one pass, without a temporary copy.
type daemonSource struct {
	cli *client.Client
	ref string
	// byDiffID maps a diff id's hex to the layer indexes that have it.
	byDiffID map[string][]int

	mu sync.Mutex
	// names maps save-stream entry names to layer indexes, as learnt by
	// hashing them.
	names   map[string][]int
	learned bool
	// namesFile persists names under the cache dir, keyed by image id, so
	// that later runs skip cached layers without reading them.
	namesFile string
	// progress receives a line about the save stream at most every
	// progressEvery, and one at its end; nil is silent.
	progress io.Writer
}

// progressEvery spaces the progress lines of a save stream.
var progressEvery = time.Second

func (d *daemonSource) open(context.Context, int) (io.ReadCloser, error) {
	return nil, errors.New("the daemon source streams layers through WalkLayers")
}

func (d *daemonSource) close() error { return d.cli.Close() }

func daemonErr(ref string, op string, err error) error {
	switch {
	case client.IsErrConnectionFailed(err):
		return &Error{Op: op, Ref: ref, Kind: ErrDaemonUnavailable, Err: err}
	case cerrdefs.IsNotFound(err):
		// The daemon's own text repeats "no such image" twice; the kind
		// says it once, and the hint says where it looked.
		return &Error{Op: op, Ref: ref, Kind: ErrNotFound, Hint: "the Docker daemon has no image of that name: check the name, or list local images with docker images"}
	case strings.Contains(err.Error(), "permission denied") && strings.Contains(err.Error(), "docker"):
		return &Error{Op: op, Ref: ref, Kind: ErrDaemonUnavailable, Err: err}
	}
	return &Error{Op: op, Ref: ref, Err: err}
}

func openDaemon(ctx context.Context, ref, name string, o *options) (*Image, error) {
	copts := []client.Opt{client.FromEnv, client.WithAPIVersionNegotiation()}
	if o.dockerHost != "" {
		copts = append(copts, client.WithHost(o.dockerHost))
	}
	cli, err := client.New(copts...)
	if err != nil {
		return nil, &Error{Op: "connect to docker", Ref: ref, Kind: ErrDaemonUnavailable, Err: err}
	}
	img, err := inspectDaemon(ctx, cli, ref, name)
	if err != nil {
		cli.Close()
		return nil, err
	}
	img.src.(*daemonSource).progress = o.progress
	if o.cacheDir != "" {
		src := img.src.(*daemonSource)
		src.namesFile = filepath.Join(o.cacheDir, "daemon", strings.TrimPrefix(img.ID, "sha256:")+".json")
		src.loadNames(len(img.Layers))
	}
	return img, nil
}

// maxNamesFile bounds the save-stream name map read from the cache.
const maxNamesFile = 1 << 20

// loadNames reads which save-stream entry is which layer, as learnt by an
// earlier run; a missing or bad file is ignored.
func (d *daemonSource) loadNames(layers int) {
	fi, err := os.Stat(d.namesFile)
	if err != nil || fi.Size() > maxNamesFile {
		return
	}
	b, err := os.ReadFile(d.namesFile)
	if err != nil {
		return
	}
	var names map[string][]int
	if json.Unmarshal(b, &names) != nil {
		return
	}
	for name, idx := range names {
		for _, i := range idx {
			if i < 0 || i >= layers {
				return
			}
		}
		if len(idx) == 0 || !strings.HasSuffix(name, "/layer.tar") {
			return
		}
	}
	d.names = names
	d.learned = len(names) > 0
}

// saveNames stores the name map once every layer has a name, atomically.
func (d *daemonSource) saveNames(layers int) {
	if d.namesFile == "" {
		return
	}
	d.mu.Lock()
	seen := make([]bool, layers)
	for _, idx := range d.names {
		for _, i := range idx {
			seen[i] = true
		}
	}
	b, err := json.Marshal(d.names)
	d.mu.Unlock()
	for _, ok := range seen {
		if !ok {
			return
		}
	}
	if err != nil || os.MkdirAll(filepath.Dir(d.namesFile), 0o700) != nil {
		return
	}
	f, err := os.CreateTemp(filepath.Dir(d.namesFile), ".tmp-*")
	if err != nil {
		return
	}
	_, werr := f.Write(b)
	if cerr := f.Close(); werr != nil || cerr != nil || os.Rename(f.Name(), d.namesFile) != nil {
		os.Remove(f.Name())
	}
}

func inspectDaemon(ctx context.Context, cli *client.Client, ref, name string) (*Image, error) {
	ins, err := cli.ImageInspect(ctx, name)
	if err != nil {
		return nil, daemonErr(ref, "inspect image", err)
	}
	hist, err := cli.ImageHistory(ctx, name)
	if err != nil {
		return nil, daemonErr(ref, "read image history", err)
	}
	cf := &v1.ConfigFile{
		Architecture: ins.Architecture,
		Author:       ins.Author,
		OS:           ins.Os,
		OSVersion:    ins.OsVersion,
		Variant:      ins.Variant,
		RootFS:       v1.RootFS{Type: ins.RootFS.Type},
	}
	if t, err := time.Parse(time.RFC3339Nano, ins.Created); err == nil {
		cf.Created = v1.Time{Time: t}
	}
	src := &daemonSource{cli: cli, ref: name, byDiffID: map[string][]int{}, names: map[string][]int{}}
	for i, l := range ins.RootFS.Layers {
		h, err := v1.NewHash(l)
		if err != nil {
			return nil, &Error{Op: "inspect image", Ref: ref, Err: fmt.Errorf("layer %d diff id %q: %w", i, l, err)}
		}
		cf.RootFS.DiffIDs = append(cf.RootFS.DiffIDs, h)
		src.byDiffID[h.Hex] = append(src.byDiffID[h.Hex], i)
	}
	// The API lists history newest first; the config holds it oldest first.
	items := slices.Clone(hist.Items)
	slices.Reverse(items)
	nonEmpty := 0
	for _, h := range items {
		if h.Size > 0 {
			nonEmpty++
		}
	}
	for _, h := range items {
		empty := h.Size == 0
		// Layers with an empty diff still count as layers when the sizes
		// alone cannot account for all of them.
		if nonEmpty < len(cf.RootFS.DiffIDs) && h.ID != "<missing>" {
			empty = false
		}
		cf.History = append(cf.History, v1.History{
			Created:    v1.Time{Time: time.Unix(h.Created, 0).UTC()},
			CreatedBy:  h.CreatedBy,
			Comment:    h.Comment,
			EmptyLayer: empty,
		})
	}
	if c := ins.Config; c != nil {
		cf.Config = v1.Config{
			Cmd: c.Cmd, Entrypoint: c.Entrypoint, Env: c.Env, Labels: c.Labels, OnBuild: c.OnBuild,
			User: c.User, Volumes: c.Volumes, WorkingDir: c.WorkingDir, StopSignal: c.StopSignal, Shell: c.Shell,
		}
		if c.Healthcheck != nil {
			cf.Config.Healthcheck = &v1.HealthConfig{Test: c.Healthcheck.Test, Interval: c.Healthcheck.Interval,
				Timeout: c.Healthcheck.Timeout, StartPeriod: c.Healthcheck.StartPeriod, Retries: c.Healthcheck.Retries}
		}
		if len(c.ExposedPorts) > 0 {
			cf.Config.ExposedPorts = map[string]struct{}{}
			for p := range c.ExposedPorts {
				cf.Config.ExposedPorts[p] = struct{}{}
			}
		}
	}
	img := &Image{
		Source:      SourceDaemon,
		ID:          ins.ID,
		RepoTags:    ins.RepoTags,
		RepoDigests: ins.RepoDigests,
		src:         src,
	}
	if len(ins.RepoDigests) > 0 {
		if _, d, ok := strings.Cut(ins.RepoDigests[0], "@"); ok {
			img.Digest = d
		}
	}
	// docker save writes layers uncompressed: the blob digest is the diff id.
	var sizes []int64
	for _, h := range items {
		if h.Size > 0 {
			sizes = append(sizes, h.Size)
		}
	}
	for i, d := range cf.RootFS.DiffIDs {
		l := Layer{Digest: d.String(), DiffID: d.String(), MediaType: "application/vnd.docker.image.rootfs.diff.tar"}
		if len(sizes) == len(cf.RootFS.DiffIDs) {
			l.Size = sizes[i]
		}
		img.Layers = append(img.Layers, l)
	}
	img.fillFromConfig(cf)
	return img, nil
}

// stream reads the image save stream once. For every layer tar in it that
// wanted accepts, walk is called with the layer's bytes, and the function it
// returns is then called with the indexes the layer turned out to have.
// docker 20.10 names layers in the stream by a v1 id, so their diff id (and
// so their index) is known only after hashing them; such layers are walked
// whatever wanted says, and finish may then get indexes wanted refuses.
// With a nil walk, stream only learns which entry is which layer.
func (d *daemonSource) stream(ctx context.Context, img *Image, wanted func(idx []int) bool,
	walk func(r io.Reader) (finish func(idx []int) error)) error {
	res, err := d.cli.ImageSave(ctx, []string{d.ref})
	if err != nil {
		return daemonErr(img.Name, "save image", err)
	}
	defer res.Close()
	pr := &progressReader{r: res, w: d.progress, name: img.Name, layers: len(img.Layers), total: img.TotalSize(), last: time.Now()}
	defer pr.done()
	br := bufio.NewReaderSize(pr, readBufferSize)
	tr := tar.NewReader(br)
	for n := 0; ; n++ {
		if n > maxArchiveEntries {
			return fmt.Errorf("save stream of %q: more than %d entries: %w", img.Name, maxArchiveEntries, ErrLimit)
		}
		h, err := tr.Next()
		if err == io.EOF {
			d.saveNames(len(img.Layers))
			return nil
		}
		if err != nil {
			return daemonErr(img.Name, "read image save stream", err)
		}
		if h.Typeflag != tar.TypeReg && h.Typeflag != tar.TypeRegA {
			continue
		}
		name, _ := cleanPath(h.Name)
		var known []int
		switch {
		case path.Base(name) == "layer.tar":
			d.mu.Lock()
			known = d.names[name]
			d.mu.Unlock()
			if known != nil && !wanted(known) {
				continue
			}
		case strings.HasPrefix(name, "blobs/sha256/"):
			known = d.byDiffID[path.Base(name)]
			if len(known) == 0 {
				continue // the config or a manifest
			}
			if !wanted(known) {
				continue
			}
		default:
			continue
		}
		if known != nil && walk == nil {
			continue
		}
		// Every layer read is hashed: the hash says which layer it is, and
		// checks a name map learnt earlier.
		hasher := sha256.New()
		r := io.TeeReader(tr, hasher)
		var finish func([]int) error
		if walk != nil {
			finish = walk(r)
		}
		if _, err := io.Copy(io.Discard, r); err != nil {
			return daemonErr(img.Name, "read image save stream", err)
		}
		idx := d.byDiffID[hex.EncodeToString(hasher.Sum(nil))]
		pr.seen += len(idx) // a layer that repeats is in the stream once
		if !slices.Equal(idx, known) && path.Base(name) == "layer.tar" {
			d.mu.Lock()
			d.names[name] = idx
			d.mu.Unlock()
		}
		if finish != nil {
			if err := finish(idx); err != nil {
				return err
			}
		}
	}
}

// learn hashes the save stream once so that later streams know which entry
// is which layer before reading it.
func (d *daemonSource) learn(ctx context.Context, img *Image) error {
	d.mu.Lock()
	done := d.learned
	d.mu.Unlock()
	if done {
		return nil
	}
	if err := d.stream(ctx, img, func([]int) bool { return true }, nil); err != nil {
		return err
	}
	d.mu.Lock()
	d.learned = true
	d.mu.Unlock()
	return nil
}

// progressReader counts the bytes of a save stream and writes a progress
// line about them at most every progressEvery, and a last one at the end of
// a stream that took longer than that. last starts as the stream's start.
type progressReader struct {
	r      io.Reader
	w      io.Writer
	name   string
	layers int
	total  int64
	seen   int
	read   int64
	last   time.Time
	wrote  bool
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.read += int64(n)
	if p.w != nil {
		if now := time.Now(); now.Sub(p.last) >= progressEvery {
			p.last = now
			p.line()
		}
	}
	return n, err
}

func (p *progressReader) line() {
	p.wrote = true
	msg := fmt.Sprintf("reading %s from the Docker daemon: %s", p.name, humanBytes(p.read))
	if p.total > 0 && p.read <= p.total {
		msg += " of about " + humanBytes(p.total)
	}
	fmt.Fprintf(p.w, "%s, %d of %d layers read\n", msg, min(p.seen, p.layers), p.layers)
}

// done writes the final line of a stream that printed progress before or
// has been read for progressEvery since.
func (p *progressReader) done() {
	if p.w != nil && (p.wrote || time.Since(p.last) >= progressEvery) {
		p.line()
	}
}

// humanBytes renders n as B, KB, MB or GB (powers of 1000, as docker does).
func humanBytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 2; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMG"[exp])
}
