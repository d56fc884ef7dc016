package compose

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// FuzzLint loads and lints arbitrary input: no panic, bounded errors, and
// findings that point inside the file.
func FuzzLint(f *testing.F) {
	paths, _ := filepath.Glob("testdata/*/*.yaml")
	for _, p := range paths {
		if src, err := os.ReadFile(p); err == nil {
			f.Add(src)
		}
	}
	f.Add([]byte("a: &a [*a, *a]\nservices:\n  x: {image: y, <<: *a}\n"))
	f.Add([]byte("services:\n  x:\n    ports: ['${P:-80}:80', '1-65535:1-65535']\n    environment: [A=${B:?x}]\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		fs, err := Lint("compose.yaml", src, Options{})
		if err != nil {
			if len(src) > MaxSize && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("oversized input: %v", err)
			}
			return
		}
		// YAML breaks lines at \n, \r\n and a lone \r.
		lines := strings.Count(strings.ReplaceAll(string(src), "\r\n", "\n"), "\n") + strings.Count(string(src), "\r") - strings.Count(string(src), "\r\n") + 1
		for _, fd := range fs {
			if fd.Location.Line < 0 || fd.Location.Line > lines {
				t.Fatalf("%s: line %d outside %d lines", fd.ID, fd.Location.Line, lines)
			}
			if !strings.HasPrefix(fd.Location.Object, "service ") {
				t.Fatalf("%s: object %q", fd.ID, fd.Location.Object)
			}
			if len([]rune(fd.Evidence)) > maxEvidence+1 {
				t.Fatalf("%s: evidence of %d runes", fd.ID, len(fd.Evidence))
			}
		}
	})
}

// FuzzPortSpec parses arbitrary short-syntax ports: what it accepts is a
// valid range, and collapsing a file with it never leaves a range for
// compose-go to expand.
func FuzzPortSpec(f *testing.F) {
	for _, s := range []string{"80", "8080:80", "127.0.0.1:1-65535:1-65535/udp", "[::1]:6001:6001", "${P:-1-9}:80", "::1:1:1", "-", "1-", ":"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, ok := parseShortPort(s, 1)
		if ok {
			if p.TargetLo > p.TargetHi || p.TargetHi > 65535 || p.PublishedLo > p.PublishedHi || p.PublishedHi > 65535 || p.Count() < 1 {
				t.Fatalf("parseShortPort(%q) = %+v", s, p)
			}
		}
		src := []byte("services:\n  a:\n    image: x\n    ports:\n      - " + strconv.Quote(s) + "\n")
		out, err := prepareForLoader(src)
		if err != nil {
			return
		}
		svcs, err := Load("compose.yaml", out)
		if err != nil {
			return
		}
		for _, sv := range svcs {
			if len(sv.Config.Ports) > 4 {
				t.Fatalf("%q: compose-go got %d ports after collapsing", s, len(sv.Config.Ports))
			}
		}
	})
}
