package image

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"path"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// EntryType says what a layer entry is.
type EntryType uint8

// The entry types. Whiteout and Opaque are overlay markers, not files.
const (
	TypeRegular EntryType = iota
	TypeDir
	TypeSymlink
	TypeHardlink
	// TypeWhiteout deletes Path (and everything under it) from lower layers.
	TypeWhiteout
	// TypeOpaque marks directory Path as opaque: lower layers' contents of
	// it are hidden.
	TypeOpaque
	// TypeDevice is a character or block device; its content is never read.
	TypeDevice
	// TypeFifo is a named pipe.
	TypeFifo
	// TypeOther is anything else a tar may hold (sockets, unknown types).
	TypeOther
)

var entryTypeNames = [...]string{"regular", "dir", "symlink", "hardlink", "whiteout", "opaque", "device", "fifo", "other"}

// String names the type.
func (t EntryType) String() string {
	if int(t) < len(entryTypeNames) {
		return entryTypeNames[t]
	}
	return "other"
}

// Entry is one entry of a layer.
type Entry struct {
	// Path is clean, slash separated, with no leading slash. For whiteouts
	// it is the path deleted; for opaque markers the directory.
	Path string
	Type EntryType
	// Mode holds the permission bits plus the fs.FileMode type bits of the
	// entry (setuid/setgid/sticky included).
	Mode fs.FileMode
	Size int64
	Uid  int
	Gid  int
	// Linkname is a symlink's target as written, or a hardlink's target
	// path cleaned like Path.
	Linkname string
	// OutsideRoot is set on links whose target leaves the root. Such links
	// are reported, never followed.
	OutsideRoot bool
	// TooLarge is set on regular files bigger than Limits.MaxFileBytes: the
	// reader handed with them is empty.
	TooLarge bool
}

// Limits bound what one walk may consume. Zero fields take the defaults.
type Limits struct {
	// MaxLayerBytes bounds the uncompressed bytes of one layer.
	MaxLayerBytes int64
	// MaxFileBytes bounds the size of a file whose content is handed on.
	MaxFileBytes int64
	// MaxEntries bounds the entries of one layer.
	MaxEntries int
	// MaxWarnings bounds the warnings kept in Stats.
	MaxWarnings int
}

// The default limits.
const (
	DefaultMaxLayerBytes = 16 << 30
	DefaultMaxFileBytes  = 1 << 30
	DefaultMaxEntries    = 1_000_000
	DefaultMaxWarnings   = 100
)

// WithDefaults returns l with zero fields set to the defaults.
func (l Limits) WithDefaults() Limits {
	if l.MaxLayerBytes <= 0 {
		l.MaxLayerBytes = DefaultMaxLayerBytes
	}
	if l.MaxFileBytes <= 0 {
		l.MaxFileBytes = DefaultMaxFileBytes
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultMaxEntries
	}
	if l.MaxWarnings <= 0 {
		l.MaxWarnings = DefaultMaxWarnings
	}
	return l
}

// Stats tells what a walk saw.
type Stats struct {
	Entries int
	Files   int
	// Bytes is the uncompressed size of the layer stream read.
	Bytes int64
	// Warnings are bounded outcomes of hostile or odd entries; at most
	// Limits.MaxWarnings are kept and DroppedWarnings counts the rest.
	Warnings        []string
	DroppedWarnings int
	// Truncated is set when a limit stopped the walk early.
	Truncated bool
	// Verified is set when the whole layer was read and hashed to the
	// digests its manifest and config give it: only then may what the walk
	// saw be stored under those digests.
	Verified bool
}

func (s *Stats) warn(max int, format string, args ...any) {
	if len(s.Warnings) >= max {
		s.DroppedWarnings++
		return
	}
	s.Warnings = append(s.Warnings, fmt.Sprintf(format, args...))
}

// ErrLimit is wrapped by the errors of walks stopped by a Limits bound.
var ErrLimit = errors.New("limit reached")

// WalkFunc is called for each entry of a layer. r yields a regular file's
// content (at most Entry.Size bytes) and is empty for every other type; it is
// valid only during the call, and need not be read to the end.
type WalkFunc func(e *Entry, r io.Reader) error

const (
	opaqueMarker   = ".wh..wh..opq"
	whiteoutPrefix = ".wh."
)

var (
	gzipMagic = []byte{0x1f, 0x8b}
	zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

const readBufferSize = 1 << 20

var bufPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, readBufferSize) }}
var gzipPool sync.Pool // *gzip.Reader

