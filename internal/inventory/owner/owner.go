// Package owner knows which files of a root filesystem or image layer belong
// to installed packages, so that scanners can tell a package's own files
// (test keys in a language runtime's test suite, example credentials in an
// SDK's docs) from the files a user put there.
//
// Two kinds of evidence are used:
//
//   - file lists (ListsOf): dpkg's var/lib/dpkg/info/*.list, distroless
//     var/lib/dpkg/status.d/*.md5sums, apk's lib/apk/db/installed, the rpm
//     database (each header's file names), Python's *.dist-info/RECORD and
//     *.egg-info/installed-files.txt name every file of a package;
//   - package trees (TreeOf): a directory whose layout marks it as one
//     installed unit: a Go toolchain (VERSION, src/ and pkg/tool/), each
//     node_modules/<pkg>/ with a package.json, a CPython standard library
//     (lib/pythonX.Y/ with os.py, its site-packages excluded), a JDK (release
//     and lib/modules or bin/java), a Maven home (bin/m2.conf), a Gradle home
//     (lib/gradle-launcher-*.jar) and an installed gem (gems/<name>-<version>/
//     next to specifications/<name>-<version>.gemspec).
//
// Parsing is bounded: a list is read up to MaxListBytes and yields at most
// MaxListFiles paths; what is cut is reported as an error with the paths
// read so far.
package owner

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/os/rpm"
)

// Version changes whenever Lists or TreeOf may give other results for the
// same input (it keys cached layer results).
const Version = 3

// Limits of one file list.
const (
	MaxListBytes = 32 << 20
	MaxListFiles = 1 << 20
)

// ErrTruncated is returned with the paths read so far when a list is over
// MaxListBytes or MaxListFiles.
var ErrTruncated = errors.New("file list over the size limit: truncated")

// Kind names the evidence a List came from.
const (
	KindDpkg   = "deb"
	KindApk    = "apk"
	KindRpm    = "rpm"
	KindPython = "pypi"
	KindGo     = "golang"
	KindNpm    = "npm"
	KindJava   = "java"
	KindGem    = "gem"
)

// List is the files of one package.
type List struct {
	// Package is the package's name ("openssl", "botocore-1.43.11").
	Package string
	Kind    string
	// Files are slash separated, relative to the root, without a leading
	// slash; directories may be listed too.
	Files []string
	// Sums, when the list has them (dpkg md5sums and conffiles), map files
	// to the hex MD5 the package installed: a file whose content differs
	// was changed after the install, even in the same layer.
	Sums map[string]string
}

// Wanted reports, from the path alone, whether p is a file list that
// ListsOf parses (Lists, or an rpm database).
func Wanted(p string) bool {
	switch {
	case rpm.IsDatabase(p):
		return true
	case strings.HasSuffix(p, ".list"):
		return strings.HasPrefix(p, "var/lib/dpkg/info/") && strings.Count(p, "/") == 4
	case strings.HasSuffix(p, ".md5sums"):
		return (strings.HasPrefix(p, "var/lib/dpkg/status.d/") || strings.HasPrefix(p, "var/lib/dpkg/info/")) && strings.Count(p, "/") == 4
	case p == "var/lib/dpkg/status":
		return true
	case p == "lib/apk/db/installed":
		return true
	case strings.HasSuffix(p, "/RECORD"):
		return strings.HasSuffix(path.Dir(p), ".dist-info")
	case strings.HasSuffix(p, "/installed-files.txt"):
		return strings.HasSuffix(path.Dir(p), ".egg-info")
	}
	return false
}

// ListsOf reads the file lists of one Wanted file: an rpm database
// (rpm.Files, bounded by the rpm extractor's limits) or a list Lists reads.
func ListsOf(ctx context.Context, in *inventory.Input) ([]List, error) {
	if !rpm.IsDatabase(in.Path) {
		if in.Size > MaxListBytes {
			return nil, fmt.Errorf("%s: %d bytes: %w", in.Path, in.Size, ErrTruncated)
		}
		return Lists(in.Path, in.Reader)
	}
	fls, err := rpm.Files(ctx, in)
	out := make([]List, 0, len(fls))
	for _, f := range fls {
		out = append(out, List{Package: f.Package, Kind: KindRpm, Files: f.Files})
	}
	return out, err
}

