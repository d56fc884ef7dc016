package image

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"
)

// WalkLayer streams layer i once and calls fn for each entry. For a dir:
// source, layer 0 is the directory. Whiteouts and opaque markers are
// reported as such; hostile entries are skipped or flagged with a warning
// in Stats; a limit stops the walk with an error wrapping ErrLimit (Stats
// then holds what was seen).
func (img *Image) WalkLayer(ctx context.Context, i int, limits Limits, fn WalkFunc) (Stats, error) {
	if i < 0 || i >= len(img.Layers) {
		return Stats{}, fmt.Errorf("walk layer %d of %q: out of range (%d layers)", i, img.Name, len(img.Layers))
	}
	switch src := img.src.(type) {
	case *dirSource:
		return WalkDir(ctx, src.root, DirOptions{Limits: limits}, fn)
	case *daemonSource:
		// One pass learns which save-stream entry is layer i (docker 20.10
		// names them by v1 ids), a second walks just that one. WalkLayers
		// does all layers in a single pass.
		if err := src.learn(ctx, img); err != nil {
			return Stats{}, err
		}
		var st Stats
		var werr error
		found := false
		err := src.stream(ctx, img, func(idx []int) bool { return contains(idx, i) }, func(r io.Reader) func([]int) error {
			lst, lerr := walkStream(ctx, img.layerName(i), r, limits, fn)
			return func(idx []int) error {
				if contains(idx, i) {
					// The stream's hash picked idx: the content is the
					// diff_id's.
					found = true
					st, werr = lst, lerr
					st.Verified = lerr == nil && !lst.Truncated
				}
				return nil
			}
		})
		if err == nil && !found {
			err = fmt.Errorf("layer %s: not in the daemon's image save stream", img.layerName(i))
		}
		if err == nil {
			err = werr
		}
		return st, err
	}
	rc, err := img.src.open(ctx, i)
	if err != nil {
		return Stats{}, fmt.Errorf("open layer %s: %w", img.layerName(i), err)
	}
	defer rc.Close()
	l := img.Layers[i]
	v := &verifier{blob: l.Digest, diff: l.DiffID}
	if _, ok := img.src.(*remoteSource); ok {
		// go-containerregistry checks a blob against its digest as it
		// reads to the end (which the walk does): no second hash.
		v.blob = ""
	}
	return walkVerified(ctx, img.layerName(i), rc, limits, v, fn)
}

func contains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func (img *Image) layerName(i int) string {
	if i < 0 || i >= len(img.Layers) {
		return fmt.Sprint(i)
	}
	id := img.Layers[i].ID()
	if id == "" {
		return fmt.Sprint(i)
	}
	return id
}

// LayerVisitor receives the entries of one layer walked by WalkLayers,
// then its outcome.
type LayerVisitor interface {
	// Visit is called for each entry, like a WalkFunc.
	Visit(e *Entry, r io.Reader) error
	// Done is called once the layer ends, with the indexes it turned out to
	// have (several when the image repeats a layer), its stats and the
	// error that stopped it, if any.
	Done(idx []int, st Stats, err error)
}

// WalkLayers walks the layers listed in want, each exactly once, up to
// parallel at a time (0 means GOMAXPROCS). newVisitor is called as a
// layer's walk starts. For most sources the layer's index is known then and
// passed in; the docker daemon's save stream reveals which layer a stream
// is only at its end, so there newVisitor gets -1 and only Done learns the
// index. newVisitor and Done may be called from several goroutines at once.
// The error is one that stopped the whole walk; per-layer errors go to Done.
func (img *Image) WalkLayers(ctx context.Context, want []int, limits Limits, parallel int, newVisitor func(i int) LayerVisitor) error {
	if len(want) == 0 {
		return nil
	}
	if src, ok := img.src.(*daemonSource); ok {
		wanted := func(idx []int) bool {
			for _, i := range idx {
				if contains(want, i) {
					return true
				}
			}
			return false
		}
		return src.stream(ctx, img, wanted, func(r io.Reader) func([]int) error {
			v := newVisitor(-1)
			st, err := walkStream(ctx, "in the save stream", r, limits, v.Visit)
			return func(idx []int) error {
				var keep []int
				for _, i := range idx {
					if contains(want, i) {
						keep = append(keep, i)
					}
				}
				if len(keep) > 0 {
					// The stream's hash picked the indexes: the content
					// is their diff_id's.
					st.Verified = err == nil && !st.Truncated
					if err != nil {
						err = fmt.Errorf("%s: %w", img.layerName(keep[0]), err)
					}
					v.Done(keep, st, err)
				}
				return ctx.Err()
			}
		})
	}
	if parallel <= 0 {
		parallel = runtime.GOMAXPROCS(0)
	}
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for _, i := range largestFirst(img, want) {
		if err := ctx.Err(); err != nil {
			wg.Wait()
			return err
		}
		sem <- struct{}{}
		wg.Add(1)
		go func(i int) {
			defer func() { <-sem; wg.Done() }()
			v := newVisitor(i)
			st, err := img.WalkLayer(ctx, i, limits, v.Visit)
			v.Done([]int{i}, st, err)
		}(i)
	}
	wg.Wait()
	return ctx.Err()
}

// largestFirst returns want ordered by stored layer size, largest first
// (stable for equal sizes): every layer is read whole and hashed, so a
// large layer started last would leave the other workers idle while it
// finishes alone.
func largestFirst(img *Image, want []int) []int {
	size := func(i int) int64 {
		if i < 0 || i >= len(img.Layers) {
			return 0
		}
		return img.Layers[i].Size
	}
	order := slices.Clone(want)
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(size(b), size(a)) })
	return order
}
