// Package java finds Maven artifacts in Java archives (.jar, .war, .ear,
// and Jenkins plugins .jpi/.hpi).
//
// Every META-INF/maven/GROUP/ARTIFACT/pom.properties in an archive is a
// package named "group:artifact". An archive with none falls back to its
// META-INF/MANIFEST.MF and its file name (artifact-1.2.3.jar): the version
// is Implementation-Version, Bundle-Version or the file name's; the
// artifact is Implementation-Title (unless it is a display name with
// spaces), the file name's, or Bundle-SymbolicName; the group is
// Implementation-Vendor-Id, and such packages carry no group when the
// manifest names none.
//
// Archives nested inside archives (BOOT-INF/lib/*.jar in Spring Boot fat
// jars, WEB-INF/lib/*.jar in wars, lib/*.jar and *.war in ears) are read
// recursively up to MaxDepth levels. A stored (uncompressed) nested archive
// is read in place; a compressed one is inflated into memory up to
// MaxInMemory bytes, else into a temporary file under the input's TempDir,
// and all nested archives of one file together may not inflate more than
// MaxNestedBytes. Nested packages have paths such as
// "app.jar!/BOOT-INF/lib/inner.jar".
//
// Extract may return packages together with an error: the error then wraps
// ErrSkipped and lists the nested archives that were skipped (too deep,
// over a budget, unreadable), and the packages are everything else that was
// found; a caller should keep both. A nested entry named like an archive
// that is not a zip at all is ignored without an error.
package java

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"

	"github.com/package-url/packageurl-go"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lang/internal/bounded"
)

// Name is the extractor's name.
const Name = "lang/java"

// Limits.
const (
	// MaxDepth is how many levels of archives inside archives are read.
	MaxDepth = 4
	// MaxInMemory is the largest compressed nested archive inflated into
	// memory; larger ones spill to a temporary file.
	MaxInMemory = 8 << 20
	// MaxNestedBytes bounds what all nested archives of one input may
	// inflate (in memory and on disk) together.
	MaxNestedBytes = 2 << 30
	// MaxMetaFile bounds a pom.properties or MANIFEST.MF.
	MaxMetaFile = 64 << 10
	// MaxEntries bounds the entries of one archive.
	MaxEntries = 1 << 20
	// MaxArchives bounds how many archives (the input and all nested
	// ones) are opened for one input.
	MaxArchives = 10000
	// MaxMetaBytes bounds what all pom.properties and manifests of one
	// input may inflate together.
	MaxMetaBytes = 64 << 20
)

// ErrSkipped wraps every reason a nested archive or a metadata file in an
// archive was not read.
var ErrSkipped = errors.New("nested archive skipped")

// Extractor reads Java archives.
type Extractor struct{}

var _ inventory.Extractor = Extractor{}

// New returns the Java archive extractor.
func New() Extractor { return Extractor{} }

// Name implements inventory.Extractor.
func (Extractor) Name() string { return Name }

// Version implements inventory.Extractor.
func (Extractor) Version() int { return 1 }

// Required implements inventory.Extractor.
func (Extractor) Required(p string, mode fs.FileMode) bool {
	return mode.IsRegular() && isArchive(p)
}

func isArchive(p string) bool {
	i := strings.LastIndexByte(p, '.')
	if i < 0 || len(p)-i > 4 {
		return false
	}
	switch strings.ToLower(p[i+1:]) {
	case "jar", "war", "ear", "jpi", "hpi":
		return true
	}
	return false
}

// Extract implements inventory.Extractor. A file that is not a zip archive
// is an error.
func (e Extractor) Extract(ctx context.Context, in *inventory.Input) ([]inventory.Package, error) {
	ra, size, err := in.ReaderAt()
	if err != nil {
		return nil, fmt.Errorf("open Java archive %q: %w", in.Path, err)
	}
	defer ra.Close()
	w := &walker{ctx: ctx, tempDir: in.TempDir, budget: MaxNestedBytes, archives: MaxArchives,
		meta: MaxMetaBytes, seen: map[string]bool{}}
	if err := w.archive(ra, size, in.Path, 0); err != nil {
		return nil, fmt.Errorf("read Java archive %q: %w", in.Path, err)
	}
	if w.moreSkipped > 0 {
		w.skipped = append(w.skipped, fmt.Errorf("%w: %d more", ErrSkipped, w.moreSkipped))
	}
	return w.pkgs, errors.Join(w.skipped...)
}

// maxSkipReasons bounds the skip reasons kept for the error; the rest are
// counted.
const maxSkipReasons = 20

