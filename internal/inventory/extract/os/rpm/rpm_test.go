package rpm

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	rpmdb "github.com/knqyf263/go-rpmdb/pkg"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/testenv"
)

func TestRequired(t *testing.T) {
	tests := []struct {
		path string
		mode fs.FileMode
		want bool
	}{
		{"var/lib/rpm/Packages", 0, true},
		{"var/lib/rpm/Packages.db", 0, true},
		{"var/lib/rpm/rpmdb.sqlite", 0, true},
		{"usr/lib/sysimage/rpm/rpmdb.sqlite", 0, true},
		{"usr/lib/sysimage/rpm/Packages.db", 0, true},
		{"var/lib/rpm/rpmdb.sqlite", fs.ModeSymlink, false},
		{"var/lib/rpm/rpmdb.sqlite-wal", 0, false},
		{"var/lib/rpm/Name", 0, false},
		{"var/lib/rpm", fs.ModeDir, false},
	}
	for _, tt := range tests {
		if got := New().Required(tt.path, tt.mode); got != tt.want {
			t.Errorf("Required(%q, %v) = %v, want %v", tt.path, tt.mode, got, tt.want)
		}
	}
}

func parseFile(t testing.TB, file string) (*Result, error) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return Extractor{}.Parse(context.Background(), &inventory.Input{Path: "var/lib/rpm/x", Size: int64(len(b)), Reader: bytes.NewReader(b)})
}

func TestExtract(t *testing.T) {
	const path = "var/lib/rpm/rpmdb.sqlite"
	libfoo := func(name, src string) inventory.Package {
		return inventory.Package{Name: name, Version: "2:1.4~rc1-7.fc39", Type: "rpm", Arch: "x86_64",
			SourceName: src, SourceVersion: "2:1.4~rc1-7.fc39", Licenses: []string{"MIT AND (BSD-3-Clause OR Apache-2.0)"},
			Path: path, Extractor: Name}
	}
	sqliteWant := []inventory.Package{
		libfoo("libfoo", ""),
		libfoo("libfoo-devel", "libfoo"),
		{Name: "zero-epoch", Version: "5-1", Type: "rpm", Arch: "noarch", SourceVersion: "5-1", Licenses: []string{"Public Domain"}, Path: path, Extractor: Name},
		{Name: "hello", Version: "2.12.1-3.el9", Type: "rpm", Arch: "noarch", SourceVersion: "2.12.1-3.el9", Licenses: []string{"GPL-3.0-or-later"},
			Metadata: map[string]string{"vendor": "Bulkhead Test"}, Path: path, Extractor: Name},
	}
	var small []inventory.Package
	for range 25 {
		small = append(small, sqliteWant...)
	}
	tests := []struct {
		file string
		want []inventory.Package
	}{
		{"testdata/sqlite/rpmdb.sqlite", sqliteWant},
		{"testdata/sqlite-small-pages/rpmdb.sqlite", small},
		{"testdata/sqlite-tiny/rpmdb.sqlite", []inventory.Package{sqliteWant[3], sqliteWant[3]}},
		{"testdata/bdb/Packages", []inventory.Package{{
			Name: "libuuid", Version: "2.32.1-42.el8_8", Type: "rpm", Arch: "x86_64", SourceName: "util-linux", SourceVersion: "2.32.1-42.el8_8",
			Licenses: []string{"BSD"}, Metadata: map[string]string{"vendor": "Red Hat, Inc."}, Path: path, Extractor: Name}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			got, err := New().Extract(context.Background(), &inventory.Input{Path: path, Size: int64(len(b)), Reader: bytes.NewReader(b)})
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Extract(%s) mismatch (-want +got):\n%s", tt.file, diff)
			}
		})
	}
}

