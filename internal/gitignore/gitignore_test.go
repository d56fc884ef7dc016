package gitignore

import (
	"io"
	"io/fs"
	"strings"
	"testing"
)

func TestIgnored(t *testing.T) {
	m := New()
	m.Add("", strings.NewReader(`
# build output
/dist/
*.log
!keep.log
node_modules/
docs/**/*.tmp
\#literal
`))
	m.Add("sub", strings.NewReader("local.txt\n/anchored.txt\n!*.log\n"))
	tests := []struct {
		path  string
		isDir bool
		want  bool
	}{
		{"dist", true, true},
		{"dist", false, false},  // dir-only pattern, a file named dist
		{"a/dist", true, false}, // anchored to the root
		{"app.log", false, true},
		{"deep/x/app.log", false, true},
		{"keep.log", false, false},
		{"web/node_modules", true, true},
		{"docs/a/b/c.tmp", false, true},
		{"docs/c.tmp", false, true},
		{"src/c.tmp", false, false},
		{"#literal", false, true},
		{"sub/local.txt", false, true},
		{"sub/x/local.txt", false, true},
		{"sub/anchored.txt", false, true},
		{"sub/x/anchored.txt", false, false},
		{"sub/app.log", false, false}, // the nearer file re-includes it
		{"main.go", false, false},
		{"", true, false},
	}
	for _, tt := range tests {
		if got := m.Ignored(tt.path, tt.isDir); got != tt.want {
			t.Errorf("Ignored(%q, %v) = %v, want %v", tt.path, tt.isDir, got, tt.want)
		}
	}
}

func TestEmptyMatcher(t *testing.T) {
	if New().Ignored("anything", false) {
		t.Error("an empty matcher ignored a path")
	}
}

func FuzzIgnored(f *testing.F) {
	f.Add("*.log\n!a.log\n/dist/\n**/x/**\n[a-", "a/b/c.log", true)
	f.Fuzz(func(t *testing.T, rules, p string, isDir bool) {
		m := New()
		if err := m.Add("", strings.NewReader(rules)); err != nil {
			return
		}
		m.Ignored(p, isDir)
	})
}

func TestTree(t *testing.T) {
	files := map[string]string{
		"/r/.gitignore":   "build/\n*.secret\n",
		"/r/a/.gitignore": "!ok.secret\n",
	}
	open := func(name string) (io.ReadCloser, error) {
		if s, ok := files[name]; ok {
			return io.NopCloser(strings.NewReader(s)), nil
		}
		return nil, fs.ErrNotExist
	}
	tr := NewTree("/r", open)
	for _, tt := range []struct {
		p     string
		isDir bool
		want  bool
	}{
		{".git", true, true},
		{"build", true, true},
		{"x.secret", false, true},
		{"a", true, false},
		{"a/ok.secret", false, false},
		{"a/no.txt", false, false},
		{"src/main.go", false, false},
	} {
		if got := tr.Skip(tt.p, tt.isDir); got != tt.want {
			t.Errorf("Skip(%q) = %v, want %v", tt.p, got, tt.want)
		}
	}
}