// zstdMaxWindow bounds the memory a zstd frame may ask for.
const zstdMaxWindow = 64 << 20

// walkStream walks one layer blob (gzip, zstd or plain tar) from r. name
// identifies the layer in errors and warnings.
func walkStream(ctx context.Context, name string, r io.Reader, limits Limits, fn WalkFunc) (Stats, error) {
	return walkVerified(ctx, name, r, limits, nil, fn)
}

// walkVerified is walkStream that, with a usable verifier, also hashes the
// whole blob as it streams and checks it against the layer's digests: a
// mismatch is an error wrapping ErrDigestMismatch, a match sets
// Stats.Verified. A walk that a limit or an error stopped is not verified.
func walkVerified(ctx context.Context, name string, r io.Reader, limits Limits, v *verifier, fn WalkFunc) (Stats, error) {
	limits = limits.WithDefaults()
	if !v.enabled() {
		v = nil
	}
	// A seekable plain tar lets archive/tar skip file data without reading it.
	if rs, ok := r.(io.ReadSeeker); ok {
		var magic [4]byte
		n, _ := io.ReadFull(rs, magic[:])
		if _, err := rs.Seek(0, io.SeekStart); err != nil {
			return Stats{}, fmt.Errorf("layer %s: seek: %w", name, err)
		}
		if !bytes.HasPrefix(magic[:n], gzipMagic) && !bytes.HasPrefix(magic[:n], zstdMagic) {
			ra, _ := r.(io.ReaderAt)
			if ra != nil {
				if v != nil {
					return walkPlainVerified(ctx, name, rs, ra, limits, v, fn)
				}
				// Headers and small files come from one big read; large
				// files nobody reads are skipped by seeking.
				bs := &bufferedSeeker{ra: ra, buf: seekBufPool.Get().(*[]byte)}
				defer seekBufPool.Put(bs.buf)
				rs = bs
			}
			if v == nil {
				return walkTarAt(ctx, name, &countingReadSeeker{r: rs, max: limits.MaxLayerBytes}, ra, limits, fn)
			}
			// Verified without random access: read it as a stream.
		}
	}
	// The hashes run in goroutines of their own: with a free core they
	// cost the walk no time.
	var raw, diff *asyncHash
	if v != nil {
		rh, dh := v.newHashes()
		diff = newAsyncHash(dh)
		defer diff.close()
		if rh != nil {
			raw = newAsyncHash(rh)
			defer raw.close()
		}
	}
	var src io.Reader = r
	if raw != nil {
		src = io.TeeReader(r, raw)
	}
	br := bufPool.Get().(*bufio.Reader)
	br.Reset(src)
	defer func() { br.Reset(nil); bufPool.Put(br) }()
	tee := func(r io.Reader) io.Reader {
		if diff == nil {
			return r
		}
		return io.TeeReader(r, diff)
	}
	// drain reads what the tar reader left of the uncompressed stream, so
	// that a corrupt or truncated trailer is noticed and the hash is whole.
	drain := func(st Stats, err error, op string, dr io.Reader) (Stats, error) {
		if err == nil && !st.Truncated {
			if _, derr := io.Copy(io.Discard, &countingReader{r: dr, max: limits.MaxLayerBytes - st.Bytes}); derr != nil {
				err = layerErr(name, op, derr)
			}
		}
		return st, err
	}
	finish := func(st Stats, err error) (Stats, error) {
		if v == nil || err != nil || st.Truncated {
			return st, err
		}
		// Bytes after the compressed stream are part of the blob.
		if _, derr := io.Copy(io.Discard, &countingReader{r: br, max: limits.MaxLayerBytes}); derr != nil {
			return st, layerErr(name, "read", derr)
		}
		var rawSum hash.Hash
		if raw != nil {
			rawSum = raw.finish()
		}
		if err := v.check(name, rawSum, diff.finish()); err != nil {
			return st, err
		}
		st.Verified = true
		return st, nil
	}
	magic, _ := br.Peek(4)
	switch {
	case bytes.HasPrefix(magic, gzipMagic):
		var zr *gzip.Reader
		if v := gzipPool.Get(); v != nil {
			zr = v.(*gzip.Reader)
			if err := zr.Reset(br); err != nil {
				gzipPool.Put(zr)
				return Stats{}, fmt.Errorf("layer %s: gzip: %w", name, err)
			}
		} else {
			var err error
			if zr, err = gzip.NewReader(br); err != nil {
				return Stats{}, fmt.Errorf("layer %s: gzip: %w", name, err)
			}
		}
		defer gzipPool.Put(zr)
		dr := tee(zr)
		st, err := walkTar(ctx, name, &countingReader{r: dr, max: limits.MaxLayerBytes}, limits, fn)
		return finish(drain(st, err, "gzip", dr))
	case bytes.HasPrefix(magic, zstdMagic):
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(zstdMaxWindow),
			zstd.WithDecoderMaxMemory(uint64(min(limits.MaxLayerBytes, 1<<40))))
		if err != nil {
			return Stats{}, fmt.Errorf("layer %s: zstd: %w", name, err)
		}
		defer zr.Close()
		dr := tee(zr)
		st, err := walkTar(ctx, name, &countingReader{r: dr, max: limits.MaxLayerBytes}, limits, fn)
		if v == nil {
			return st, err
		}
		return finish(drain(st, err, "zstd", dr))
	default:
		dr := tee(br)
		st, err := walkTar(ctx, name, &countingReader{r: dr, max: limits.MaxLayerBytes}, limits, fn)
		if v == nil {
			return st, err
		}
		return finish(drain(st, err, "read tar", dr))
	}
}

