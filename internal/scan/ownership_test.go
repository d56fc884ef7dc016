package scan

import (
	"bufio"
	"context"
	"crypto/md5"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/image/imagetest"
	"github.com/bulkhead-sec/bulkhead/internal/inventory"
)

// lineSecrets reports every line holding "SECRET", with its line and text.
type lineSecrets struct{}

func (lineSecrets) Name() string                                   { return "secret" }
func (lineSecrets) Version() int                                   { return 1 }
func (lineSecrets) Required(_ string, m fs.FileMode, _ int64) bool { return m.IsRegular() }
func (lineSecrets) Analyze(_ context.Context, in *inventory.Input) ([]finding.Finding, error) {
	var out []finding.Finding
	sc := bufio.NewScanner(in.Reader)
	for n := 1; sc.Scan(); n++ {
		if strings.Contains(sc.Text(), "SECRET") {
			out = append(out, finding.Finding{Kind: finding.Secret, ID: "line-secret", Severity: finding.High,
				Location: finding.Location{Line: n}, Evidence: sc.Text()})
		}
	}
	return out, sc.Err()
}

// ownedImage: a first layer of packages (a dpkg package with its list, a
// Go toolchain, an npm package, a wheel with its RECORD) and a user file;
// a second layer that changes a package's config, copies a toolchain file
// unchanged (chown -R) and adds a user file inside the toolchain tree.
func ownedImage(t *testing.T) v1.Image {
	l1 := imagetest.Layer(t,
		f("var/lib/dpkg/info/foo:amd64.list", "/.\n/etc\n/etc/foo/foo.conf\n/usr/share/foo/test.key\n/usr/share/foo/README.md\n"),
		f("etc/foo/foo.conf", "user = x\npassword = SECRET-conf\n"),
		f("usr/share/foo/test.key", "SECRET-key"),
		f("usr/share/foo/README.md", "use SECRET-doc"),
		f("usr/local/go/VERSION", "go1.26.8"), imagetest.Dir("usr/local/go/pkg/tool/linux_amd64"),
		f("usr/local/go/src/crypto/x_test.go", "var k = \"SECRET-go\""),
		f("usr/lib/node_modules/npm/package.json", "{}"), f("usr/lib/node_modules/npm/lib/auth.js", "SECRET-js"),
		f("site/pkg-1.0.dist-info/RECORD", "pkg/mod.py,sha256=x,1\npkg-1.0.dist-info/RECORD,,\n"),
		f("site/pkg/mod.py", "SECRET-py"),
		f("site/pkg/unlisted.py", "SECRET-unlisted"),
		f("app/settings.py", "KEY = 'SECRET-app'"),
	)
	l2 := imagetest.Layer(t,
		f("etc/foo/foo.conf", "user = x\npassword = SECRET-conf\nextra = SECRET-added\n"),
		f("usr/local/go/src/crypto/x_test.go", "var k = \"SECRET-go\""),
		f("usr/local/go/src/.env", "TOKEN=SECRET-user"),
	)
	return imagetest.Image(t, []v1.Layer{l1, l2}, []string{"ADD base", "RUN app"})
}

