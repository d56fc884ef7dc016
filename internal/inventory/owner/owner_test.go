package owner

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
)

func TestWanted(t *testing.T) {
	for p, want := range map[string]bool{
		"var/lib/dpkg/info/openssl.list":                                     true,
		"var/lib/dpkg/info/libssl3:amd64.list":                               true,
		"var/lib/dpkg/info/sub/x.list":                                       false,
		"etc/apt/sources.list":                                               false,
		"var/lib/dpkg/status.d/libc6.md5sums":                                true,
		"var/lib/dpkg/info/libc6.md5sums":                                    true, // the sums show later edits
		"var/lib/dpkg/status":                                                true,
		"lib/apk/db/installed":                                               true,
		"usr/lib/python3.11/site-packages/botocore-1.43.11.dist-info/RECORD": true,
		"app/RECORD": false,
		"usr/lib/python3/dist-packages/foo.egg-info/installed-files.txt": true,
		"installed-files.txt": false,
	} {
		if got := Wanted(p); got != want {
			t.Errorf("Wanted(%q) = %v, want %v", p, got, want)
		}
	}
}

func lists(t *testing.T, p, content string) []List {
	t.Helper()
	ls, err := Lists(p, strings.NewReader(content))
	if err != nil {
		t.Fatalf("Lists(%s): %v", p, err)
	}
	return ls
}

func TestLists(t *testing.T) {
	l := lists(t, "var/lib/dpkg/info/libssl3:amd64.list", "/.\n/usr\n/usr/lib/x86_64-linux-gnu/libssl.so.3\n\n/etc/ssl/../ssl/openssl.cnf\n")
	if l[0].Package != "libssl3" || l[0].Kind != KindDpkg || !slices.Equal(l[0].Files, []string{"usr", "usr/lib/x86_64-linux-gnu/libssl.so.3", "etc/ssl/openssl.cnf"}) {
		t.Errorf("dpkg list = %+v", l)
	}
	l = lists(t, "var/lib/dpkg/status.d/base-files.md5sums", "d41d8cd98f00b204e9800998ecf8427e  etc/debian_version\nbad\n")
	if l[0].Package != "base-files" || !slices.Equal(l[0].Files, []string{"etc/debian_version"}) {
		t.Errorf("md5sums = %+v", l)
	}
	l = lists(t, "lib/apk/db/installed", "C:Q1abc\nP:musl\nV:1.2.4\nF:lib\nR:ld-musl-x86_64.so.1\nR:libc.musl-x86_64.so.1\n\nP:busybox\nF:bin\nR:busybox\nF:etc\nR:securetty\n")
	if len(l) != 2 || l[0].Package != "musl" || !slices.Equal(l[0].Files, []string{"lib/ld-musl-x86_64.so.1", "lib/libc.musl-x86_64.so.1"}) ||
		!slices.Equal(l[1].Files, []string{"bin/busybox", "etc/securetty"}) {
		t.Errorf("apk = %+v", l)
	}
	l = lists(t, "usr/lib/python3.11/site-packages/moto-5.0.dist-info/RECORD",
		"moto/__init__.py,sha256=abc,123\n\"moto/odd,name.py\",sha256=x,1\n../../../bin/moto_server,,\nmoto-5.0.dist-info/RECORD,,\n/etc/evil,,\n")
	want := []string{"usr/lib/python3.11/site-packages/moto/__init__.py", "usr/lib/python3.11/site-packages/moto/odd,name.py",
		"usr/bin/moto_server", "usr/lib/python3.11/site-packages/moto-5.0.dist-info/RECORD", "usr/lib/python3.11/site-packages/etc/evil",
		"usr/lib/python3.11/site-packages/moto-5.0.dist-info"}
	if l[0].Package != "moto-5.0" || !slices.Equal(l[0].Files, want) {
		t.Errorf("RECORD files = %q\nwant %q", l[0].Files, want)
	}
	l = lists(t, "usr/lib/python3/dist-packages/six-1.16.egg-info/installed-files.txt", "../six.py\n../__pycache__/six.cpython-311.pyc\n./\nPKG-INFO\n")
	if !slices.Contains(l[0].Files, "usr/lib/python3/dist-packages/six.py") || !slices.Contains(l[0].Files, "usr/lib/python3/dist-packages/six-1.16.egg-info/PKG-INFO") {
		t.Errorf("egg files = %q", l[0].Files)
	}
	// Paths never leave the root.
	l = lists(t, "var/lib/dpkg/info/x.list", "/../../etc/passwd\n")
	if !slices.Equal(l[0].Files, []string{"etc/passwd"}) {
		t.Errorf("dpkg list with .. = %q", l[0].Files)
	}
}