// Lists parses the file list at p (one Wanted accepted). A list that is not
// of the expected shape yields what could be read; only read errors and
// the limits are errors.
func Lists(p string, r io.Reader) ([]List, error) {
	lr := &io.LimitedReader{R: r, N: MaxListBytes + 1}
	var (
		out []List
		err error
	)
	switch {
	case strings.HasSuffix(p, ".list"):
		out, err = dpkgList(p, lr)
	case strings.HasSuffix(p, ".md5sums"):
		out, err = md5sumsList(p, lr)
	case p == "var/lib/dpkg/status":
		out, err = dpkgConffiles(lr)
	case p == "lib/apk/db/installed":
		out, err = apkInstalled(lr)
	case strings.HasSuffix(p, "/RECORD"):
		out, err = pythonRecord(p, lr)
	case strings.HasSuffix(p, "/installed-files.txt"):
		out, err = eggInstalledFiles(p, lr)
	default:
		return nil, nil
	}
	if err == nil && lr.N <= 0 {
		err = ErrTruncated
	}
	return out, err
}

// lines calls fn for every line of r (without the line break), up to the
// file limit; fn returns false to drop the line from the count.
func lines(r io.Reader, fn func(line []byte) bool) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 64<<10)
	n := 0
	for sc.Scan() {
		if fn(sc.Bytes()) {
			n++
			if n >= MaxListFiles {
				return ErrTruncated
			}
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("%w: a line over 64 KiB", ErrTruncated)
		}
		return err
	}
	return nil
}

// clean makes a listed path root-relative: "/usr/bin/x" and "./usr/bin/x"
// become "usr/bin/x"; paths that leave the root are dropped ("").
func clean(p string) string {
	if p == "" {
		return ""
	}
	c := path.Clean("/" + p)
	if c == "/" {
		return ""
	}
	return c[1:]
}

// dpkgName is the package name of a dpkg info or status.d file:
// "libssl3:amd64.list" is "libssl3".
func dpkgName(p, ext string) string {
	n := strings.TrimSuffix(path.Base(p), ext)
	if i := strings.IndexByte(n, ':'); i >= 0 {
		n = n[:i]
	}
	return n
}

func dpkgList(p string, r io.Reader) ([]List, error) {
	l := List{Package: dpkgName(p, ".list"), Kind: KindDpkg}
	err := lines(r, func(b []byte) bool {
		if f := clean(string(bytes.TrimSpace(b))); f != "" {
			l.Files = append(l.Files, f)
			return true
		}
		return false
	})
	return []List{l}, err
}

// md5sumsList reads "<md5>  <path>" lines (paths relative to the root).
func md5sumsList(p string, r io.Reader) ([]List, error) {
	l := List{Package: dpkgName(p, ".md5sums"), Kind: KindDpkg, Sums: map[string]string{}}
	err := lines(r, func(b []byte) bool {
		i := bytes.IndexByte(b, ' ')
		if i < 0 {
			return false
		}
		if f := clean(string(bytes.TrimSpace(b[i:]))); f != "" {
			l.Files = append(l.Files, f)
			if sum := string(b[:i]); isMD5(sum) {
				l.Sums[f] = sum
			}
			return true
		}
		return false
	})
	return []List{l}, err
}

func isMD5(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !('0' <= s[i] && s[i] <= '9' || 'a' <= s[i] && s[i] <= 'f') {
			return false
		}
	}
	return true
}

