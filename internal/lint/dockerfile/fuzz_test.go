package dockerfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLint parses and lints arbitrary text, and fixes it: no panic, and
// the results stay consistent.
func FuzzLint(f *testing.F) {
	paths, _ := filepath.Glob("testdata/*/*.Dockerfile")
	for _, p := range paths {
		if src, err := os.ReadFile(p); err == nil {
			f.Add(src)
		}
	}
	f.Add([]byte("FROM a\nRUN sh -c \"$(curl x)\" | bash -c 'sh -c \"y\"'\n"))
	f.Add([]byte("ARG A=${B:-${C}}\nFROM $A AS x\nCOPY --from=x / /\nONBUILD ONBUILD RUN true\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		fs, err := Lint("Dockerfile", src, Options{Now: testNow})
		if err != nil {
			if len(src) > MaxSize && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("oversized input: %v", err)
			}
			return
		}
		lines := strings.Count(string(src), "\n") + 1
		for _, fd := range fs {
			if fd.Location.Line < 1 || fd.Location.Line > lines+1 || fd.Location.EndLine < fd.Location.Line {
				t.Fatalf("%s: bad location %+v in %d lines", fd.ID, fd.Location, lines)
			}
			if len([]rune(fd.Evidence)) > maxEvidence+1 {
				t.Fatalf("%s: evidence of %d runes", fd.ID, len(fd.Evidence))
			}
		}
		fixed, _, err := Fix(src)
		if err != nil {
			return
		}
		if _, err := Lint("Dockerfile", fixed, Options{Now: testNow}); err != nil {
			t.Fatalf("fixed output does not lint: %v", err)
		}
		_ = Diff("Dockerfile", src, fixed)
	})
}

// FuzzParseConfig reads arbitrary text as a .hadolint.yaml: no panic, and
// what it accepts applies to Options and lints.
func FuzzParseConfig(f *testing.F) {
	paths, _ := filepath.Glob("testdata/*/hadolint.yaml")
	for _, p := range paths {
		if src, err := os.ReadFile(p); err == nil {
			f.Add(src)
		}
	}
	f.Add([]byte("ignored: [DL3008, SC2086]\nfailure-threshold: warning\noverride:\n  info: [DL1001]\nno-fail: true\n"))
	f.Add([]byte("label-schema: {a: url, b: bogus}\n"))
	f.Add([]byte("trustedRegistries: docker.io\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		c, err := ParseConfig(src)
		if err != nil {
			return
		}
		for k, v := range c.LabelSchema {
			if !labelTypes[v] {
				t.Fatalf("label %q has type %q", k, v)
			}
		}
		var opts Options
		c.Apply(&opts)
		opts.Now = testNow
		if _, err := Lint("Dockerfile", []byte("FROM a:1\nLABEL a=b\nUSER x\n"), opts); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzLooksLikeDockerfile: the content check never panics and agrees with
// itself on a copy with a comment line in front.
func FuzzLooksLikeDockerfile(f *testing.F) {
	f.Add([]byte("# c\n\nRUN x\n"))
	f.Add([]byte("services:\n  a: {}\n"))
	f.Add([]byte("from"))
	f.Fuzz(func(t *testing.T, src []byte) {
		got := LooksLikeDockerfile(src)
		if len(src) < MaxSize-4 && got != LooksLikeDockerfile(append([]byte("# x\n"), src...)) {
			t.Fatalf("a leading comment changed the answer for %q", src)
		}
	})
}