// TestListsOfThisHost reads every dpkg file list of this machine: each
// listed path that exists is found, none leaves the root.
func TestListsOfThisHost(t *testing.T) {
	paths, _ := filepath.Glob("/var/lib/dpkg/info/*.list")
	if len(paths) == 0 {
		t.Skip("no dpkg database on this machine")
	}
	files := 0
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		ls, err := Lists(strings.TrimPrefix(p, "/"), f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		n := 0
		f, _ = os.Open(p)
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if s := strings.TrimSpace(sc.Text()); s != "" && s != "/." {
				n++
			}
		}
		f.Close()
		if len(ls) != 1 || len(ls[0].Files) != n {
			t.Errorf("%s: %d files, the list has %d", p, len(ls[0].Files), n)
		}
		for _, x := range ls[0].Files {
			if strings.HasPrefix(x, "/") || strings.HasPrefix(x, "..") {
				t.Errorf("%s: path %q", p, x)
			}
		}
		files += n
	}
	t.Logf("%d lists, %d files", len(paths), files)
}

func TestListsLimits(t *testing.T) {
	big := strings.Repeat("/usr/share/x\n", MaxListBytes/13+2)
	ls, err := Lists("var/lib/dpkg/info/big.list", strings.NewReader(big))
	if !errors.Is(err, ErrTruncated) {
		t.Errorf("a list over MaxListBytes: err %v, want ErrTruncated", err)
	}
	if len(ls) != 1 || len(ls[0].Files) == 0 || len(ls[0].Files) > MaxListFiles {
		t.Errorf("a truncated list keeps %d files", len(ls[0].Files))
	}
	_, err = Lists("var/lib/dpkg/info/long.list", strings.NewReader(strings.Repeat("a", 70<<10)))
	if !errors.Is(err, ErrTruncated) {
		t.Errorf("a 70 KiB line: err %v, want ErrTruncated", err)
	}
}

func TestTreeOf(t *testing.T) {
	fs := map[string]bool{}
	for _, p := range []string{
		"usr/local/go/src", "usr/local/go/pkg/tool", "usr/local/go/pkg",
		"opt/java/openjdk/lib/modules", "opt/maven/bin", "opt/gradle/lib",
		"usr/local/bundle/gems/rails-7.1.0", "src", "pkg/tool",
	} {
		fs[p] = true
	}
	has := func(p string) bool { return fs[p] }
	tests := []struct {
		file     string
		dir, pkg string
		ok       bool
		inside   []string
		outside  []string
	}{
		{"usr/local/go/VERSION", "usr/local/go", "go", true, []string{"usr/local/go/src/crypto/tls/testdata/example-key.pem"}, []string{"usr/local/gox/a", "usr/local/go"}},
		{"VERSION", "", "go", true, []string{"src/x.go"}, nil},
		{"app/VERSION", "", "", false, nil, nil},
		{"usr/lib/node_modules/npm/package.json", "usr/lib/node_modules/npm", "npm", true, []string{"usr/lib/node_modules/npm/lib/x.js"}, []string{"usr/lib/node_modules/npmx/a"}},
		{"app/node_modules/@aws-sdk/client-s3/package.json", "app/node_modules/@aws-sdk/client-s3", "@aws-sdk/client-s3", true, nil, nil},
		{"app/package.json", "", "", false, nil, nil},
		{"app/node_modules/.bin/package.json", "", "", false, nil, nil},
		{"root/.pyenv/versions/3.11.7/lib/python3.11/os.py", "root/.pyenv/versions/3.11.7/lib/python3.11", "python3.11", true,
			[]string{"root/.pyenv/versions/3.11.7/lib/python3.11/test/certdata/keycert.pem"},
			[]string{"root/.pyenv/versions/3.11.7/lib/python3.11/site-packages/app/settings.py"}},
		{"app/lib/helpers/os.py", "", "", false, nil, nil},
		{"opt/java/openjdk/release", "opt/java/openjdk", "openjdk", true, []string{"opt/java/openjdk/lib/security/cacerts"}, nil},
		{"etc/release", "", "", false, nil, nil},
		{"opt/maven/bin/m2.conf", "opt/maven", "maven", true, nil, nil},
		{"opt/gradle/lib/gradle-launcher-8.5.jar", "opt/gradle", "gradle", true, nil, nil},
		{"usr/local/bundle/specifications/rails-7.1.0.gemspec", "usr/local/bundle/gems/rails-7.1.0", "rails-7.1.0", true, nil, nil},
		{"usr/local/bundle/specifications/missing-1.0.gemspec", "", "", false, nil, nil},
	}
	for _, tt := range tests {
		tr, ok := TreeOf(tt.file, has)
		if ok != tt.ok || ok && (tr.Dir != tt.dir || tr.Package != tt.pkg) {
			t.Errorf("TreeOf(%q) = %+v, %v; want dir %q package %q, %v", tt.file, tr, ok, tt.dir, tt.pkg, tt.ok)
			continue
		}
		for _, p := range tt.inside {
			if !tr.Contains(p) {
				t.Errorf("tree %q does not contain %q", tr.Dir, p)
			}
		}
		for _, p := range tt.outside {
			if tr.Contains(p) {
				t.Errorf("tree %q contains %q", tr.Dir, p)
			}
		}
	}
}

