package version

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/testenv"
)

// vectorFiles maps each shared vector file to the comparator it checks.
var vectorFiles = []struct {
	file string
	cmp  Comparator
}{
	{"debian-versions.txt", Dpkg},
	{"alpine-versions.txt", APK},
	{"redhat-versions.txt", RPM},
	{"semver-versions.txt", SemVer},
	{"pypi-versions.txt", PEP440},
	{"maven-versions.txt", Maven},
	{"rubygems-versions.txt", Gem},
}

// TestSharedVectors checks every line of ../shared/vulndata/version-vectors.
func TestSharedVectors(t *testing.T) {
	dir := testenv.SharedDir(t, "vulndata/version-vectors")
	for _, vf := range vectorFiles {
		t.Run(vf.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join(dir, vf.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			sc := bufio.NewScanner(f)
			n, lines := 0, 0
			for sc.Scan() {
				lines++
				a, op, b, ok := parseVector(sc.Text())
				if !ok {
					continue
				}
				n++
				want := map[string]int{"<": -1, "=": 0, ">": 1}[op]
				got, err := vf.cmp.Compare(a, b)
				if err != nil {
					t.Errorf("line %d: Compare(%q, %q): %v", lines, a, b, err)
					continue
				}
				if got != want {
					t.Errorf("line %d: Compare(%q, %q) = %d, want %d (%s)", lines, a, b, got, want, op)
				}
				back, err := vf.cmp.Compare(b, a)
				if err == nil && back != -want {
					t.Errorf("line %d: Compare(%q, %q) = %d, want %d (antisymmetry)", lines, b, a, back, -want)
				}
			}
			if err := sc.Err(); err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				t.Fatalf("no vectors read from %s", vf.file)
			}
		})
	}
}

// parseVector reads "a OP b"; blank lines and # or // comments are skipped.
func parseVector(line string) (a, op, b string, ok bool) {
	line = strings.TrimSpace(line)
	if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "//") {
		return "", "", "", false
	}
	for _, o := range []string{" < ", " = ", " > "} {
		if i := strings.Index(line, o); i >= 0 {
			return line[:i], strings.TrimSpace(o), line[i+len(o):], true
		}
	}
	return "", "", "", false
}
