package pipeline

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/owner"
	"github.com/bulkhead-sec/bulkhead/internal/report"
	"github.com/bulkhead-sec/bulkhead/internal/report/format"
	"github.com/bulkhead-sec/bulkhead/internal/secret"
	"github.com/bulkhead-sec/bulkhead/internal/testenv"
)

// This file checks the secret scanner on an image made of this machine's
// own package trees (its GOROOT, a pyenv CPython with site-packages, the
// global node_modules and a few dpkg packages with their real file lists):
// their test keys and SDK examples are the packages', so the image must
// give no secret finding; the same image plus an application layer with
// planted secrets must give exactly the planted ones, with every output
// format showing no more of a secret than secret.Redact allows.

// Bounds of the package layer: files with findings are copied up to these.
const (
	pkgMaxFile  = 8 << 20
	pkgMaxBytes = 64 << 20
)

// tarLayer builds one layer: parent directories are added as needed.
type tarLayer struct {
	buf  bytes.Buffer
	tw   *tar.Writer
	dirs map[string]bool
	size int64
}

func newTarLayer() *tarLayer {
	l := &tarLayer{dirs: map[string]bool{}}
	l.tw = tar.NewWriter(&l.buf)
	return l
}

func (l *tarLayer) dir(t *testing.T, p string) {
	p = strings.Trim(p, "/")
	if p == "" || p == "." || l.dirs[p] {
		return
	}
	l.dir(t, path.Dir(p))
	l.dirs[p] = true
	if err := l.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: p + "/", Mode: 0o755, ModTime: time.Unix(1e9, 0)}); err != nil {
		t.Fatal(err)
	}
}

func (l *tarLayer) file(t *testing.T, p string, data []byte, mode int64) {
	p = strings.Trim(p, "/")
	l.dir(t, path.Dir(p))
	if err := l.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: p, Mode: mode, Size: int64(len(data)), ModTime: time.Unix(1e9, 0)}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.tw.Write(data); err != nil {
		t.Fatal(err)
	}
	l.size += int64(len(data))
}

func (l *tarLayer) whiteout(t *testing.T, p string) {
	l.file(t, path.Join(path.Dir(p), ".wh."+path.Base(p)), nil, 0o644)
}

func (l *tarLayer) bytes(t *testing.T) []byte {
	if err := l.tw.Close(); err != nil {
		t.Fatal(err)
	}
	return l.buf.Bytes()
}

// hostFile copies a host file to the same path in the layer.
func (l *tarLayer) hostFile(t *testing.T, p string) bool {
	b, err := os.ReadFile(p)
	if err != nil {
		return false
	}
	l.file(t, p, b, 0o644)
	return true
}

// filesWithFindings walks root (skipping the directories skip names) and
// returns the files today's secret rules report, with the package trees
// left unfiltered: these are what an image of the tree would drown a user
// in without package ownership.
func filesWithFindings(t *testing.T, sc *secret.Scanner, root string, skip func(string) bool) []string {
	var out []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() {
			if skip != nil && skip(p) {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		fi, err := d.Info()
		if err != nil || fi.Size() > pkgMaxFile || !sc.Required(strings.TrimPrefix(p, "/"), fi.Mode(), fi.Size()) {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return nil
		}
		defer f.Close()
		found, err := sc.Analyze(context.Background(), &inventory.Input{Path: strings.TrimPrefix(p, "/"), Size: fi.Size(), Reader: f})
		if err == nil && len(found) > 0 {
			out = append(out, p)
		}
		return nil
	})
	return out
}

func defaultAllowed(p string) bool {
	for _, a := range secret.DefaultAllowPaths {
		if regexp.MustCompile(a).MatchString(p) {
			return true
		}
	}
	return false
}

// hostTrees are the package trees of this machine that the test copies.
type hostTrees struct {
	goroot     string
	python     string // a lib/pythonX.Y directory with site-packages
	nodeMods   string // a global node_modules
	dpkgAdmin  string
	selected   []string // host files with findings under today's rules
	ownedFiles int
}

