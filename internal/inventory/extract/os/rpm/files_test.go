package rpm

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
)

// TestFilesAgainstRPM compares the file lists with `rpm -qla` on the same
// databases (the BDB and NDB fixtures; the SQLite one when rpm built it).
func TestFilesAgainstRPM(t *testing.T) {
	rpmBin, err := exec.LookPath("rpm")
	if err != nil {
		t.Skip("rpm is not installed")
	}
	for _, db := range []string{"testdata/bdb/Packages", "testdata/ndb/Packages.db"} {
		t.Run(db, func(t *testing.T) {
			b, err := os.ReadFile(db)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Files(context.Background(), &inventory.Input{Path: "var/lib/rpm/" + filepath.Base(db), Size: int64(len(b)), Reader: strings.NewReader(string(b))})
			if err != nil {
				t.Fatal(err)
			}
			var files []string
			for _, l := range got {
				for _, f := range l.Files {
					files = append(files, "/"+f)
				}
			}
			sort.Strings(files)
			dir, _ := filepath.Abs(filepath.Dir(db))
			out, err := exec.Command(rpmBin, "--dbpath", dir, "-qa", "--qf", "[%{FILENAMES}\n]").Output()
			if err != nil {
				t.Skipf("rpm cannot read %s here: %v", db, err)
			}
			var want []string
			for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				if l != "" && l != "(none)" {
					want = append(want, filepath.Clean(l))
				}
			}
			sort.Strings(want)
			if len(want) == 0 {
				t.Skipf("rpm lists no files in %s", db)
			}
			if diff := cmp.Diff(want, files); diff != "" {
				t.Errorf("files (-rpm +bulkhead):\n%s", diff)
			}
			t.Logf("%d packages, %d files", len(got), len(files))
		})
	}
}

func TestFileListDamaged(t *testing.T) {
	for _, b := range [][]byte{nil, {0, 0, 0, 1, 0, 0, 0, 0}, []byte("garbage garbage garbage")} {
		if _, ok := fileList(b); ok {
			t.Errorf("fileList(%q) accepted", b)
		}
	}
}

// TestFilesNDB: rpm here cannot open NDB databases; every package the
// extractor finds in the SUSE fixture has its file list, and files are
// root-relative.
func TestFilesNDB(t *testing.T) {
	b, err := os.ReadFile("testdata/ndb/Packages.db")
	if err != nil {
		t.Fatal(err)
	}
	in := func() *inventory.Input {
		return &inventory.Input{Path: "usr/lib/sysimage/rpm/Packages.db", Size: int64(len(b)), Reader: strings.NewReader(string(b))}
	}
	lists, err := Files(context.Background(), in())
	if err != nil {
		t.Fatal(err)
	}
	res, err := Extractor{}.Parse(context.Background(), in())
	if err != nil {
		t.Fatal(err)
	}
	if len(lists) != len(res.Packages) || len(lists) == 0 {
		t.Fatalf("%d file lists for %d packages", len(lists), len(res.Packages))
	}
	withFiles, files := 0, 0
	for _, l := range lists {
		if len(l.Files) > 0 {
			withFiles++
		}
		files += len(l.Files)
		for _, f := range l.Files {
			if strings.HasPrefix(f, "/") || strings.HasPrefix(f, "..") {
				t.Fatalf("%s: path %q", l.Package, f)
			}
		}
	}
	if withFiles*10 < len(lists)*9 {
		t.Errorf("only %d of %d packages have files", withFiles, len(lists))
	}
	t.Logf("%d packages, %d files", len(lists), files)
}

func FuzzFileList(f *testing.F) {
	f.Add(headerBlob(map[uint32]string{tagName: "x", tagVersion: "1"}, nil))
	f.Add([]byte("garbage garbage garbage garbage"))
	f.Fuzz(func(t *testing.T, b []byte) {
		l, ok := fileList(b)
		if !ok {
			return
		}
		for _, p := range l.Files {
			if p == "" || strings.HasPrefix(p, "/") || p == ".." || strings.HasPrefix(p, "../") {
				t.Fatalf("path %q", p)
			}
		}
	})
}
