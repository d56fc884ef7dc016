package image

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

func TestProgressReader(t *testing.T) {
	old := progressEvery
	progressEvery = 0
	defer func() { progressEvery = old }()

	var out bytes.Buffer
	p := &progressReader{r: iotest.OneByteReader(strings.NewReader(strings.Repeat("x", 2500))), w: &out, name: "docker:app:1", layers: 3, total: 2500, last: time.Now()}
	if _, err := io.Copy(io.Discard, p); err != nil {
		t.Fatal(err)
	}
	p.seen = 3
	p.done()
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) < 2 {
		t.Fatalf("want a line per read and a last one, got %q", out.String())
	}
	if last := lines[len(lines)-1]; last != "reading docker:app:1 from the Docker daemon: 2.5 kB of about 2.5 kB, 3 of 3 layers read" {
		t.Errorf("last line %q", last)
	}

	// Silent without a writer, and silent when nothing was worth a line.
	p = &progressReader{r: strings.NewReader("abc"), name: "x", layers: 1}
	io.Copy(io.Discard, p)
	p.done()
	progressEvery = old
	out.Reset()
	p = &progressReader{r: strings.NewReader("abc"), w: &out, name: "x", layers: 1, last: time.Now()}
	io.Copy(io.Discard, p)
	p.done()
	if out.Len() != 0 {
		t.Errorf("a read shorter than a second printed %q", out.String())
	}
}

func TestHumanBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 999: "999 B", 1000: "1.0 kB", 1_500_000: "1.5 MB", 40_200_000_000: "40.2 GB", 4_000_000_000_000: "4000.0 GB"} {
		if got := humanBytes(n); got != want {
			t.Errorf("humanBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