// walkPlainVerified walks a plain tar with random access, skipping the file
// data nobody reads, while another goroutine hashes the whole blob.
func walkPlainVerified(ctx context.Context, name string, rs io.ReadSeeker, ra io.ReaderAt, limits Limits, v *verifier, fn WalkFunc) (Stats, error) {
	size, err := sizeOf(rs)
	if err != nil {
		return Stats{}, fmt.Errorf("layer %s: seek: %w", name, err)
	}
	raw, diff := v.newHashes()
	hs := []hash.Hash{diff}
	if raw != nil {
		// The stored bytes are the tar: one read feeds both.
		hs = append(hs, raw)
	}
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- hashSection(ra, min(size, limits.MaxLayerBytes+1), stop, hs...) }()
	bs := &bufferedSeeker{ra: ra, buf: seekBufPool.Get().(*[]byte)}
	defer seekBufPool.Put(bs.buf)
	st, err := walkTarAt(ctx, name, &countingReadSeeker{r: bs, max: limits.MaxLayerBytes}, ra, limits, fn)
	if err != nil || st.Truncated || size > limits.MaxLayerBytes {
		close(stop)
		<-done
		return st, err
	}
	if herr := <-done; herr != nil {
		return st, layerErr(name, "read", herr)
	}
	if err := v.check(name, raw, diff); err != nil {
		return st, err
	}
	st.Verified = true
	return st, nil
}

func layerErr(name, op string, err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return fmt.Errorf("layer %s: %s: stream is truncated: %w", name, op, io.ErrUnexpectedEOF)
	}
	return fmt.Errorf("layer %s: %s: %w", name, op, err)
}

type byteCounter interface{ count() int64 }

// countingReader counts bytes and fails once more than max were read.
type countingReader struct {
	r   io.Reader
	n   int64
	max int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n > c.max {
		return n, fmt.Errorf("uncompressed size exceeds %d bytes: %w", c.max, ErrLimit)
	}
	return n, err
}

func (c *countingReader) count() int64 { return c.n }

// countingReadSeeker tracks the offset of a seekable stream.
type countingReadSeeker struct {
	r   io.ReadSeeker
	off int64
	max int64
}

func (c *countingReadSeeker) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.off += int64(n)
	if c.off > c.max {
		return n, fmt.Errorf("uncompressed size exceeds %d bytes: %w", c.max, ErrLimit)
	}
	return n, err
}

func (c *countingReadSeeker) Seek(off int64, whence int) (int64, error) {
	n, err := c.r.Seek(off, whence)
	if err == nil {
		c.off = n
		if c.off > c.max {
			return n, fmt.Errorf("uncompressed size exceeds %d bytes: %w", c.max, ErrLimit)
		}
	}
	return n, err
}

func (c *countingReadSeeker) count() int64 { return c.off }

var emptyReader = bytes.NewReader(nil)

// walkTar reads a tar stream and calls fn per entry.
func walkTar(ctx context.Context, name string, r io.Reader, limits Limits, fn WalkFunc) (st Stats, _ error) {
	return walkTarAt(ctx, name, r, nil, limits, fn)
}

