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
