package image

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"
)

func benchLayer(b *testing.B, files, size int) []byte {
	ents := make([]tarEnt, files)
	body := string(bytes.Repeat([]byte("x"), size))
	for i := range ents {
		ents[i] = tarEnt{name: fmt.Sprintf("d%03d/f%06d", i%500, i), body: body}
	}
	return mkTar(b, ents...)
}

// BenchmarkWalkLayer walks 20,000 files of 2 KiB, reading every file, from
// a plain seekable tar, a gzip stream and a zstd stream.
func BenchmarkWalkLayer(b *testing.B) {
	plain := benchLayer(b, 20_000, 2048)
	for _, tc := range []struct {
		name string
		blob []byte
	}{{"plain", plain}, {"gzip", gz(b, plain)}, {"zstd", zst(b, plain)}} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(plain)))
			for i := 0; i < b.N; i++ {
				_, err := walkStream(context.Background(), "bench", bytes.NewReader(tc.blob), Limits{}, func(e *Entry, r io.Reader) error {
					_, err := io.Copy(io.Discard, r)
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