// walkTarAt is walkTar over a stream that is also random access (ra, whose
// offsets r's counter tracks): regular files are then handed as sections of
// ra, also io.ReaderAt, so consumers read only what they need.
func walkTarAt(ctx context.Context, name string, r io.Reader, ra io.ReaderAt, limits Limits, fn WalkFunc) (st Stats, _ error) {
	counter, _ := r.(byteCounter)
	if counter == nil {
		ra = nil
	}
	defer func() {
		if counter != nil {
			st.Bytes = counter.count()
		}
	}()
	tr := tar.NewReader(r)
	var e Entry
	for {
		if st.Entries%256 == 0 {
			if err := ctx.Err(); err != nil {
				return st, err
			}
		}
		h, err := tr.Next()
		if err == io.EOF {
			return st, nil
		}
		if err != nil {
			if errors.Is(err, ErrLimit) {
				st.Truncated = true
				st.warn(limits.MaxWarnings, "layer %s: walk stopped: %v", name, err)
				return st, fmt.Errorf("layer %s: %w", name, err)
			}
			return st, layerErr(name, "read tar", err)
		}
		st.Entries++
		if st.Entries > limits.MaxEntries {
			st.Truncated = true
			st.warn(limits.MaxWarnings, "layer %s: walk stopped after %d entries", name, limits.MaxEntries)
			return st, fmt.Errorf("layer %s: more than %d entries: %w", name, limits.MaxEntries, ErrLimit)
		}
		if !entryFromHeader(&e, h, name, &st, limits) {
			continue
		}
		var body io.Reader = emptyReader
		if e.Type == TypeRegular {
			st.Files++
			switch {
			case e.TooLarge:
				st.warn(limits.MaxWarnings, "layer %s: %q is %d bytes, over the %d-byte file limit: content not read", name, e.Path, e.Size, limits.MaxFileBytes)
			case ra != nil && !isSparse(h):
				body = io.NewSectionReader(ra, counter.count(), e.Size)
			default:
				body = tr
			}
		}
		if err := fn(&e, body); err != nil {
			if errors.Is(err, ErrLimit) {
				st.Truncated = true
				st.warn(limits.MaxWarnings, "layer %s: walk stopped: %v", name, err)
				return st, fmt.Errorf("layer %s: %w", name, err)
			}
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return st, layerErr(name, "read "+e.Path, err)
			}
			return st, err
		}
	}
}

// isSparse reports whether a header describes a sparse file, whose data
// is not stored contiguously.
func isSparse(h *tar.Header) bool {
	if h.Typeflag == tar.TypeGNUSparse {
		return true
	}
	for k := range h.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return true
		}
	}
	return false
}

// cleanPath makes an archive name a clean root-relative path. ok is false
// when the name escapes the root with "..".
func cleanPath(name string) (p string, escapes bool) {
	if !strings.Contains(name, "..") {
		p = path.Clean("/" + name)
		return strings.TrimPrefix(p, "/"), false
	}
	depth := 0
	for _, part := range strings.Split(name, "/") {
		switch part {
		case "", ".":
		case "..":
			depth--
			if depth < 0 {
				return "", true
			}
		default:
			depth++
		}
	}
	return strings.TrimPrefix(path.Clean("/"+name), "/"), false
}