func (w *walker) skip(err error) {
	if len(w.skipped) >= maxSkipReasons {
		w.moreSkipped++
		return
	}
	w.skipped = append(w.skipped, err)
}

type walker struct {
	ctx     context.Context
	tempDir string
	// Remaining budgets: bytes of nested archives, archives to open,
	// bytes of metadata files.
	budget      int64
	archives    int
	meta        int64
	pkgs        []inventory.Package
	skipped     []error
	moreSkipped int
	seen        map[string]bool
}

func (w *walker) add(p inventory.Package) {
	key := p.Path + "\x00" + p.Name + "\x00" + p.Version
	if w.seen[key] {
		return
	}
	w.seen[key] = true
	w.pkgs = append(w.pkgs, p)
}

// archive reads one zip archive at display path p.
func (w *walker) archive(ra io.ReaderAt, size int64, p string, depth int) error {
	if w.archives <= 0 {
		return fmt.Errorf("more than %d archives in one file", MaxArchives)
	}
	w.archives--
	zr, err := zip.NewReader(ra, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		// Entries named with ".." are harmless here: nothing is
		// written under an entry's name.
		return err
	}
	if len(zr.File) > MaxEntries {
		return fmt.Errorf("%d entries: too many (limit %d)", len(zr.File), MaxEntries)
	}
	var manifest *zip.File
	var nested []*zip.File
	found := false
	for _, f := range zr.File {
		name := f.Name
		switch {
		case strings.HasPrefix(name, "META-INF/maven/") && strings.HasSuffix(name, "/pom.properties"):
			props, err := w.readSmall(f)
			if err != nil {
				w.skip(fmt.Errorf("%s!/%s: %w: %w", p, name, ErrSkipped, err))
				continue
			}
			if pkg, ok := fromPom(parseProperties(props), name); ok {
				pkg.Path = p
				w.add(pkg)
				found = true
			}
		case strings.EqualFold(name, "META-INF/MANIFEST.MF"):
			manifest = f
		case isArchive(name) && !f.FileInfo().IsDir():
			nested = append(nested, f)
		}
	}
	if !found {
		var mf map[string]string
		if manifest != nil {
			if b, err := w.readSmall(manifest); err == nil {
				mf = parseManifest(b)
			} else {
				w.skip(fmt.Errorf("%s!/%s: %w: %w", p, manifest.Name, ErrSkipped, err))
			}
		}
		if pkg, ok := fromManifest(mf, path.Base(p)); ok {
			pkg.Path = p
			w.add(pkg)
		}
	}
	for _, f := range nested {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		np := p + "!/" + f.Name
		if depth+1 > MaxDepth {
			w.skip(fmt.Errorf("%s: %w: nested deeper than %d archives", np, ErrSkipped, MaxDepth))
			continue
		}
		if err := w.nested(f, np, depth+1, ra); err != nil {
			if errors.Is(err, zip.ErrFormat) {
				// Named like an archive but not a zip (test
				// fixtures, placeholders): not a package.
				continue
			}
			w.skip(fmt.Errorf("%s: %w: %w", np, ErrSkipped, err))
		}
	}
	return nil
}

// nested opens a nested archive entry and reads it.
func (w *walker) nested(f *zip.File, p string, depth int, outer io.ReaderAt) error {
	usize := f.UncompressedSize64
	if usize > uint64(w.budget) {
		return fmt.Errorf("%d bytes exceed the remaining budget of %d bytes for nested archives", usize, w.budget)
	}
	// Stored entries cost no memory but are counted too: overlapping
	// entries could otherwise make the same bytes be read without end.
	w.budget -= int64(usize)
	if f.Method == zip.Store && f.CompressedSize64 == usize {
		// Stored in place: read it straight from the outer archive.
		off, err := f.DataOffset()
		if err != nil {
			return err
		}
		return w.archive(io.NewSectionReader(outer, off, int64(usize)), int64(usize), p, depth)
	}
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	if usize <= MaxInMemory {
		b, err := bounded.ReadLimit(rc, int64(usize), p)
		if err != nil {
			return err
		}
		return w.archive(bytes.NewReader(b), int64(len(b)), p, depth)
	}
	tmp, err := os.CreateTemp(w.tempDir, "bulkhead-jar-*")
	if err != nil {
		return fmt.Errorf("spill: %w", err)
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	n, err := io.Copy(tmp, io.LimitReader(rc, int64(usize)+1))
	if err != nil {
		return fmt.Errorf("spill: %w", err)
	}
	if n != int64(usize) {
		return fmt.Errorf("inflated %d bytes, the entry declares %d", n, usize)
	}
	return w.archive(tmp, n, p, depth)
}

// readSmall reads a metadata entry of at most MaxMetaFile bytes, within
// the input's metadata budget.
func (w *walker) readSmall(f *zip.File) ([]byte, error) {
	if f.UncompressedSize64 > MaxMetaFile {
		return nil, fmt.Errorf("%d bytes: %w (limit %d)", f.UncompressedSize64, inventory.ErrTooLarge, MaxMetaFile)
	}
	if int64(f.UncompressedSize64) > w.meta {
		return nil, fmt.Errorf("metadata files exceed %d bytes in one archive", MaxMetaBytes)
	}
	w.meta -= int64(f.UncompressedSize64)
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return bounded.ReadLimit(rc, MaxMetaFile, f.Name)
}

// parseProperties reads a Java .properties file (key=value, key: value,
// comments with # or !).
func parseProperties(b []byte) map[string]string {
	m := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, MaxMetaFile+1)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		i := strings.IndexAny(line, "=:")
		if i < 0 {
			continue
		}
		m[strings.TrimSpace(line[:i])] = strings.TrimSpace(line[i+1:])
	}
	return m
}