func TestExtractNDB(t *testing.T) {
	r, err := parseFile(t, "testdata/ndb/Packages.db")
	if err != nil {
		t.Fatal(err)
	}
	if r.Format != "ndb" || len(r.Packages) != 35 || len(r.Skipped) != 0 {
		t.Fatalf("Parse(ndb) = format %q, %d packages, skipped %v; want ndb, 35, none", r.Format, len(r.Packages), r.Skipped)
	}
	// Spot checks against `rpm -qa` on the SUSE BCI image the file comes from.
	want := map[string]inventory.Package{
		"glibc": {Name: "glibc", Version: "2.31-9.3.2", Type: "rpm", Arch: "x86_64", SourceVersion: "2.31-9.3.2",
			Licenses: []string{"LGPL-2.1-or-later AND LGPL-2.1-or-later WITH GCC-exception-2.0 AND GPL-2.0-or-later"},
			Metadata: map[string]string{"vendor": "SUSE LLC <https://www.suse.com/>"}, Path: "var/lib/rpm/x", Extractor: Name},
		"libpcre1": {Name: "libpcre1", Version: "8.45-20.10.1", Type: "rpm", Arch: "x86_64", SourceName: "pcre", SourceVersion: "8.45-20.10.1",
			Licenses: []string{"BSD-3-Clause"}, Metadata: map[string]string{"vendor": "SUSE LLC <https://www.suse.com/>"}, Path: "var/lib/rpm/x", Extractor: Name},
	}
	got := map[string]inventory.Package{}
	for _, p := range r.Packages {
		if _, ok := want[p.Name]; ok {
			got[p.Name] = p
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Parse(ndb) mismatch (-want +got):\n%s", diff)
	}
}

// rpmLine is one package as "NAME VERSION ARCH SOURCENAME SOURCEVERSION
// LICENSE VENDOR MODULARITYLABEL", the form both oracles are turned into.
func rpmLine(p inventory.Package) string {
	lic := ""
	if len(p.Licenses) > 0 {
		lic = p.Licenses[0]
	}
	return strings.Join([]string{p.Name, p.Version, p.Arch, p.SourceName, p.SourceVersion, lic, p.Metadata["vendor"], p.Metadata["modularitylabel"]}, "|")
}

// fromOracle applies the extractor's documented rules to raw fields.
func fromOracle(name string, epoch *int, version, release, arch, sourceRPM, license, vendor, modularity string) string {
	e := ""
	if epoch != nil && *epoch != 0 {
		e = fmt.Sprint(*epoch) + ":"
	}
	vr := version + "-" + release
	srcName, srcVer := "", ""
	if n, v, ok := parseSourceRPM(sourceRPM); ok {
		if n != name {
			srcName = n
		}
		srcVer = e + v
	}
	return strings.Join([]string{name, e + vr, arch, srcName, srcVer, license, vendor, modularity}, "|")
}

// oracleFiles lists the rpm databases to check against the oracles: ours,
// and go-rpmdb's larger test set when its module is in the module cache.
func oracleFiles(t *testing.T) []string {
	files := []string{"testdata/sqlite/rpmdb.sqlite", "testdata/sqlite-small-pages/rpmdb.sqlite", "testdata/sqlite-tiny/rpmdb.sqlite", "testdata/bdb/Packages", "testdata/ndb/Packages.db"}
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err == nil {
		dir := filepath.Join(strings.TrimSpace(string(out)), "github.com/knqyf263/go-rpmdb@v0.1.1/pkg/testdata")
		more, _ := filepath.Glob(filepath.Join(dir, "*", "*"))
		files = append(files, more...)
	}
	if len(files) == 5 {
		t.Log("go-rpmdb v0.1.1 test data not in the module cache: checking the local test data only")
	}
	return files
}

// TestAgainstRPM checks every SQLite and Berkeley DB database against what
// the real rpm reports for it.
func TestAgainstRPM(t *testing.T) {
	rpm := testenv.RequireCommand(t, "rpm")
	for _, file := range oracleFiles(t) {
		r, err := parseFile(t, file)
		if err != nil {
			if strings.HasSuffix(file, ".bin") {
				continue
			}
			t.Errorf("Parse(%s): %v", file, err)
			continue
		}
		var backend, base string
		switch r.Format {
		case "sqlite":
			if strings.Contains(file, "small-pages") || strings.Contains(file, "tiny") {
				continue // made by Python's sqlite3, without rpm's index tables
			}
			backend, base = "sqlite", "rpmdb.sqlite"
		case "bdb":
			backend, base = "bdb_ro", "Packages"
		default:
			continue // Debian's rpm has no ndb backend; see TestAgainstGoRPMDB.
		}
		t.Run(file, func(t *testing.T) {
			dir := t.TempDir()
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, base), b, 0o644); err != nil {
				t.Fatal(err)
			}
			const qf = "%{NAME}|%{EPOCH}|%{VERSION}|%{RELEASE}|%{ARCH}|%{SOURCERPM}|%{LICENSE}|%{VENDOR}|%{MODULARITYLABEL}\\n"
			out, err := exec.Command(rpm, "--define", "_db_backend "+backend, "--dbpath", dir, "-qa", "--qf", qf).Output()
			if err != nil {
				t.Fatalf("rpm -qa: %v", err)
			}
			var want []string
			for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				f := strings.Split(l, "|")
				if len(f) != 9 || f[0] == "gpg-pubkey" {
					continue
				}
				for i := range f {
					if f[i] == "(none)" {
						f[i] = ""
					}
				}
				var epoch *int
				if f[1] != "" {
					var e int
					fmt.Sscan(f[1], &e)
					epoch = &e
				}
				want = append(want, fromOracle(f[0], epoch, f[2], f[3], f[4], f[5], f[6], f[7], f[8]))
			}
			var got []string
			for _, p := range r.Packages {
				got = append(got, rpmLine(p))
			}
			sort.Strings(want)
			sort.Strings(got)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s: packages differ from rpm -qa (-want +got):\n%s", file, diff)
			}
			if len(r.Skipped) != 0 {
				t.Errorf("%s: skipped %v", file, r.Skipped)
			}
		})
	}
}