func ownedSummary(r []finding.Finding) []string {
	var out []string
	for _, f := range r {
		if f.Kind != finding.Secret {
			continue
		}
		s := f.Location.Path + " " + f.Evidence + " " + f.Severity.String()
		if f.Extra["package"] != nil {
			s += " pkg=" + f.Extra["package"].(string)
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func TestPackageOwnership(t *testing.T) {
	img := openOCI(t, ownedImage(t))
	cache := t.TempDir()
	opts := Options{FileAnalyzers: []FileAnalyzer{lineSecrets{}}, CacheDir: cache}
	wantUser := []string{
		"app/settings.py KEY = 'SECRET-app' HIGH",
		"etc/foo/foo.conf extra = SECRET-added HIGH",   // changed in a later layer
		"site/pkg/unlisted.py SECRET-unlisted HIGH",    // not in the RECORD
		"usr/local/go/src/.env TOKEN=SECRET-user HIGH", // added to the tree by a later layer
	}
	for _, pass := range []string{"walk", "cached"} {
		r, err := Image(context.Background(), img, opts)
		if err != nil {
			t.Fatal(err)
		}
		if got := ownedSummary(r.Findings); strings.Join(got, "\n") != strings.Join(wantUser, "\n") {
			t.Errorf("%s: findings\n%s\nwant\n%s", pass, strings.Join(got, "\n"), strings.Join(wantUser, "\n"))
		}
		var st map[string]int
		for _, s := range r.Scanners {
			if s.Name == "secret" {
				st = s.Counts
				if !strings.Contains(s.Reason, "6 files owned by packages skipped (8 findings)") {
					t.Errorf("%s: status reason %q", pass, s.Reason)
				}
			}
		}
		// foo.conf (twice), test.key, README.md, x_test.go (twice), auth.js, mod.py.
		if st[CountPackageFilesSkipped] != 6 || st[CountPackageFindingsSkipped] != 8 {
			t.Errorf("%s: counts %v, want 6 files and 8 findings skipped", pass, st)
		}
	}

	// Reporting them: the same cache, another merged result.
	opts.PackageFiles = PackageFilesReport
	r, err := Image(context.Background(), img, opts)
	if err != nil {
		t.Fatal(err)
	}
	want := append([]string{
		"etc/foo/foo.conf password = SECRET-conf LOW pkg=foo",
		"etc/foo/foo.conf password = SECRET-conf LOW pkg=foo",
		"site/pkg/mod.py SECRET-py LOW pkg=pkg-1.0",
		"usr/lib/node_modules/npm/lib/auth.js SECRET-js LOW pkg=npm",
		"usr/local/go/src/crypto/x_test.go var k = \"SECRET-go\" LOW pkg=go",
		"usr/local/go/src/crypto/x_test.go var k = \"SECRET-go\" LOW pkg=go",
		"usr/share/foo/test.key SECRET-key LOW pkg=foo",
		// usr/share/foo/README.md: documentation of a package never counts.
	}, wantUser...)
	sort.Strings(want)
	if got := ownedSummary(r.Findings); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("--secrets-in-packages: findings\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, f := range r.Findings {
		if f.Severity == finding.Low && !strings.Contains(strings.Join(f.Tags, ","), PackageFileTag) {
			t.Errorf("%s: no %s tag", f.Location.Path, PackageFileTag)
		}
	}
}

// TestPackageOwnershipDir: a directory scan (scan fs of a root) is one
// layer; the tree markers may sit at its root.
func TestPackageOwnershipDir(t *testing.T) {
	root := t.TempDir()
	for p, body := range map[string]string{
		"VERSION": "go1.26.8", "src/crypto/k.pem": "SECRET-pem", "pkg/tool/linux_amd64/vet": "bin", "misc/.env": "SECRET-x",
	} {
		fp := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(fp), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(fp, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r, err := Dir(context.Background(), root, Options{FileAnalyzers: []FileAnalyzer{lineSecrets{}}, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	got := ownedSummary(r.Findings)
	if len(got) != 0 {
		t.Errorf("a GOROOT scanned as a directory: %q", got)
	}
}

// TestPackageOwnershipSums: a package file changed in the layer that
// installed it (apt-get install, then sed of its config) no longer matches
// the MD5 dpkg recorded, and is the user's.
func TestPackageOwnershipSums(t *testing.T) {
	orig := "[security]\nadmin_password = admin\n"
	edited := "[security]\nadmin_password = SECRET-edited\n"
	key := "SECRET-key"
	sum := func(s string) string { h := md5.Sum([]byte(s)); return hex.EncodeToString(h[:]) }
	l := imagetest.Layer(t,
		f("var/lib/dpkg/status", "Package: grafana\nStatus: install ok installed\nConffiles:\n /etc/grafana/grafana.ini "+sum(orig)+"\n /etc/grafana/ldap.toml "+sum("x")+" obsolete\nDescription: x\n\nPackage: other\nStatus: install ok installed\n"),
		f("var/lib/dpkg/info/grafana.list", "/etc/grafana/grafana.ini\n/usr/share/grafana/conf/test.key\n/usr/share/grafana/conf/other.key\n"),
		f("var/lib/dpkg/info/grafana.md5sums", sum(key)+"  usr/share/grafana/conf/test.key\n"+sum("nope")+"  usr/share/grafana/conf/other.key\n"),
		f("etc/grafana/grafana.ini", edited),
		f("usr/share/grafana/conf/test.key", key),
		f("usr/share/grafana/conf/other.key", "SECRET-other"),
	)
	img := openOCI(t, imagetest.Image(t, []v1.Layer{l}, []string{"RUN apt-get install grafana && sed -i ..."}))
	r, err := Image(context.Background(), img, Options{FileAnalyzers: []FileAnalyzer{lineSecrets{}}, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"etc/grafana/grafana.ini admin_password = SECRET-edited HIGH",
		"usr/share/grafana/conf/other.key SECRET-other HIGH",
	}
	if got := ownedSummary(r.Findings); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
