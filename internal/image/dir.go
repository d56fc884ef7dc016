package image

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// dirSource is an unpacked root filesystem: one pseudo-layer.
type dirSource struct{ root string }

func (d *dirSource) open(context.Context, int) (io.ReadCloser, error) {
	return nil, errors.New("a dir: source has no layer blob")
}

func (d *dirSource) close() error { return nil }

func openDir(_ context.Context, ref, dir string, _ *options) (*Image, error) {
	abs, err := filepath.Abs(dir)
	if err == nil {
		abs, err = filepath.EvalSymlinks(abs)
	}
	if err != nil {
		return nil, &Error{Op: "open directory", Ref: ref, Kind: notFoundOr(err), Err: err, Hint: pathHint(err)}
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, &Error{Op: "open directory", Ref: ref, Kind: notFoundOr(err), Err: err, Hint: pathHint(err)}
	}
	if !fi.IsDir() {
		return nil, &Error{Op: "open directory", Ref: ref, Kind: ErrBadRef, Err: fmt.Errorf("%s is not a directory", dir), Hint: "dir: takes an unpacked root filesystem; use docker-archive: or oci-archive: for a tar"}
	}
	return &Image{
		Source: SourceDir,
		Root:   abs,
		Layers: []Layer{{CreatedBy: "dir:" + abs}},
		src:    &dirSource{root: abs},
	}, nil
}

// DirOptions tune WalkDir.
type DirOptions struct {
	Limits Limits
	// Skip, when set, is asked for every path (relative, slash separated);
	// true skips the file, or the whole directory.
	Skip func(path string, isDir bool) bool
}

// WalkDir walks the directory tree at root as one layer: entries in lexical
// order, paths relative to root, symlinks reported and never followed, only
// regular files opened (inside root). The same limits as a layer walk apply.
func WalkDir(ctx context.Context, root string, opts DirOptions, fn WalkFunc) (Stats, error) {
	limits := opts.Limits.WithDefaults()
	var st Stats
	r, err := os.OpenRoot(root)
	if err != nil {
		return st, fmt.Errorf("walk %s: %w", root, err)
	}
	defer r.Close()
	rootInfo, err := os.Stat(root)
	if err != nil {
		return st, fmt.Errorf("walk %s: %w", root, err)
	}
	_, _, rootDev := owner(rootInfo)
	isSlash := filepath.Clean(root) == "/"
	var e Entry
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, werr error) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, rerr := filepath.Rel(root, p)
		if rerr != nil || rel == "." {
			return werr
		}
		rel = filepath.ToSlash(rel)
		if werr != nil {
			st.warn(limits.MaxWarnings, "dir %s: %q: %v: skipped", root, rel, werr)
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if opts.Skip != nil && opts.Skip(rel, d.IsDir()) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		st.Entries++
		if st.Entries > limits.MaxEntries {
			st.Truncated = true
			st.warn(limits.MaxWarnings, "dir %s: walk stopped after %d entries", root, limits.MaxEntries)
			return fmt.Errorf("dir %s: more than %d entries: %w", root, limits.MaxEntries, ErrLimit)
		}
		fi, err := d.Info()
		if err != nil {
			st.warn(limits.MaxWarnings, "dir %s: %q: %v: skipped", root, rel, err)
			return nil
		}
		uid, gid, dev := owner(fi)
		e = Entry{Path: rel, Mode: fi.Mode(), Uid: uid, Gid: gid}
		mode := fi.Mode()
		switch {
		case mode.IsDir():
			e.Type = TypeDir
			// Do not wander into another filesystem's /proc, /sys or /dev.
			if isSlash && dev != rootDev && (rel == "proc" || rel == "sys" || rel == "dev") {
				if err := fn(&e, emptyReader); err != nil {
					return err
				}
				return fs.SkipDir
			}
		case mode&fs.ModeSymlink != 0:
			e.Type = TypeSymlink
			target, err := os.Readlink(p)
			if err != nil {
				st.warn(limits.MaxWarnings, "dir %s: %q: %v", root, rel, err)
			}
			e.Linkname = target
			dir := ""
			if i := strings.LastIndexByte(rel, '/'); i >= 0 {
				dir = rel[:i+1]
			}
			if linkEscapes(dir, target) {
				e.OutsideRoot = true
				st.warn(limits.MaxWarnings, "dir %s: symlink %q points out of the root (%q): not followed", root, rel, target)
			}
		case mode.IsRegular():
			e.Type = TypeRegular
			e.Size = fi.Size()
			st.Files++
			st.Bytes += e.Size
			if st.Bytes > limits.MaxLayerBytes {
				st.Truncated = true
				st.warn(limits.MaxWarnings, "dir %s: walk stopped: over %d bytes of files", root, limits.MaxLayerBytes)
				return fmt.Errorf("dir %s: files exceed %d bytes: %w", root, limits.MaxLayerBytes, ErrLimit)
			}
			if e.Size > limits.MaxFileBytes {
				e.TooLarge = true
				st.warn(limits.MaxWarnings, "dir %s: %q is %d bytes, over the %d-byte file limit: content not read", root, rel, e.Size, limits.MaxFileBytes)
				return fn(&e, emptyReader)
			}
			return callWithFile(r, &e, fn, &st, limits, root)
		case mode&(fs.ModeDevice|fs.ModeCharDevice) != 0:
			e.Type = TypeDevice
			st.warn(limits.MaxWarnings, "dir %s: device file %q: reported, not read", root, rel)
		case mode&fs.ModeNamedPipe != 0:
			e.Type = TypeFifo
		default:
			e.Type = TypeOther
		}
		return fn(&e, emptyReader)
	})
	return st, err
}

// callWithFile opens a regular file inside root lazily: the open happens on
// the first read, so files nobody reads are never opened.
func callWithFile(r *os.Root, e *Entry, fn WalkFunc, st *Stats, limits Limits, root string) error {
	lf := &lazyFile{root: r, name: filepath.FromSlash(e.Path), size: e.Size}
	defer lf.close()
	err := fn(e, lf)
	if lf.err != nil && err == nil {
		st.warn(limits.MaxWarnings, "dir %s: %q: %v: not read", root, e.Path, lf.err)
	}
	return err
}

type lazyFile struct {
	root *os.Root
	name string
	size int64
	f    *os.File
	r    io.Reader
	err  error
}

func (l *lazyFile) Read(p []byte) (int, error) {
	if l.r == nil {
		if l.err != nil {
			return 0, l.err
		}
		f, err := l.root.Open(l.name)
		if err != nil {
			l.err = err
			return 0, err
		}
		l.f = f
		// The file may have grown since it was listed: read no more than
		// the size the entry says.
		l.r = io.LimitReader(f, l.size)
	}
	return l.r.Read(p)
}

// ReadAt gives random access to the file (opened on first use), up to the
// size the entry says.
func (l *lazyFile) ReadAt(p []byte, off int64) (int, error) {
	if l.f == nil {
		if l.err != nil {
			return 0, l.err
		}
		f, err := l.root.Open(l.name)
		if err != nil {
			l.err = err
			return 0, err
		}
		l.f = f
		l.r = io.LimitReader(f, l.size)
	}
	if off >= l.size {
		return 0, io.EOF
	}
	if max := l.size - off; int64(len(p)) > max {
		n, err := l.f.ReadAt(p[:max], off)
		if err == nil {
			err = io.EOF
		}
		return n, err
	}
	return l.f.ReadAt(p, off)
}

func (l *lazyFile) close() {
	if l.f != nil {
		l.f.Close()
	}
}