// dpkgConffiles reads the Conffiles fields of dpkg's status file: " <path>
// <md5>[ obsolete]" lines after "Conffiles:", one list per package.
func dpkgConffiles(r io.Reader) ([]List, error) {
	var out []List
	pkg, in := "", false
	err := lines(r, func(b []byte) bool {
		if len(b) == 0 {
			pkg, in = "", false
			return false
		}
		if b[0] != ' ' && b[0] != '\t' {
			in = false
			if name, ok := bytes.CutPrefix(b, []byte("Package:")); ok {
				pkg = string(bytes.TrimSpace(name))
			}
			in = bytes.HasPrefix(b, []byte("Conffiles:"))
			return false
		}
		if !in || pkg == "" {
			return false
		}
		fs := bytes.Fields(b)
		if len(fs) < 2 || !isMD5(string(fs[1])) {
			return false
		}
		f := clean(string(fs[0]))
		if f == "" {
			return false
		}
		if len(out) == 0 || out[len(out)-1].Package != pkg {
			out = append(out, List{Package: pkg, Kind: KindDpkg, Sums: map[string]string{}})
		}
		l := &out[len(out)-1]
		l.Files = append(l.Files, f)
		l.Sums[f] = string(fs[1])
		return true
	})
	return out, err
}

// apkInstalled reads apk's database: "P:" starts a package, "F:" names a
// directory and "R:" a file in the last directory.
func apkInstalled(r io.Reader) ([]List, error) {
	var out []List
	dir := ""
	err := lines(r, func(b []byte) bool {
		if len(b) < 2 || b[1] != ':' {
			return false
		}
		v := string(b[2:])
		switch b[0] {
		case 'P':
			out = append(out, List{Package: v, Kind: KindApk})
			dir = ""
		case 'F':
			dir = v
		case 'R':
			if len(out) == 0 {
				return false
			}
			if f := clean(dir + "/" + v); f != "" {
				out[len(out)-1].Files = append(out[len(out)-1].Files, f)
				return true
			}
		}
		return false
	})
	return out, err
}

// pythonRecord reads a wheel's RECORD: CSV rows whose first field is a path
// relative to the directory holding the .dist-info directory.
func pythonRecord(p string, r io.Reader) ([]List, error) {
	info := path.Dir(p)
	site := path.Dir(info)
	l := List{Package: strings.TrimSuffix(path.Base(info), ".dist-info"), Kind: KindPython}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				continue // one bad row: keep the rest
			}
			return []List{l}, err
		}
		if len(rec) == 0 || rec[0] == "" {
			continue
		}
		if f := clean(site + "/" + rec[0]); f != "" {
			l.Files = append(l.Files, f)
			if len(l.Files) >= MaxListFiles {
				return []List{l}, ErrTruncated
			}
		}
	}
	// The RECORD itself and the .dist-info directory belong too.
	l.Files = append(l.Files, info)
	return []List{l}, nil
}

// eggInstalledFiles reads setuptools' installed-files.txt: paths relative
// to the .egg-info directory.
func eggInstalledFiles(p string, r io.Reader) ([]List, error) {
	info := path.Dir(p)
	l := List{Package: strings.TrimSuffix(path.Base(info), ".egg-info"), Kind: KindPython, Files: []string{info}}
	err := lines(r, func(b []byte) bool {
		s := strings.TrimSpace(string(b))
		if s == "" {
			return false
		}
		if f := clean(info + "/" + s); f != "" {
			l.Files = append(l.Files, f)
			return true
		}
		return false
	})
	return []List{l}, err
}

// Tree is a directory that belongs to one installed unit as a whole.
type Tree struct {
	// Dir is the tree's root, root-relative without a trailing slash.
	Dir     string
	Package string
	Kind    string
	// Except are subdirectories (root-relative) that the tree does not
	// own: a CPython standard library does not own its site-packages.
	Except []string
}

// Contains reports whether p lies in the tree.
func (t *Tree) Contains(p string) bool {
	if !under(p, t.Dir) {
		return false
	}
	for _, e := range t.Except {
		if under(p, e) {
			return false
		}
	}
	return true
}

func under(p, dir string) bool {
	if dir == "" {
		return p != ""
	}
	return len(p) > len(dir) && p[len(dir)] == '/' && strings.HasPrefix(p, dir)
}