// entryFromHeader fills e from h. It returns false for entries to skip
// (after recording why in st).
func entryFromHeader(e *Entry, h *tar.Header, layer string, st *Stats, limits Limits) bool {
	*e = Entry{}
	name := h.Name
	if strings.HasPrefix(name, "/") {
		st.warn(limits.MaxWarnings, "layer %s: entry %q has an absolute path: read as relative to the root", layer, name)
	}
	p, escapes := cleanPath(name)
	if escapes {
		st.warn(limits.MaxWarnings, "layer %s: entry %q escapes the root: skipped", layer, name)
		return false
	}
	if p == "" || p == "." {
		// The root itself.
		return false
	}
	e.Path = p
	e.Mode = h.FileInfo().Mode()
	e.Size = h.Size
	e.Uid = h.Uid
	e.Gid = h.Gid

	if strings.Contains(p, whiteoutPrefix+whiteoutPrefix) && !strings.HasSuffix(p, "/"+opaqueMarker) {
		// aufs metadata (.wh..wh.plnk/..., .wh..wh.aufs): not files.
		for _, part := range strings.Split(p, "/") {
			if strings.HasPrefix(part, whiteoutPrefix+whiteoutPrefix) && part != opaqueMarker {
				return false
			}
		}
	}
	dir, base := path.Split(p)
	if strings.HasPrefix(base, whiteoutPrefix) {
		dir = strings.TrimSuffix(dir, "/")
		switch {
		case base == opaqueMarker:
			if dir == "" {
				st.warn(limits.MaxWarnings, "layer %s: opaque marker at the root: ignored", layer)
				return false
			}
			e.Type = TypeOpaque
			e.Path = dir
		default:
			e.Type = TypeWhiteout
			e.Path = path.Join(dir, base[len(whiteoutPrefix):])
		}
		e.Size = 0
		return true
	}

	switch h.Typeflag {
	case tar.TypeReg, tar.TypeRegA, tar.TypeGNUSparse:
		e.Type = TypeRegular
		e.TooLarge = h.Size > limits.MaxFileBytes
	case tar.TypeDir:
		e.Type = TypeDir
		e.Size = 0
	case tar.TypeSymlink:
		e.Type = TypeSymlink
		e.Linkname = h.Linkname
		e.Size = 0
		if linkEscapes(dir, h.Linkname) {
			e.OutsideRoot = true
			st.warn(limits.MaxWarnings, "layer %s: symlink %q points out of the root (%q): not followed", layer, p, h.Linkname)
		}
	case tar.TypeLink:
		e.Type = TypeHardlink
		e.Size = 0
		target, esc := cleanPath(h.Linkname)
		if esc || target == "" {
			e.OutsideRoot = true
			e.Linkname = h.Linkname
			st.warn(limits.MaxWarnings, "layer %s: hardlink %q points out of the root (%q): not followed", layer, p, h.Linkname)
		} else {
			e.Linkname = target
		}
	case tar.TypeChar, tar.TypeBlock:
		e.Type = TypeDevice
		e.Size = 0
		st.warn(limits.MaxWarnings, "layer %s: device file %q: reported, not read", layer, p)
	case tar.TypeFifo:
		e.Type = TypeFifo
		e.Size = 0
	default:
		e.Type = TypeOther
		e.Size = 0
	}
	return true
}

// linkEscapes reports whether a symlink in dir pointing to target would,
// resolved textually on a host, leave the root. Absolute targets resolve
// inside the root in a container, so only ".." climbs count.
func linkEscapes(dir, target string) bool {
	if strings.HasPrefix(target, "/") {
		_, esc := cleanPath(target)
		return esc
	}
	_, esc := cleanPath(dir + target)
	return esc
}

var seekBufPool = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// bufferedSeeker reads an io.ReaderAt through a buffer, and seeks by
// moving its offset: skipping data costs nothing.
type bufferedSeeker struct {
	ra       io.ReaderAt
	buf      *[]byte
	off      int64 // logical offset
	bufStart int64 // file offset of (*buf)[0]
	bufLen   int
	eof      bool
}

func (b *bufferedSeeker) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if b.off < b.bufStart || b.off >= b.bufStart+int64(b.bufLen) {
		if b.eof && b.off >= b.bufStart+int64(b.bufLen) && b.off >= b.bufStart {
			return 0, io.EOF
		}
		// Big reads go straight to the caller's buffer.
		if len(p) >= len(*b.buf) {
			n, err := b.ra.ReadAt(p, b.off)
			b.off += int64(n)
			if err == io.EOF && n > 0 {
				err = nil
			}
			return n, err
		}
		// After a seek (tar skipping a file) read a little: the next
		// header may be all that is wanted. Sequential reads get the
		// whole buffer.
		want := *b.buf
		if b.off != b.bufStart+int64(b.bufLen) && len(want) > 16<<10 {
			want = want[:16<<10]
		}
		n, err := b.ra.ReadAt(want, b.off)
		b.bufStart, b.bufLen = b.off, n
		b.eof = err == io.EOF
		if err != nil && err != io.EOF {
			return 0, err
		}
		if n == 0 {
			return 0, io.EOF
		}
	}
	n := copy(p, (*b.buf)[b.off-b.bufStart:b.bufLen])
	b.off += int64(n)
	return n, nil
}

func (b *bufferedSeeker) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		off += b.off
	default:
		return 0, errors.New("bufferedSeeker: SeekEnd is not supported")
	}
	if off < 0 {
		return 0, errors.New("bufferedSeeker: negative offset")
	}
	b.off = off
	return off, nil
}
