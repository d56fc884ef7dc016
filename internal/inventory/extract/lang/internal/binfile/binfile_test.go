package binfile_test

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lang/internal/binfile"
)

func TestSniff(t *testing.T) {
	tests := []struct {
		magic string
		want  binfile.Format
	}{
		{"\x7fELF", binfile.ELF},
		{"MZ\x90\x00", binfile.PE},
		{"\xcf\xfa\xed\xfe", binfile.MachO},
		{"\xfe\xed\xfa\xce", binfile.MachO},
		{"\xca\xfe\xba\xbe", binfile.MachO},
		{"#!/b", binfile.Unknown},
		{"\x7fEL", binfile.Unknown},
		{"", binfile.Unknown},
	}
	for _, tt := range tests {
		if got := binfile.Sniff([]byte(tt.magic)); got != tt.want {
			t.Errorf("Sniff(%q) = %v, want %v", tt.magic, got, tt.want)
		}
	}
}

// TestPeek checks that after a peek the whole input can still be read,
// from a ReaderAt and from a plain stream.
func TestPeek(t *testing.T) {
	const data = "\x7fELF and the rest"
	for name, r := range map[string]io.Reader{
		"ReaderAt": bytes.NewReader([]byte(data)),
		"stream":   io.MultiReader(strings.NewReader(data)),
	} {
		t.Run(name, func(t *testing.T) {
			magic, in, err := binfile.Peek(&inventory.Input{Path: "bin/x", Size: int64(len(data)), Reader: r}, 4)
			if err != nil {
				t.Fatal(err)
			}
			if string(magic) != "\x7fELF" {
				t.Errorf("magic = %q", magic)
			}
			ra, n, err := in.ReaderAt()
			if err != nil {
				t.Fatal(err)
			}
			defer ra.Close()
			buf := make([]byte, n)
			if _, err := ra.ReadAt(buf, 0); err != nil && err != io.EOF {
				t.Fatal(err)
			}
			if diff := cmp.Diff(data, string(buf)); diff != "" {
				t.Errorf("content after Peek (-want +got):\n%s", diff)
			}
		})
	}
	magic, _, err := binfile.Peek(&inventory.Input{Path: "x", Reader: strings.NewReader("ab")}, 4)
	if err != nil || string(magic) != "ab" {
		t.Errorf("Peek of a short file = %q, %v; want \"ab\", nil", magic, err)
	}
}