// TreeOf reports the package tree that the regular file p marks, if any.
// has reports whether a path (file or directory) exists in the same
// filesystem or layer.
func TreeOf(p string, has func(string) bool) (Tree, bool) {
	dir, base := path.Split(p)
	dir = strings.TrimSuffix(dir, "/")
	// pre is dir with a trailing slash ("" at the root).
	pre := dir
	if pre != "" {
		pre += "/"
	}
	switch {
	case base == "VERSION":
		// A Go toolchain: VERSION, src/ and pkg/tool/.
		if has(pre+"src") && has(pre+"pkg/tool") {
			return Tree{Dir: dir, Package: "go", Kind: KindGo}, true
		}
	case base == "package.json":
		// node_modules/<pkg>/package.json or node_modules/@scope/<pkg>/package.json.
		parent, name := path.Split(dir)
		parent = strings.TrimSuffix(parent, "/")
		if strings.HasPrefix(path.Base(parent), "@") {
			name = path.Base(parent) + "/" + name
			parent = path.Dir(parent)
		}
		if name != "" && name[0] != '.' && path.Base(parent) == "node_modules" {
			return Tree{Dir: dir, Package: name, Kind: KindNpm}, true
		}
	case base == "os.py":
		// A CPython standard library: <prefix>/lib/pythonX.Y/os.py.
		if b := path.Base(dir); strings.HasPrefix(b, "python") && len(b) > 6 && b[6] >= '0' && b[6] <= '9' &&
			path.Base(path.Dir(dir)) == "lib" {
			return Tree{Dir: dir, Package: b, Kind: KindPython,
				Except: []string{dir + "/site-packages", dir + "/dist-packages"}}, true
		}
	case base == "release":
		// A JDK or JRE: release next to lib/modules or bin/java.
		if has(pre+"lib/modules") || has(pre+"bin/java") {
			return Tree{Dir: dir, Package: path.Base(dir), Kind: KindJava}, true
		}
	case base == "m2.conf" && path.Base(dir) == "bin":
		d := path.Dir(dir)
		if d != "." && d != "" {
			return Tree{Dir: d, Package: "maven", Kind: KindJava}, true
		}
	case strings.HasPrefix(base, "gradle-launcher-") && strings.HasSuffix(base, ".jar") && path.Base(dir) == "lib":
		d := path.Dir(dir)
		if d != "." && d != "" {
			return Tree{Dir: d, Package: "gradle", Kind: KindJava}, true
		}
	case strings.HasSuffix(base, ".gemspec") && path.Base(dir) == "specifications":
		name := strings.TrimSuffix(base, ".gemspec")
		g := path.Dir(dir) + "/gems/" + name
		if path.Dir(dir) == "." {
			g = "gems/" + name
		}
		if name != "" && has(g) {
			return Tree{Dir: g, Package: name, Kind: KindGem}, true
		}
	}
	return Tree{}, false
}

// docDirs are folder names whose files are a package's documentation or
// examples.
var docDirs = []string{"doc", "docs", "documentation", "example", "examples", "man", "info"}

// docExts are extensions of documentation files.
var docExts = []string{".md", ".markdown", ".mdx", ".rst", ".txt", ".adoc", ".html", ".htm", ".texi", ".1", ".5", ".8"}

// IsDoc reports whether p is a documentation or example file: under a
// doc/docs/example(s)/man folder or usr/share/doc, named as an example, a
// Python distribution's METADATA or PKG-INFO, or with a documentation
// extension. Secrets found in such files of a package are never reported.
func IsDoc(p string) bool {
	lp := strings.ToLower(p)
	base := path.Base(lp)
	// Example code ("example_test.go", "examples-1.json") and a Python
	// distribution's long description (its README).
	if strings.Contains(base, "example") || base == "metadata" && strings.HasSuffix(path.Dir(lp), ".dist-info") ||
		base == "pkg-info" {
		return true
	}
	for _, e := range docExts {
		if strings.HasSuffix(lp, e) {
			return true
		}
	}
	for _, d := range docDirs {
		if strings.HasPrefix(lp, d+"/") || strings.Contains(lp, "/"+d+"/") {
			return true
		}
	}
	return strings.HasPrefix(lp, "usr/share/doc/")
}