func findHostTrees(t *testing.T) *hostTrees {
	h := &hostTrees{dpkgAdmin: "/var/lib/dpkg"}
	if out, err := exec.Command("go", "env", "GOROOT").Output(); err == nil {
		h.goroot = strings.TrimSpace(string(out))
	}
	// The pyenv CPython with the most installed distributions.
	best := 0
	cands, _ := filepath.Glob("/root/.pyenv/versions/*/lib/python3.*")
	if len(cands) == 0 {
		out, _ := exec.Command("find", "/", "-maxdepth", "6", "-name", "site-packages", "-path", "*/lib/python3*", "-not", "-path", "/proc/*").Output()
		for _, l := range strings.Fields(string(out)) {
			cands = append(cands, filepath.Dir(l))
		}
	}
	for _, c := range cands {
		if _, err := os.Stat(filepath.Join(c, "os.py")); err != nil {
			continue
		}
		infos, _ := filepath.Glob(filepath.Join(c, "site-packages", "*.dist-info"))
		if len(infos) > best {
			best, h.python = len(infos), c
		}
	}
	for _, c := range []string{"/usr/lib/node_modules", "/usr/local/lib/node_modules"} {
		if _, err := os.Stat(filepath.Join(c, "npm", "package.json")); err == nil {
			h.nodeMods = c
			break
		}
	}
	if h.goroot == "" && h.python == "" && h.nodeMods == "" {
		t.Skip("no GOROOT, pyenv site-packages or node_modules on this machine")
	}
	return h
}

// packageLayer copies the trees' files that today's rules report, the
// markers that make each tree a package (GOROOT's VERSION, src/, pkg/tool/;
// CPython's os.py; each package.json; every RECORD), and a few dpkg
// packages with findings in their files, with the real file lists and
// status stanzas.
func packageLayer(t *testing.T, h *hostTrees) *tarLayer {
	sc, err := secret.New(secret.Config{NoDefaultAllowPaths: true})
	if err != nil {
		t.Fatal(err)
	}
	l := newTarLayer()
	var total int64
	add := func(p string) {
		fi, err := os.Stat(p)
		if err != nil || total+fi.Size() > pkgMaxBytes {
			return
		}
		if l.hostFile(t, p) {
			total += fi.Size()
		}
	}
	if h.goroot != "" {
		for _, p := range filesWithFindings(t, sc, filepath.Join(h.goroot, "src"), nil) {
			add(p)
			h.selected = append(h.selected, p)
		}
		add(filepath.Join(h.goroot, "VERSION"))
		l.dir(t, filepath.Join(h.goroot, "src"))
		tools, _ := filepath.Glob(filepath.Join(h.goroot, "pkg", "tool", "*"))
		for _, d := range tools {
			l.dir(t, d)
		}
		l.dir(t, filepath.Join(h.goroot, "pkg", "tool"))
	}
	if h.python != "" {
		site := filepath.Join(h.python, "site-packages")
		for _, p := range filesWithFindings(t, sc, h.python, nil) {
			add(p)
			h.selected = append(h.selected, p)
		}
		add(filepath.Join(h.python, "os.py"))
		records, _ := filepath.Glob(filepath.Join(site, "*.dist-info", "RECORD"))
		for _, r := range records {
			add(r)
		}
	}
	if h.nodeMods != "" {
		for _, p := range filesWithFindings(t, sc, h.nodeMods, nil) {
			add(p)
			h.selected = append(h.selected, p)
		}
		// The trees themselves, with some of their code, found or not.
		pjs, _ := filepath.Glob(filepath.Join(h.nodeMods, "*", "package.json"))
		for _, p := range pjs {
			add(p)
			js, _ := filepath.Glob(filepath.Join(filepath.Dir(p), "lib", "*.js"))
			for i, j := range js {
				if i < 20 {
					add(j)
				}
			}
		}
	}
	// dpkg packages whose example and test files today's rules report.
	lists, _ := filepath.Glob(filepath.Join(h.dpkgAdmin, "info", "*.list"))
	var pkgs []string
	for _, list := range lists {
		b, err := os.ReadFile(list)
		if err != nil {
			continue
		}
		var hits []string
		for _, f := range strings.Split(string(b), "\n") {
			lf := strings.ToLower(f)
			if !strings.Contains(lf, "example") && !strings.Contains(lf, "/test") && !strings.HasSuffix(lf, ".pem") && !strings.HasSuffix(lf, ".key") {
				continue
			}
			fi, err := os.Lstat(f)
			if err != nil || !fi.Mode().IsRegular() || fi.Size() > 1<<20 {
				continue
			}
			if found := filesWithFindings(t, sc, f, nil); len(found) > 0 {
				hits = append(hits, f)
			}
		}
		if len(hits) == 0 || len(pkgs) >= 4 {
			continue
		}
		pkg := strings.TrimSuffix(filepath.Base(list), ".list")
		pkgs = append(pkgs, strings.SplitN(pkg, ":", 2)[0])
		add(list)
		for _, f := range hits {
			add(f)
			h.selected = append(h.selected, f)
		}
	}
	if len(pkgs) > 0 {
		l.file(t, filepath.Join(h.dpkgAdmin, "status"), dpkgStanzas(t, filepath.Join(h.dpkgAdmin, "status"), pkgs), 0o644)
	}
	if len(h.selected) == 0 {
		t.Skip("today's rules report nothing in this machine's package trees: nothing to check")
	}
	t.Logf("package layer: %d files with findings under today's rules (%d dpkg packages), %d bytes", len(h.selected), len(pkgs), total)
	return l
}

