package dockerfile

import (
	"archive/tar"
	"bytes"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFix(t *testing.T) {
	tests := []struct {
		name, src, want string
		applied         []string
	}{
		{
			name:    "maintainer",
			src:     "FROM alpine:3.20\nMAINTAINER Jane Doe <jane@example.com>\nRUN true\n",
			want:    "FROM alpine:3.20\nLABEL maintainer=\"Jane Doe <jane@example.com>\"\nRUN true\n",
			applied: []string{"line 2: BH-DF-046 MAINTAINER replaced by LABEL maintainer"},
		},
		{
			name:    "add of a directory to copy; without a context a file may be a tar, so it stays",
			src:     "FROM alpine:3.20\nADD app.conf /etc/\nadd --chown=1:1 dir/ /d/\nADD rootfs.tar.gz /\nADD https://x.example/f /f\nADD \"app.tgz\" /dst/\nADD file.gz /d/\nADD $SRC /d/\n",
			want:    "FROM alpine:3.20\nADD app.conf /etc/\ncopy --chown=1:1 dir/ /d/\nADD rootfs.tar.gz /\nADD https://x.example/f /f\nADD \"app.tgz\" /dst/\nADD file.gz /d/\nADD $SRC /d/\n",
			applied: []string{"line 3: BH-DF-006 ADD replaced by COPY"},
		},
		{
			name: "apt-get flags over continuation lines",
			src:  "FROM debian:12\nRUN apt-get update \\\n && apt-get install \\\n      curl ca-certificates \\\n && rm -rf /var/lib/apt/lists/*\n",
			want: "FROM debian:12\nRUN apt-get update \\\n && apt-get install -y --no-install-recommends \\\n      curl ca-certificates \\\n && rm -rf /var/lib/apt/lists/*\n",
			applied: []string{
				"line 3: BH-DF-008 added -y to apt-get install",
				"line 3: BH-DF-009 added --no-install-recommends to apt-get install",
			},
		},
		{
			name:    "apt-get with -qq keeps it, adds only recommends",
			src:     "FROM debian:12\nRUN apt-get -qq install curl\n",
			want:    "FROM debian:12\nRUN apt-get -qq install --no-install-recommends curl\n",
			applied: []string{"line 2: BH-DF-009 added --no-install-recommends to apt-get install"},
		},
		{
			name:    "apk add no-cache, two commands",
			src:     "FROM alpine:3.20\nRUN apk add curl && apk --update add bash; apk add --no-cache jq\n",
			want:    "FROM alpine:3.20\nRUN apk add --no-cache curl && apk --update add --no-cache bash; apk add --no-cache jq\n",
			applied: []string{"line 2: BH-DF-015 added --no-cache to apk add", "line 2: BH-DF-015 added --no-cache to apk add"},
		},
		{
			name: "nothing to fix",
			src:  "FROM alpine:3.20\nRUN apk add --no-cache curl\n",
			want: "FROM alpine:3.20\nRUN apk add --no-cache curl\n",
		},
		{
			name:    "crlf line endings",
			src:     "FROM alpine:3.20\r\nMAINTAINER me\r\nRUN apk add curl\r\n",
			want:    "FROM alpine:3.20\r\nLABEL maintainer=\"me\"\r\nRUN apk add --no-cache curl\r\n",
			applied: []string{"line 2: BH-DF-046 MAINTAINER replaced by LABEL maintainer", "line 3: BH-DF-015 added --no-cache to apk add"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, applied, err := Fix([]byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("Fix mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.applied, applied); diff != "" {
				t.Errorf("applied mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFixRemovesFindings fixes every rule's bad case and checks that the
// fixed rules no longer fire and that no new finding appears.
func TestFixRemovesFindings(t *testing.T) {
	paths, _ := filepath.Glob("testdata/*/*.Dockerfile")
	gpaths, _ := filepath.Glob("testdata/golden/*.Dockerfile")
	for _, p := range append(paths, gpaths...) {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		before, err := Lint(p, src, Options{Now: testNow})
		if err != nil {
			t.Fatal(err)
		}
		fixed, _, err := Fix(src)
		if err != nil {
			t.Fatalf("Fix(%s): %v", p, err)
		}
		after, err := Lint(p, fixed, Options{Now: testNow})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int{}
		for _, f := range before {
			if !fixedRules[f.ID] {
				want[f.ID]++
			}
		}
		got := map[string]int{}
		for _, f := range after {
			// Without a build context ADD of a file is not rewritten (the
			// file may be a tar); TestFixAddContext covers it.
			if f.ID != "BH-DF-006" {
				got[f.ID]++
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: findings after Fix mismatch (-want +got):\n%s", p, diff)
		}
	}
}

func TestDiff(t *testing.T) {
	old := "FROM alpine:3.20\nMAINTAINER me\nRUN a\nRUN b\nRUN c\nRUN d\nRUN e\nRUN f\nRUN g\nADD x /x\n"
	new := "FROM alpine:3.20\nLABEL maintainer=\"me\"\nRUN a\nRUN b\nRUN c\nRUN d\nRUN e\nRUN f\nRUN g\nCOPY x /x\n"
	want := `--- a/Dockerfile
+++ b/Dockerfile
@@ -1,5 +1,5 @@
 FROM alpine:3.20
-MAINTAINER me
+LABEL maintainer="me"
 RUN a
 RUN b
 RUN c
@@ -7,4 +7,4 @@
 RUN e
 RUN f
 RUN g
-ADD x /x
+COPY x /x
`
	if diff := cmp.Diff(want, Diff("Dockerfile", []byte(old), []byte(new))); diff != "" {
		t.Errorf("Diff mismatch (-want +got):\n%s", diff)
	}
	if got := Diff("x", []byte("a\n"), []byte("a\n")); got != "" {
		t.Errorf("Diff of equal inputs = %q", got)
	}
	wantNoEOL := "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+b\n\\ No newline at end of file\n"
	if diff := cmp.Diff(wantNoEOL, Diff("x", []byte("a"), []byte("b"))); diff != "" {
		t.Errorf("Diff without newline mismatch (-want +got):\n%s", diff)
	}
}

// applyDiff applies a unified diff made by Diff to old; it is the test's
// independent check that hunks and ranges are right.
func applyDiff(t *testing.T, old, d string) string {
	t.Helper()
	a := splitLines(old)
	var out []string
	pos := 0
	lines := strings.SplitAfter(d, "\n")
	for i := 2; i < len(lines); i++ {
		l := lines[i]
		if l == "" {
			continue
		}
		if strings.HasPrefix(l, "@@ ") {
			var as, an int
			f := strings.Fields(l)[1][1:]
			s, n, ok := strings.Cut(f, ",")
			as, _ = strconv.Atoi(s)
			an = 1
			if ok {
				an, _ = strconv.Atoi(n)
			}
			start := as - 1
			if an == 0 {
				start = as
			}
			out = append(out, a[pos:start]...)
			pos = start
			continue
		}
		if strings.HasPrefix(l, `\ No newline`) {
			last := len(out) - 1
			if lines[i-1][0] == '+' || lines[i-1][0] == ' ' {
				out[last] = strings.TrimSuffix(out[last], "\n")
			}
			continue
		}
		switch l[0] {
		case ' ':
			out = append(out, a[pos])
			pos++
		case '-':
			pos++
		case '+':
			out = append(out, l[1:])
		}
	}
	out = append(out, a[pos:]...)
	return strings.Join(out, "")
}

func TestDiffRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	words := []string{"a\n", "b\n", "c\n", "d\n", "e\n"}
	gen := func() string {
		var b strings.Builder
		for n := rng.Intn(30); n > 0; n-- {
			b.WriteString(words[rng.Intn(len(words))])
		}
		return b.String()
	}
	for i := 0; i < 500; i++ {
		old, new := gen(), gen()
		d := Diff("f", []byte(old), []byte(new))
		if old == new {
			continue
		}
		if got := applyDiff(t, old, d); got != new {
			t.Fatalf("round trip %d failed\nold %q\nnew %q\ndiff:\n%s\ngot %q", i, old, new, d, got)
		}
	}
}

// TestDiffMatchesPatch checks Diff's output with the system patch tool
// when it is installed.
func TestDiffMatchesPatch(t *testing.T) {
	if _, err := exec.LookPath("patch"); err != nil {
		t.Skip("patch not installed")
	}
	dir := t.TempDir()
	old := "FROM debian:12\nMAINTAINER me\nRUN apt-get install curl\n"
	fixed, _, err := Fix([]byte(old))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "Dockerfile")
	if err := os.WriteFile(p, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("patch", "-p1", "-s")
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(Diff("Dockerfile", []byte(old), fixed))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("patch: %v\n%s", err, out)
	}
	got, _ := os.ReadFile(p)
	if diff := cmp.Diff(string(fixed), string(got)); diff != "" {
		t.Errorf("patched file mismatch (-want +got):\n%s", diff)
	}
}

func TestFixLeavesUncertainCases(t *testing.T) {
	for _, src := range []string{
		"FROM alpine:3.20\nADD --unpack=true app.bin /app\n",
		"FROM alpine:3.20\nADD --keep-git-dir=true repo /src\n",
		"# escape=`\nFROM alpine:3.20\nRUN apk add `\n    curl\n",
		"FROM alpine:3.20\nRUN echo apk add curl\n",
		"FROM alpine:3.20\nRUN apk add --no-cache curl\n",
		"FROM debian:12\nRUN apt-get install -y --no-install-recommends curl\n",
	} {
		fixed, applied, err := Fix([]byte(src))
		if err != nil {
			t.Errorf("Fix(%q): %v", src, err)
			continue
		}
		if string(fixed) != src || len(applied) != 0 {
			t.Errorf("Fix(%q) changed it: %q %v", src, fixed, applied)
		}
	}
}

func TestFixOnlyCommands(t *testing.T) {
	tests := []struct{ src, want string }{
		{"FROM alpine:3.20\nRUN apk add curl && echo \"apk add x\"\n", "FROM alpine:3.20\nRUN apk add --no-cache curl && echo \"apk add x\"\n"},
		{"FROM alpine:3.20\nRUN --mount=type=cache,target=/x sh -c \"apk add curl\"\n", "FROM alpine:3.20\nRUN --mount=type=cache,target=/x sh -c \"apk add --no-cache curl\"\n"},
		{"FROM debian:12\nRUN DEBIAN_FRONTEND=noninteractive sudo apt-get install curl\n", "FROM debian:12\nRUN DEBIAN_FRONTEND=noninteractive sudo apt-get install -y --no-install-recommends curl\n"},
		{"FROM debian:12\nRUN if true; then apt-get install -y curl; fi\n", "FROM debian:12\nRUN if true; then apt-get install --no-install-recommends -y curl; fi\n"},
		{"FROM alpine:3.20\nRUN set -e \\\n  && apk add curl\n", "FROM alpine:3.20\nRUN set -e \\\n  && apk add --no-cache curl\n"},
	}
	for _, tt := range tests {
		got, _, err := Fix([]byte(tt.src))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, string(got)); diff != "" {
			t.Errorf("Fix(%q) mismatch (-want +got):\n%s", tt.src, diff)
		}
	}
}

// TestFixAddContext rewrites ADD to COPY only for sources the build context
// shows are not archives: a tar without a suffix, a gzip stream, a quoted
// archive name, a symlink and a missing file all keep ADD.
func TestFixAddContext(t *testing.T) {
	ctx := t.TempDir()
	write := func(name string, data []byte) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(ctx, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(ctx, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("app.conf", []byte("listen 80\n"))
	write("conf/a.conf", []byte("a\n"))
	write("conf/b.conf", []byte("b\n"))
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	_ = tw.WriteHeader(&tar.Header{Name: "x", Mode: 0o644, Size: 1})
	_, _ = tw.Write([]byte("x"))
	_ = tw.Close()
	write("bundle", tb.Bytes())
	write("data.bin", []byte{0x1f, 0x8b, 8, 0, 0, 0})
	write("app.tgz", []byte("not really"))
	if err := os.Symlink("app.conf", filepath.Join(ctx, "link")); err != nil {
		t.Fatal(err)
	}
	src := "FROM alpine:3.20\nADD app.conf /etc/\nADD conf/*.conf /etc/conf/\nADD bundle /opt/\nADD data.bin /opt/\nADD \"app.tgz\" /opt/\nADD link /opt/\nADD missing /opt/\nADD ../outside /opt/\n"
	want := "FROM alpine:3.20\nCOPY app.conf /etc/\nCOPY conf/*.conf /etc/conf/\nADD bundle /opt/\nADD data.bin /opt/\nADD \"app.tgz\" /opt/\nADD link /opt/\nADD missing /opt/\nADD ../outside /opt/\n"
	got, applied, err := FixWith([]byte(src), FixOptions{Context: ctx})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("FixWith mismatch (-want +got):\n%s", diff)
	}
	if len(applied) != 2 {
		t.Errorf("applied = %v, want 2 rewrites", applied)
	}
}
