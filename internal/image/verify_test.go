package image

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"
)

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

// onlyReader hides every method but Read, as a network stream.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func TestWalkVerified(t *testing.T) {
	honest := mkTar(t, tarEnt{name: "a.txt", body: "honest"}, tarEnt{name: "big", body: strings.Repeat("x", 300<<10)})
	other := mkTar(t, tarEnt{name: "a.txt", body: "crafted"})
	big := mkTar(t, tarEnt{name: "big", body: strings.Repeat("y", 5<<20)})
	gzHonest, zsHonest := gz(t, honest), zst(t, honest)
	type tc struct {
		name     string
		blob     []byte
		v        verifier
		stream   bool   // hide Seek and ReadAt
		limits   Limits // zero: defaults
		wantErr  string // "" for success
		verified bool
		mismatch bool
	}
	cases := []tc{
		{name: "plain seekable", blob: honest, v: verifier{blob: sha(honest), diff: sha(honest)}, verified: true},
		{name: "plain seekable, large", blob: big, v: verifier{blob: sha(big), diff: sha(big)}, verified: true},
		{name: "plain seekable, wrong diff_id", blob: other, v: verifier{blob: sha(honest), diff: sha(honest)}, wantErr: "diff_id", mismatch: true},
		{name: "plain stream", blob: honest, v: verifier{diff: sha(honest)}, stream: true, verified: true},
		{name: "plain stream, wrong diff_id", blob: other, v: verifier{diff: sha(honest)}, stream: true, wantErr: "diff_id", mismatch: true},
		{name: "gzip", blob: gzHonest, v: verifier{blob: sha(gzHonest), diff: sha(honest)}, verified: true},
		{name: "gzip seekable", blob: gzHonest, v: verifier{blob: sha(gzHonest), diff: sha(honest)}, verified: true},
		{name: "gzip, wrong diff_id", blob: gz(t, other), v: verifier{blob: sha(gz(t, other)), diff: sha(honest)}, stream: true, wantErr: "diff_id", mismatch: true},
		{name: "gzip, wrong blob digest", blob: gzHonest, v: verifier{blob: sha(gz(t, other)), diff: sha(honest)}, stream: true, wantErr: "blob", mismatch: true},
		{name: "gzip, trailing bytes", blob: append(append([]byte{}, gzHonest...), 0, 0, 0), v: verifier{blob: sha(gzHonest), diff: sha(honest)}, stream: true, wantErr: "gzip"},
		{name: "zstd", blob: zsHonest, v: verifier{blob: sha(zsHonest), diff: sha(honest)}, stream: true, verified: true},
		{name: "zstd, wrong diff_id", blob: zst(t, other), v: verifier{blob: sha(zst(t, other)), diff: sha(honest)}, stream: true, wantErr: "diff_id", mismatch: true},
		{name: "no diff_id: not verified", blob: honest, v: verifier{}, verified: false},
		{name: "unknown algorithm: not verified", blob: honest, v: verifier{diff: "md5:00"}, verified: false},
		{name: "a limit stops the walk: not verified", blob: big, v: verifier{blob: sha(big), diff: sha(big)}, limits: Limits{MaxLayerBytes: 1 << 20}, wantErr: "exceeds"},
		{name: "a limit stops a stream: not verified", blob: gz(t, big), v: verifier{blob: sha(gz(t, big)), diff: sha(big)}, stream: true, limits: Limits{MaxLayerBytes: 1 << 20}, wantErr: "exceeds"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var r io.Reader = bytes.NewReader(c.blob)
			if c.stream {
				r = onlyReader{r}
			}
			st, err := walkVerified(context.Background(), "sha256:layer", r, c.limits, &c.v, func(e *Entry, r io.Reader) error {
				_, err := io.Copy(io.Discard, io.LimitReader(r, 10))
				return err
			})
			switch {
			case c.wantErr == "" && err != nil:
				t.Fatalf("error %v", err)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Fatalf("error %v, want one with %q", err, c.wantErr)
			}
			if got := errors.Is(err, ErrDigestMismatch); got != c.mismatch {
				t.Errorf("errors.Is(err, ErrDigestMismatch) = %v, want %v (%v)", got, c.mismatch, err)
			}
			if c.mismatch && !strings.Contains(err.Error(), "layer sha256:layer") {
				t.Errorf("error %q does not name the layer", err)
			}
			if st.Verified != c.verified {
				t.Errorf("Verified = %v, want %v", st.Verified, c.verified)
			}
		})
	}
}

// FuzzWalkVerified walks arbitrary blobs with a verifier: checked against
// their own digest they verify whenever the walk succeeds (as a stream and
// with random access alike), against another they never do.
func FuzzWalkVerified(f *testing.F) {
	layer := mkTar(f, tarEnt{name: "etc/os-release", body: "ID=debian\n"}, tarEnt{name: "big", body: strings.Repeat("z", 70000)})
	f.Add(layer)
	f.Add(gz(f, layer))
	f.Add(zst(f, layer))
	f.Add(gz(f, layer)[:40])
	f.Fuzz(func(t *testing.T, b []byte) {
		limits := Limits{MaxLayerBytes: 8 << 20, MaxEntries: 10000, MaxFileBytes: 1 << 20}
		fn := func(e *Entry, r io.Reader) error { _, err := io.Copy(io.Discard, r); return err }
		// The uncompressed digest is unknown for arbitrary input: learn it
		// from an unverified walk that hashes what the tar reader saw.
		for _, stream := range []bool{false, true} {
			var r io.Reader = bytes.NewReader(b)
			if stream {
				r = onlyReader{r}
			}
			wrong := &verifier{blob: sha(append([]byte("x"), b...)), diff: sha(append([]byte("y"), b...))}
			st, err := walkVerified(context.Background(), "fuzz", r, limits, wrong, fn)
			if st.Verified {
				t.Fatalf("verified against a wrong digest (err %v)", err)
			}
			if err == nil && !st.Truncated {
				t.Fatalf("no error for a wrong digest")
			}
		}
		// A plain tar's blob is its uncompressed stream: its own digest
		// verifies it whenever the walk succeeds.
		if !bytes.HasPrefix(b, gzipMagic) && !bytes.HasPrefix(b, zstdMagic) {
			for _, stream := range []bool{false, true} {
				var r io.Reader = bytes.NewReader(b)
				if stream {
					r = onlyReader{r}
				}
				st, err := walkVerified(context.Background(), "fuzz", r, limits, &verifier{blob: sha(b), diff: sha(b)}, fn)
				if err == nil && !st.Truncated && !st.Verified {
					t.Fatalf("stream=%v: a walk of a plain tar against its own digest succeeded unverified", stream)
				}
			}
		}
	})
}