// dpkgStanzas returns the status stanzas of pkgs from a status file.
func dpkgStanzas(t *testing.T, status string, pkgs []string) []byte {
	b, err := os.ReadFile(status)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, p := range pkgs {
		want[p] = true
	}
	var out bytes.Buffer
	for _, st := range strings.Split(string(b), "\n\n") {
		first, _, _ := strings.Cut(strings.TrimSpace(st), "\n")
		if n, ok := strings.CutPrefix(first, "Package: "); ok && want[n] {
			out.WriteString(strings.TrimSpace(st) + "\n\n")
		}
	}
	return out.Bytes()
}

// randToken returns n random characters of alphabet that no placeholder
// check turns down.
func randToken(t *testing.T, n int, alphabet string) string {
	for {
		b := make([]byte, n)
		for i := range b {
			x, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
			if err != nil {
				t.Fatal(err)
			}
			b[i] = alphabet[x.Int64()]
		}
		if s := string(b); !secret.IsPlaceholder(s) && secret.Entropy(s) > 3.5 {
			return s
		}
	}
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// planted is one secret the application layers put in the image.
type planted struct {
	path, rule, value string
	removed           bool
}

// loadImage writes layers and a config as a docker archive and loads it
// into the daemon under name.
func loadImage(t *testing.T, ref string, env []string, layers ...[]byte) {
	img := empty.Image
	for _, b := range layers {
		b := b
		l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
		if err != nil {
			t.Fatal(err)
		}
		if img, err = mutate.AppendLayers(img, l); err != nil {
			t.Fatal(err)
		}
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.Architecture, cf.OS = "amd64", "linux"
	cf.Config.Env = env
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		t.Fatal(err)
	}
	tag, err := name.NewTag(ref)
	if err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(t.TempDir(), "image.tar")
	if err := tarball.WriteToFile(archive, tag, img); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("docker", "load", "-i", archive).CombinedOutput(); err != nil {
		t.Fatalf("docker load: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", ref).Run() })
}

func secretFindings(r *report.Report) []finding.Finding {
	var out []finding.Finding
	for _, f := range r.Findings {
		if f.Kind == finding.Secret {
			out = append(out, f)
		}
	}
	return out
}

func scannerStatus(r *report.Report, name string) report.ScannerStatus {
	for _, s := range r.Scanners {
		if s.Name == name {
			return s
		}
	}
	return report.ScannerStatus{}
}