// TestAgainstGoRPMDB checks the Berkeley DB and NDB databases against
// go-rpmdb's own reader (its SQLite reader needs a database/sql driver).
func TestAgainstGoRPMDB(t *testing.T) {
	for _, file := range oracleFiles(t) {
		r, err := parseFile(t, file)
		if err != nil || r.Format == "sqlite" {
			continue
		}
		t.Run(file, func(t *testing.T) {
			db, err := rpmdb.Open(file)
			if err != nil {
				t.Fatalf("go-rpmdb Open: %v", err)
			}
			defer db.Close()
			pkgs, err := db.ListPackages()
			if err != nil {
				t.Fatalf("go-rpmdb ListPackages: %v", err)
			}
			var want, got []string
			for _, p := range pkgs {
				if p.Name == "gpg-pubkey" {
					continue
				}
				want = append(want, fromOracle(p.Name, p.Epoch, p.Version, p.Release, p.Arch, p.SourceRpm, p.License, p.Vendor, p.Modularitylabel))
			}
			for _, p := range r.Packages {
				got = append(got, rpmLine(p))
			}
			sort.Strings(want)
			sort.Strings(got)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s: packages differ from go-rpmdb (-want +got):\n%s", file, diff)
			}
		})
	}
}

func TestParseSourceRPM(t *testing.T) {
	tests := []struct {
		in, name, vr string
		ok           bool
	}{
		{"openssl-3.0.7-24.el9.src.rpm", "openssl", "3.0.7-24.el9", true},
		{"util-linux-2.32.1-42.el8_8.src.rpm", "util-linux", "2.32.1-42.el8_8", true},
		{"kernel-5.14.0-362.8.1.el9_3.nosrc.rpm", "kernel", "5.14.0-362.8.1.el9_3", true},
		{"a-1-2.src.rpm", "a", "1-2", true},
		{"noversion.src.rpm", "", "", false},
		{"-1-2.src.rpm", "", "", false},
		{"a--2.src.rpm", "", "", false},
		{"a-1-.src.rpm", "", "", false},
		{"openssl-3.0.7-24.el9.x86_64.rpm", "", "", false},
		{"", "", "", false},
	}
	for _, tt := range tests {
		name, vr, ok := parseSourceRPM(tt.in)
		if diff := cmp.Diff([]any{tt.name, tt.vr, tt.ok}, []any{name, vr, ok}); diff != "" {
			t.Errorf("parseSourceRPM(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
}

// headerBlob builds a header blob from string tags and an optional epoch.
func headerBlob(tags map[uint32]string, epoch *uint32) []byte {
	var idx, data bytes.Buffer
	keys := make([]uint32, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	entry := func(tag, typ, off, count uint32) {
		binary.Write(&idx, binary.BigEndian, [4]uint32{tag, typ, off, count})
	}
	for _, k := range keys {
		entry(k, typeString, uint32(data.Len()), 1)
		data.WriteString(tags[k])
		data.WriteByte(0)
	}
	if epoch != nil {
		for data.Len()%4 != 0 {
			data.WriteByte(0)
		}
		entry(tagEpoch, typeInt32, uint32(data.Len()), 1)
		binary.Write(&data, binary.BigEndian, *epoch)
	}
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, [2]uint32{uint32(idx.Len() / 16), uint32(data.Len())})
	b.Write(idx.Bytes())
	b.Write(data.Bytes())
	return b.Bytes()
}

func TestToPackage(t *testing.T) {
	one := uint32(1)
	tests := []struct {
		name    string
		blob    []byte
		want    inventory.Package
		ok      bool
		wantErr bool
	}{
		{"full", headerBlob(map[uint32]string{tagName: "openssl-libs", tagVersion: "3.0.7", tagRelease: "24.el9", tagArch: "x86_64",
			tagSourceRPM: "openssl-3.0.7-24.el9.src.rpm", tagLicense: "Apache-2.0", tagModularityLabel: "m:1:2:3"}, &one),
			inventory.Package{Name: "openssl-libs", Version: "1:3.0.7-24.el9", Type: "rpm", Arch: "x86_64", SourceName: "openssl", SourceVersion: "1:3.0.7-24.el9",
				Licenses: []string{"Apache-2.0"}, Metadata: map[string]string{"modularitylabel": "m:1:2:3"}}, true, false},
		{"no release", headerBlob(map[uint32]string{tagName: "x", tagVersion: "1"}, nil),
			inventory.Package{Name: "x", Version: "1", Type: "rpm"}, true, false},
		{"gpg-pubkey", headerBlob(map[uint32]string{tagName: "gpg-pubkey", tagVersion: "fd431d51", tagRelease: "4ae0493b"}, nil),
			inventory.Package{}, false, false},
		{"no name", headerBlob(map[uint32]string{tagVersion: "1"}, nil), inventory.Package{}, false, true},
		{"short", []byte{0, 0, 0}, inventory.Package{}, false, true},
		{"no tags", []byte{0, 0, 0, 0, 0, 0, 0, 0}, inventory.Package{}, false, true},
		{"data overruns", []byte{0, 0, 0, 1, 0, 0, 0, 100}, inventory.Package{}, false, true},
		{"string offset out", func() []byte {
			b := headerBlob(map[uint32]string{tagName: "x"}, nil)
			binary.BigEndian.PutUint32(b[16:20], 1000)
			return b
		}(), inventory.Package{}, false, true},
		{"unterminated string", func() []byte {
			b := headerBlob(map[uint32]string{tagName: "x"}, nil)
			return append(b[:len(b)-1], 'y')
		}(), inventory.Package{}, false, true},
		{"wrong type", func() []byte {
			b := headerBlob(map[uint32]string{tagName: "x"}, nil)
			binary.BigEndian.PutUint32(b[12:16], typeInt32)
			return b
		}(), inventory.Package{}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, err := toPackage(tt.blob)
			if (err != nil) != tt.wantErr {
				t.Fatalf("toPackage error = %v, want error %v", err, tt.wantErr)
			}
			if ok != tt.ok {
				t.Errorf("toPackage ok = %v, want %v", ok, tt.ok)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("toPackage mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// ndbFile builds an NDB database holding blobs, one slot page.
func ndbFile(blobs ...[]byte) []byte {
	le := binary.LittleEndian
	b := make([]byte, 4096)
	le.PutUint32(b[0:], ndbHeaderMagic)
	le.PutUint32(b[12:], 1) // slot pages
	for i := 32; i < 4096; i += 16 {
		le.PutUint32(b[i:], ndbSlotMagic)
	}
	for i, blob := range blobs {
		off := len(b)
		blocks := (16 + len(blob) + 15) / 16
		slot := 32 + 16*i
		le.PutUint32(b[slot+4:], uint32(i+1))
		le.PutUint32(b[slot+8:], uint32(off/16))
		le.PutUint32(b[slot+12:], uint32(blocks))
		bh := make([]byte, 16)
		le.PutUint32(bh[0:], ndbBlobMagic)
		le.PutUint32(bh[4:], uint32(i+1))
		le.PutUint32(bh[12:], uint32(len(blob)))
		b = append(b, bh...)
		b = append(b, blob...)
		b = append(b, make([]byte, blocks*16-16-len(blob))...)
	}
	return b
}

func TestDamaged(t *testing.T) {
	good := headerBlob(map[uint32]string{tagName: "good", tagVersion: "1", tagRelease: "1"}, nil)
	bad := []byte("not a header")
	sqlite, err := os.ReadFile("testdata/sqlite-small-pages/rpmdb.sqlite")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name         string
		file         []byte
		packages     int
		skipped      int
		extractError bool
		parseError   bool
	}{
		{"ndb one bad record", ndbFile(good, bad, good), 2, 1, false, false},
		{"ndb all bad", ndbFile(bad), 0, 1, true, false},
		{"ndb blob overruns", func() []byte {
			b := ndbFile(good)
			binary.LittleEndian.PutUint32(b[4096+12:], 1<<20)
			return b
		}(), 0, 1, true, false},
		{"ndb slot pages beyond file", func() []byte {
			b := ndbFile(good)
			binary.LittleEndian.PutUint32(b[12:], 2000)
			return b
		}(), 0, 0, true, true},
		{"sqlite truncated", sqlite[:len(sqlite)/2], 0, 0, true, true},
		{"sqlite page cycle", func() []byte {
			b := bytes.Clone(sqlite)
			// Point the first overflow pointer of every leaf cell back at
			// its own page: each page may be visited once only.
			ps := int(binary.BigEndian.Uint16(b[16:18]))
			for pg := 1; pg*ps <= len(b); pg++ {
				p := b[(pg-1)*ps : pg*ps]
				if pg == 1 || p[0] != 0x0d {
					continue
				}
				binary.BigEndian.PutUint32(p[ps-4:], uint32(pg))
			}
			return b
		}(), -1, -1, false, false},
		{"empty", nil, 0, 0, true, true},
		{"text file", []byte("hello, this is not a database at all, not even close, really not\n"), 0, 0, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := func() *inventory.Input {
				return &inventory.Input{Path: "var/lib/rpm/Packages.db", Size: int64(len(tt.file)), Reader: bytes.NewReader(tt.file)}
			}
			r, err := Extractor{}.Parse(context.Background(), in())
			if (err != nil) != tt.parseError {
				t.Fatalf("Parse error = %v, want error %v", err, tt.parseError)
			}
			if err == nil && tt.packages >= 0 && (len(r.Packages) != tt.packages || len(r.Skipped) != tt.skipped) {
				t.Errorf("Parse = %d packages, %d skipped (%v); want %d, %d", len(r.Packages), len(r.Skipped), r.Skipped, tt.packages, tt.skipped)
			}
			if _, err := New().Extract(context.Background(), in()); (err != nil) != tt.extractError && tt.packages >= 0 {
				t.Errorf("Extract error = %v, want error %v", err, tt.extractError)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	b := ndbFile(headerBlob(map[uint32]string{tagName: "x", tagVersion: "1"}, nil))
	_, err := New().Extract(context.Background(), &inventory.Input{Path: "var/lib/rpm/Packages.db", Size: int64(len(b)), Reader: bytes.NewReader(b), MaxBytes: 100})
	if !errors.Is(err, inventory.ErrTooLarge) {
		t.Errorf("Extract over MaxBytes error = %v, want ErrTooLarge", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = New().Extract(ctx, &inventory.Input{Path: "var/lib/rpm/Packages.db", Size: int64(len(b)), Reader: bytes.NewReader(b)})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Extract(cancelled) error = %v, want context.Canceled", err)
	}
}

func BenchmarkExtract(b *testing.B) {
	for _, file := range []string{"testdata/sqlite-small-pages/rpmdb.sqlite", "testdata/ndb/Packages.db", "testdata/bdb/Packages"} {
		data, err := os.ReadFile(file)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(filepath.Base(filepath.Dir(file)), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := New().Extract(context.Background(), &inventory.Input{Path: "var/lib/rpm/x", Size: int64(len(data)), Reader: bytes.NewReader(data)}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func FuzzExtract(f *testing.F) {
	for _, file := range []string{"testdata/sqlite-tiny/rpmdb.sqlite", "testdata/bdb/Packages"} {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(ndbFile(headerBlob(map[uint32]string{tagName: "a", tagVersion: "1", tagRelease: "2", tagSourceRPM: "b-1-2.src.rpm"}, nil)))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Extractor{}.Parse(context.Background(), &inventory.Input{Path: "var/lib/rpm/x", Size: int64(len(b)), Reader: bytes.NewReader(b)})
		if err != nil {
			return
		}
		for _, p := range r.Packages {
			if p.Name == "" || p.Version == "" {
				t.Errorf("package without name or version: %+v", p)
			}
		}
	})
}

func FuzzHeader(f *testing.F) {
	one := uint32(1)
	f.Add(headerBlob(map[uint32]string{tagName: "openssl-libs", tagVersion: "3.0.7", tagRelease: "24.el9", tagSourceRPM: "openssl-3.0.7-24.el9.src.rpm"}, &one))
	db, _ := os.ReadFile("testdata/ndb/Packages.db")
	_ = ndbBlobs(bytes.NewReader(db), int64(len(db)), MaxRecordBytes, func(_ int64, blob []byte, _ error) error {
		if len(blob) < 4096 {
			f.Add(blob)
		}
		return nil
	})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, ok, err := toPackage(b)
		if err == nil && ok && (p.Name == "" || p.Version == "") {
			t.Errorf("package without name or version: %+v", p)
		}
	})
}
