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