func TestSecretsOnRealPackageTrees(t *testing.T) {
	if testing.Short() {
		t.Skip("builds images from this machine's package trees")
	}
	testenv.RequireDocker(t)
	ctx := context.Background()
	h := findHostTrees(t)
	base := packageLayer(t, h).bytes(t)

	// Image A: the package trees alone, made with docker import.
	tarA := filepath.Join(t.TempDir(), "a.tar")
	if err := os.WriteFile(tarA, base, 0o644); err != nil {
		t.Fatal(err)
	}
	refA := fmt.Sprintf("secrets-bulkhead-test/pkgtrees:%d", os.Getpid())
	if out, err := exec.Command("docker", "import", tarA, refA).CombinedOutput(); err != nil {
		t.Fatalf("docker import: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", refA).Run() })
	cache := t.TempDir()
	cfg := Config{Scanners: []string{ScanSecret, ScanMisconfig}, CacheDir: cache}
	ra, err := ScanImage(ctx, "docker:"+refA, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range secretFindings(ra) {
		t.Errorf("package trees: unexpected %s in %s line %d: %s", f.ID, f.Location.Path, f.Location.Line, f.Evidence)
	}
	st := scannerStatus(ra, "secret")
	// Files under the default allow paths (usr/share/doc) are skipped
	// before ownership is asked.
	want := 0
	for _, p := range h.selected {
		if !defaultAllowed(strings.TrimPrefix(p, "/")) {
			want++
		}
	}
	if st.Counts["package_files_skipped"] < want {
		t.Errorf("package_files_skipped = %d, want at least the %d files with findings", st.Counts["package_files_skipped"], want)
	}
	if !strings.Contains(st.Reason, "files owned by packages skipped") {
		t.Errorf("secret status reason %q does not say what was skipped", st.Reason)
	}
	t.Logf("package trees: %d files, %d findings skipped as the packages'", st.Counts["package_files_skipped"], st.Counts["package_findings_skipped"])

	// Image B: the same trees, then an application layer with planted
	// secrets, then a layer that deletes one of them; a token in ENV.
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	keyBody := strings.Join(strings.Split(strings.TrimSpace(string(keyPEM)), "\n")[1:2], "")
	// Starts with a letter and holds no '%' ("%s" is template syntax).
	dbPass := "Db" + randToken(t, 15, alnum+"#!-_") + "9"
	grafana := randToken(t, 15, alnum) + "7"
	ghp := "ghp_" + randToken(t, 36, alnum)
	glpat := "glpat-" + randToken(t, 20, alnum)
	stripe := "sk_live_" + randToken(t, 32, alnum)
	plants := []planted{
		{path: "app/.env", rule: "BH-SEC-GENERIC-PASSWORD", value: dbPass},
		{path: "etc/grafana/grafana.ini", rule: "BH-SEC-GENERIC-PASSWORD", value: grafana},
		{path: "root/.ssh/id_rsa", rule: "BH-SEC-PRIVATE-KEY-RSA", value: keyBody},
		{path: "tmp/deploy-token.txt", rule: "BH-SEC-GITHUB-PAT", value: ghp, removed: true},
		{path: "config.Env[1]", rule: "BH-SEC-GITLAB-PAT", value: glpat},
	}
	app := newTarLayer()
	app.file(t, "app/.env", []byte("APP_ENV=production\nDATABASE_HOST=db\nDATABASE_PASSWORD="+dbPass+"\n"), 0o600)
	app.file(t, "app/main.py", []byte("import os\nprint(os.environ['APP_ENV'])\n"), 0o644)
	app.file(t, "etc/grafana/grafana.ini", []byte("[server]\nhttp_port = 3000\n\n[security]\nadmin_user = admin\nadmin_password = "+grafana+"\nsecret_key = ${GF_SECRET_KEY}\n"), 0o640)
	app.file(t, "root/.ssh/id_rsa", keyPEM, 0o600)
	app.file(t, "tmp/deploy-token.txt", []byte("GITHUB_TOKEN="+ghp+"\n"), 0o600)
	// A package file the application changed (a line added at the end) is
	// reported for what was added; one only re-owned (chown -R copies it
	// into the layer unchanged) is still the package's.
	var changed, reowned string
	for _, p := range h.selected {
		if strings.HasSuffix(p, ".py") || strings.HasSuffix(p, ".go") || strings.HasSuffix(p, ".json") || strings.HasSuffix(p, ".pem") {
			b, err := os.ReadFile(p)
			if err != nil || bytes.Contains(b, []byte{'\r'}) {
				continue
			}
			if changed == "" && !owner.IsDoc(p) && (strings.HasSuffix(p, ".py") || strings.HasSuffix(p, ".go")) {
				changed = p
				if !bytes.HasSuffix(b, []byte("\n")) {
					b = append(b, '\n')
				}
				app.file(t, p, append(b, []byte("STRIPE_API_KEY = \""+stripe+"\"\n")...), 0o644)
				plants = append(plants, planted{path: strings.TrimPrefix(p, "/"), rule: "BH-SEC-STRIPE-SECRET-KEY", value: stripe})
			} else if reowned == "" && p != changed {
				reowned = p
				app.file(t, p, b, 0o600)
			}
		}
	}
	t.Logf("changed package file: %q, re-owned: %q", changed, reowned)
	del := newTarLayer()
	del.whiteout(t, "tmp/deploy-token.txt")
	refB := fmt.Sprintf("secrets-bulkhead-test/app:%d", os.Getpid())
	env := []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "API_TOKEN=" + glpat, "APP_ENV=production"}
	loadImage(t, refB, env, base, app.bytes(t), del.bytes(t))

	check := func(t *testing.T, r *report.Report) {
		got := map[string]finding.Finding{}
		for _, f := range secretFindings(r) {
			k := f.Location.Path + " " + f.ID
			if _, dup := got[k]; dup {
				t.Errorf("%s reported twice", k)
			}
			got[k] = f
		}
		for _, p := range plants {
			f, ok := got[p.path+" "+p.rule]
			if !ok {
				t.Errorf("planted %s in %s not found", p.rule, p.path)
				continue
			}
			delete(got, p.path+" "+p.rule)
			if p.removed && f.Location.RemovedIn == "" {
				t.Errorf("%s: the file was deleted by a later layer, RemovedIn is empty", p.path)
			}
		}
		for k, f := range got {
			t.Errorf("unexpected secret finding %s line %d: %s", k, f.Location.Line, f.Evidence)
		}
		for _, f := range r.Findings {
			if f.ID == "BH-IMG-014" {
				t.Errorf("the ENV token is reported again by the image check: %s", f.Evidence)
			}
			if f.ID == "BH-IMG-019" {
				for _, p := range []string{"/root/.ssh/id_rsa", "/app/.env"} {
					if strings.Contains(f.Evidence, p) {
						t.Errorf("%s, reported by the secret scanner, is listed again by BH-IMG-019: %s", p, f.Evidence)
					}
				}
			}
		}
	}
	cfgB := Config{Scanners: []string{ScanSecret, ScanMisconfig}, CacheDir: cache}
	rb, err := ScanImage(ctx, "docker:"+refB, cfgB)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("planted", func(t *testing.T) { check(t, rb) })
	t.Run("cached", func(t *testing.T) {
		// The second scan reads every layer (and the merged result) from
		// the cache: the same findings.
		r, err := ScanImage(ctx, "docker:"+refB, cfgB)
		if err != nil {
			t.Fatal(err)
		}
		check(t, r)
	})
	t.Run("in-packages", func(t *testing.T) {
		cfg := cfgB
		cfg.SecretsInPackages = true
		r, err := ScanImage(ctx, "docker:"+refB, cfg)
		if err != nil {
			t.Fatal(err)
		}
		pkgFindings := 0
		for _, f := range secretFindings(r) {
			if !strings.Contains(strings.Join(f.Tags, ","), "package-file") {
				continue
			}
			pkgFindings++
			if f.Severity != finding.Low {
				t.Errorf("%s in package file %s: severity %s, want LOW", f.ID, f.Location.Path, f.Severity)
			}
			if owner.IsDoc(f.Location.Path) {
				t.Errorf("%s reported in the package documentation file %s", f.ID, f.Location.Path)
			}
			if f.Extra["package"] == nil {
				t.Errorf("%s in %s: no owning package", f.ID, f.Location.Path)
			}
		}
		if pkgFindings == 0 {
			t.Error("--secrets-in-packages reported no finding in the package files")
		}
	})
	t.Run("formats", func(t *testing.T) {
		for _, fm := range format.All {
			var buf bytes.Buffer
			if err := fm.Write(&buf, rb, format.Options{}); err != nil {
				t.Fatalf("%s: %v", fm.Name, err)
			}
			for _, p := range plants {
				checkRedacted(t, fm.Name, buf.String(), p.value)
			}
		}
	})
}