func TestIsDoc(t *testing.T) {
	for p, want := range map[string]bool{
		"usr/share/doc/libxmlsec1-dev/examples/rsakey.pem":                              true,
		"usr/lib/python3.11/site-packages/awscli/examples/iam/change-password.rst":      true,
		"usr/lib/python3.11/site-packages/botocore/data/iam/2010-05-08/examples-1.json": true,
		"usr/local/go/src/crypto/tls/example_test.go":                                   true,
		"usr/lib/python3.11/site-packages/joserfc-1.6.5.dist-info/METADATA":             true,
		"usr/lib/node_modules/npm/docs/content/commands/npm-login.md":                   true,
		"usr/lib/python3.11/site-packages/moto/moto_proxy/ca.key":                       false,
		"usr/local/go/src/crypto/ecdh/ecdh_test.go":                                     false,
	} {
		if got := IsDoc(p); got != want {
			t.Errorf("IsDoc(%q) = %v, want %v", p, got, want)
		}
	}
}

func FuzzLists(f *testing.F) {
	f.Add("var/lib/dpkg/info/x.list", "/usr/bin/x\n/etc/x.conf\n")
	f.Add("lib/apk/db/installed", "P:musl\nF:lib\nR:libc.so\n")
	f.Add("a/b.dist-info/RECORD", "b/__init__.py,sha256=x,1\n\"q,\"\"x\",,\n")
	f.Add("a/b.egg-info/installed-files.txt", "../b.py\n")
	f.Add("var/lib/dpkg/status.d/x.md5sums", "abc  usr/bin/x\n")
	f.Fuzz(func(t *testing.T, p, content string) {
		ls, _ := Lists(p, strings.NewReader(content))
		for _, l := range ls {
			for _, x := range l.Files {
				if x == "" || strings.HasPrefix(x, "/") || x == ".." || strings.HasPrefix(x, "../") {
					t.Fatalf("Lists(%q) gave path %q", p, x)
				}
			}
		}
	})
}

func TestListsOfRPM(t *testing.T) {
	p := "usr/lib/sysimage/rpm/Packages.db"
	if !Wanted(p) || !Wanted("var/lib/rpm/rpmdb.sqlite") {
		t.Fatal("rpm databases are not wanted")
	}
	b, err := os.ReadFile("../extract/os/rpm/testdata/ndb/Packages.db")
	if err != nil {
		t.Fatal(err)
	}
	ls, err := ListsOf(context.Background(), &inventory.Input{Path: p, Size: int64(len(b)), Reader: bytes.NewReader(b)})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, l := range ls {
		if l.Kind != KindRpm {
			t.Errorf("%s: kind %q", l.Package, l.Kind)
		}
		if slices.Contains(l.Files, "etc/os-release") || slices.Contains(l.Files, "usr/lib/os-release") {
			found = true
		}
	}
	if len(ls) == 0 || !found {
		t.Errorf("%d rpm lists, os-release owned: %v", len(ls), found)
	}
	// A list read as text is bounded by MaxListBytes before it is read.
	if _, err := ListsOf(context.Background(), &inventory.Input{Path: "var/lib/dpkg/info/x.list", Size: MaxListBytes + 1, Reader: strings.NewReader("")}); !errors.Is(err, ErrTruncated) {
		t.Errorf("an oversized list: %v", err)
	}
}

func TestSums(t *testing.T) {
	l := lists(t, "var/lib/dpkg/info/grafana.md5sums", "0123456789abcdef0123456789abcdef  usr/sbin/grafana\nnot-a-sum  usr/x\n")
	if l[0].Sums["usr/sbin/grafana"] != "0123456789abcdef0123456789abcdef" || len(l[0].Sums) != 1 || len(l[0].Files) != 2 {
		t.Errorf("md5sums = %+v", l[0])
	}
	st := "Package: grafana\nStatus: install ok installed\nConffiles:\n /etc/grafana/grafana.ini 0123456789abcdef0123456789abcdef\n /etc/grafana/old.ini fedcba9876543210fedcba9876543210 obsolete\n" +
		"Description: dashboards\n more text 0123456789abcdef0123456789abcdef\n\nPackage: base-files\nConffiles:\n /etc/issue aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
	ls := lists(t, "var/lib/dpkg/status", st)
	if len(ls) != 2 || ls[0].Package != "grafana" || len(ls[0].Sums) != 2 || ls[0].Sums["etc/grafana/grafana.ini"] != "0123456789abcdef0123456789abcdef" ||
		ls[1].Package != "base-files" || ls[1].Sums["etc/issue"] != strings.Repeat("a", 32) {
		t.Errorf("status conffiles = %+v", ls)
	}
}

// TestConffilesOfThisHost reads this machine's dpkg status: every
// conffile it names has a sum.
func TestConffilesOfThisHost(t *testing.T) {
	f, err := os.Open("/var/lib/dpkg/status")
	if err != nil {
		t.Skip("no dpkg status on this machine")
	}
	defer f.Close()
	ls, err := Lists("var/lib/dpkg/status", f)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, l := range ls {
		if len(l.Sums) != len(l.Files) {
			t.Errorf("%s: %d conffiles, %d sums", l.Package, len(l.Files), len(l.Sums))
		}
		n += len(l.Files)
	}
	if n == 0 {
		t.Error("no conffile in this machine's dpkg status")
	}
	t.Logf("%d packages with %d conffiles", len(ls), n)
}