// fromPom makes a package from pom.properties, with the group and artifact
// from the entry path when the file leaves them out.
func fromPom(props map[string]string, entry string) (inventory.Package, bool) {
	group, artifact, version := props["groupId"], props["artifactId"], props["version"]
	parts := strings.Split(entry, "/") // META-INF/maven/GROUP/ARTIFACT/pom.properties
	if len(parts) == 5 {
		if group == "" {
			group = parts[2]
		}
		if artifact == "" {
			artifact = parts[3]
		}
	}
	if group == "" || artifact == "" || version == "" {
		return inventory.Package{}, false
	}
	p := pkg(group, artifact, version)
	p.Metadata = map[string]string{"source": entry}
	return p, true
}

// parseManifest reads the main section of a MANIFEST.MF, joining the
// 72-byte continuation lines (which start with one space).
func parseManifest(b []byte) map[string]string {
	m := map[string]string{}
	var key string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, MaxMetaFile+1)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" {
			break // end of the main section
		}
		if line[0] == ' ' {
			if key != "" {
				m[key] += line[1:]
			}
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			key = ""
			continue
		}
		key = strings.TrimSpace(k)
		m[key] = strings.TrimSpace(v)
	}
	for k, v := range m {
		m[k] = strings.TrimSpace(v)
	}
	return m
}

// fromManifest makes a package from manifest attributes, completed by the
// archive's file name.
func fromManifest(mf map[string]string, file string) (inventory.Package, bool) {
	fileArtifact, fileVersion := splitFileName(file)
	version := first(mf["Implementation-Version"], mf["Bundle-Version"], fileVersion)
	title := mf["Implementation-Title"]
	if strings.ContainsAny(title, " \t") {
		title = "" // a display name, not an artifact id
	}
	symbolic, _, _ := strings.Cut(mf["Bundle-SymbolicName"], ";")
	artifact := first(title, fileArtifact, strings.TrimSpace(symbolic))
	group := mf["Implementation-Vendor-Id"]
	if artifact == "" || version == "" {
		return inventory.Package{}, false
	}
	p := pkg(group, artifact, version)
	src := "filename"
	if mf["Implementation-Version"] != "" || mf["Bundle-Version"] != "" {
		src = "MANIFEST.MF"
	}
	p.Metadata = map[string]string{"source": src}
	return p, true
}

func first(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// splitFileName splits "artifact-1.2.3.jar" at the last "-" followed by a
// digit.
func splitFileName(file string) (artifact, version string) {
	stem := strings.TrimSuffix(file, path.Ext(file))
	for i := len(stem) - 2; i > 0; i-- {
		if stem[i] == '-' && stem[i+1] >= '0' && stem[i+1] <= '9' {
			return stem[:i], stem[i+1:]
		}
	}
	return "", ""
}

// pkg builds a Maven package; without a group the name is the artifact
// alone.
func pkg(group, artifact, version string) inventory.Package {
	name := artifact
	if group != "" {
		name = group + ":" + artifact
	}
	return inventory.Package{
		Name: name, Version: version, Type: packageurl.TypeMaven, Extractor: Name,
		PURL: packageurl.NewPackageURL(packageurl.TypeMaven, group, artifact, version, nil, "").ToString(),
	}
}
