package image

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"strings"
	"sync"
)

// ErrDigestMismatch is wrapped by the error of a layer whose content does
// not hash to the digest its manifest (blob digest) or its config (diff_id)
// gives it. Such a layer is never cached.
var ErrDigestMismatch = errors.New("layer content does not match its digest")

// verifier checks a layer's digests while it streams: blob is the digest
// of the stored bytes (compressed or not) as the manifest names them, diff
// the config's diff_id, the digest of the uncompressed tar. An empty one is
// not checked.
type verifier struct {
	blob, diff string
}

// newDigester returns a hash for a digest such as sha256:HEX, or nil when
// the algorithm is not one bulkhead checks.
func newDigester(d string) hash.Hash {
	alg, hx, ok := strings.Cut(d, ":")
	if !ok {
		return nil
	}
	switch {
	case alg == "sha256" && len(hx) == 64:
		return sha256.New()
	case alg == "sha512" && len(hx) == 128:
		return sha512.New()
	}
	return nil
}

// enabled reports whether v can check the uncompressed stream: without a
// usable diff_id nothing the walk sees is bound to what the cache keys on.
func (v *verifier) enabled() bool { return v != nil && newDigester(v.diff) != nil }

func sumOf(h hash.Hash, like string) string {
	alg, _, _ := strings.Cut(like, ":")
	return alg + ":" + hex.EncodeToString(h.Sum(nil))
}

// newHashes returns the hash of the uncompressed tar and, when the blob
// digest differs from the diff_id and can be checked, the hash of the
// stored bytes (nil otherwise).
func (v *verifier) newHashes() (raw, diff hash.Hash) {
	diff = newDigester(v.diff)
	if v.blob != "" && v.blob != v.diff {
		raw = newDigester(v.blob)
	}
	return raw, diff
}

// check compares the sums of a fully read layer with the wanted digests.
// raw may be nil (see newHashes).
func (v *verifier) check(name string, raw, diff hash.Hash) error {
	if got := sumOf(diff, v.diff); got != v.diff {
		return fmt.Errorf("layer %s: %w: the config's diff_id is %s, the layer's uncompressed tar hashes to %s", name, ErrDigestMismatch, v.diff, got)
	}
	if raw != nil {
		if got := sumOf(raw, v.blob); got != v.blob {
			return fmt.Errorf("layer %s: %w: the manifest names the blob %s, its bytes hash to %s", name, ErrDigestMismatch, v.blob, got)
		}
	}
	return nil
}

var hashBufPool = sync.Pool{New: func() any { b := make([]byte, 1<<20); return &b }}

// hashSection hashes ra's bytes [0, size) into the hashes, stopping early
// (with errStopped) when stop is closed.
func hashSection(ra io.ReaderAt, size int64, stop <-chan struct{}, hs ...hash.Hash) error {
	bp := hashBufPool.Get().(*[]byte)
	defer hashBufPool.Put(bp)
	buf := *bp
	for off := int64(0); off < size; {
		select {
		case <-stop:
			return errStopped
		default:
		}
		n := int64(len(buf))
		if size-off < n {
			n = size - off
		}
		m, err := ra.ReadAt(buf[:n], off)
		for _, h := range hs {
			h.Write(buf[:m])
		}
		off += int64(m)
		if err != nil {
			if err == io.EOF && off == size {
				break
			}
			if err == io.EOF {
				return io.ErrUnexpectedEOF
			}
			return err
		}
	}
	return nil
}

var errStopped = errors.New("stopped")

// sizeOf returns the size of a seekable stream and rewinds it.
func sizeOf(rs io.Seeker) (int64, error) {
	if s, ok := rs.(interface{ Size() int64 }); ok {
		if _, err := rs.Seek(0, io.SeekStart); err != nil {
			return 0, err
		}
		return s.Size(), nil
	}
	if st, ok := rs.(interface{ Stat() (fs.FileInfo, error) }); ok {
		if fi, err := st.Stat(); err == nil && fi.Mode().IsRegular() {
			if _, err := rs.Seek(0, io.SeekStart); err != nil {
				return 0, err
			}
			return fi.Size(), nil
		}
	}
	n, err := rs.Seek(0, io.SeekEnd)
	if err != nil {
		return 0, err
	}
	_, err = rs.Seek(0, io.SeekStart)
	return n, err
}

// asyncChunk is the size of the buffers an asyncHash hands its goroutine.
const asyncChunk = 256 << 10

var asyncBufPool = sync.Pool{New: func() any { b := make([]byte, 0, asyncChunk); return &b }}

// asyncHash hashes what is written to it in a goroutine of its own. Writes
// are copied into a few rotating buffers, so memory stays bounded (four
// buffers) and a slow hash holds the writer back.
type asyncHash struct {
	h    hash.Hash
	cur  *[]byte
	work chan *[]byte
	free chan *[]byte
	done chan struct{}
	once sync.Once
}

func newAsyncHash(h hash.Hash) *asyncHash {
	a := &asyncHash{h: h, work: make(chan *[]byte, 3), free: make(chan *[]byte, 4), done: make(chan struct{})}
	for i := 0; i < 3; i++ {
		a.free <- asyncBufPool.Get().(*[]byte)
	}
	a.cur = asyncBufPool.Get().(*[]byte)
	go func() {
		defer close(a.done)
		for b := range a.work {
			a.h.Write(*b)
			*b = (*b)[:0]
			a.free <- b
		}
	}()
	return a
}

func (a *asyncHash) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		b := *a.cur
		k := copy(b[len(b):cap(b)], p)
		*a.cur = b[:len(b)+k]
		p = p[k:]
		if len(*a.cur) == cap(*a.cur) {
			a.work <- a.cur
			a.cur = <-a.free
		}
	}
	return n, nil
}

// close hands the last bytes over, waits for the goroutine and returns the
// buffers; later calls do nothing.
func (a *asyncHash) close() {
	a.once.Do(func() {
		if len(*a.cur) > 0 {
			a.work <- a.cur
		} else {
			a.free <- a.cur
		}
		close(a.work)
		<-a.done
		for len(a.free) > 0 {
			b := <-a.free
			*b = (*b)[:0]
			asyncBufPool.Put(b)
		}
	})
}

// finish closes a and returns the hash of everything written.
func (a *asyncHash) finish() hash.Hash {
	a.close()
	return a.h
}