// checkRedacted fails when out shows more of secret than Redact keeps: its
// prefix one character longer than Redact's, or any 8 characters of it.
func checkRedacted(t *testing.T, where, out, secretValue string) {
	t.Helper()
	kept := len(strings.TrimSuffix(secret.Redact(secretValue), "****"))
	if strings.Contains(out, secretValue[:kept+1]) {
		t.Errorf("%s shows %q, more than the %d characters Redact keeps of %s****", where, secretValue[:kept+1], kept, secretValue[:kept])
	}
	for i := 0; i+8 <= len(secretValue); i++ {
		if w := secretValue[i : i+8]; strings.Contains(out, w) {
			t.Errorf("%s shows %q, part of a secret", where, w)
			return
		}
	}
}

// TestLintFormatsRedact lints a Dockerfile and a compose file with secrets
// and checks every output format for over-long evidence.
func TestLintFormatsRedact(t *testing.T) {
	pass := "Vq8zR2mK9xL4wT7p"
	short := "s3cr3t!"
	tok := "ghp_R8b2Kq9ZxY4mN7pL3vT6wJ1sD5fH0gC2aE8u"
	df := "FROM debian:12\nENV DB_PASSWORD=" + pass + " APP_ENV=prod\nARG GITHUB_TOKEN=" + tok + "\n" +
		"RUN curl -H \"Authorization: token " + tok + "\" https://example.com/x && echo " + pass + " > /tmp/p\n"
	cp := "services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: \"" + short + "\"\n" +
		"      API_TOKEN: " + tok + "\n    build:\n      context: .\n      args:\n        NPM_TOKEN: " + pass + "\n"
	var all []finding.Finding
	for name, src := range map[string]string{"Dockerfile": df, "docker-compose.yml": cp} {
		fs, err := LintFile(name, []byte(src), LintOptions{})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, fs...)
	}
	ids := map[string]bool{}
	for _, f := range all {
		ids[f.ID] = true
	}
	for _, id := range []string{"BH-DF-038", "BH-CP-014"} {
		if !ids[id] {
			t.Errorf("lint did not report %s", id)
		}
	}
	r := report.New(report.Target{Kind: report.KindFilesystem, Name: "."}, "test", time.Unix(0, 0))
	r.Findings = all
	names := make([]string, 0, len(format.All))
	for _, fm := range format.All {
		names = append(names, fm.Name)
		var buf bytes.Buffer
		if err := fm.Write(&buf, r, format.Options{}); err != nil {
			t.Fatalf("%s: %v", fm.Name, err)
		}
		for _, s := range []string{pass, tok} {
			checkRedacted(t, "lint "+fm.Name, buf.String(), s)
		}
		if strings.Contains(buf.String(), short[:3]) {
			t.Errorf("lint %s shows part of a 7-character password", fm.Name)
		}
	}
	sort.Strings(names)
	t.Logf("formats checked: %s", strings.Join(names, ", "))
}
