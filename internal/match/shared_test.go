package match

import (
	"context"
	"path/filepath"
	"sort"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/testenv"
	"github.com/bulkhead-sec/bulkhead/internal/vulndb"
	"github.com/google/go-cmp/cmp"
)

var (
	sharedOnce sync.Once
	sharedPath string
	sharedErr  error
)

// sharedDB imports ../shared/vulndata/osv once per test binary.
func sharedDB(t testing.TB) *vulndb.DB {
	t.Helper()
	src := testenv.SharedDir(t, "vulndata/osv")
	sharedOnce.Do(func() {
		dir, err := tempDir()
		if err != nil {
			sharedErr = err
			return
		}
		sharedPath = filepath.Join(dir, "osv.db")
		_, sharedErr = vulndb.Import(context.Background(), sharedPath, src)
	})
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	db, err := vulndb.Open(sharedPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestSharedData checks real advisories: those whose fix is above the
// installed version are reported, and none whose fix is at or below it.
func TestSharedData(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 18k records; skipped with -short")
	}
	db := sharedDB(t)
	tests := []struct {
		name string
		os   *inventory.OS
		pkgs []inventory.Package
		want []string // package@version id fixed
	}{{
		name: "debian 11",
		os:   &inventory.OS{ID: "debian", VersionID: "11"},
		pkgs: []inventory.Package{
			// DSA-5169-1 is fixed in exactly this version, DSA-5343-1 later.
			{Name: "libssl1.1", Version: "1.1.1n-0+deb11u3", Type: "deb", SourceName: "openssl"},
			// DSA-5330-1 is fixed in exactly this version, DSA-5365-1 later.
			{Name: "libcurl4", Version: "7.74.0-1.3+deb11u5", Type: "deb", SourceName: "curl"},
			// Fixed in every advisory: nothing.
			{Name: "curl", Version: "7.74.0-1.3+deb11u7", Type: "deb"},
		},
		want: []string{
			"libcurl4@7.74.0-1.3+deb11u5 DSA-5365-1 7.74.0-1.3+deb11u7",
			"libssl1.1@1.1.1n-0+deb11u3 DSA-5343-1 1.1.1n-0+deb11u4",
		},
	}, {
		name: "language packages",
		pkgs: []inventory.Package{
			{Name: "golang.org/x/text", Version: "v0.3.7", Type: "golang", Path: "usr/local/bin/app"},
			{Name: "lodash", Version: "4.17.15", Type: "npm"},
			{Name: "PyYAML", Version: "5.3.1", Type: "pypi"},
		},
		want: []string{
			"PyYAML@5.3.1 PYSEC-2021-142 5.4",
			"golang.org/x/text@v0.3.7 GO-2022-1059 0.3.8",
			"golang.org/x/text@v0.3.7 GO-2026-5970 0.39.0",
			"lodash@4.17.15 GHSA-35jh-r3h4-6jhm 4.17.21",
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, _, err := Packages(context.Background(), db, tt.os, tt.pkgs)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range fs {
				got = append(got, f.Package.Name+"@"+f.Package.Version+" "+f.ID+" "+f.Package.FixedVersion)
			}
			sort.Strings(got)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}

// benchPackages builds a realistic package list from the data: every
// source package with a Debian 11 advisory at an old version (so most
// advisories apply), the same number of packages without advisories, and
// language packages.
func benchPackages(b *testing.B, db *vulndb.DB) []inventory.Package {
	b.Helper()
	seen := map[string]bool{}
	var pkgs []inventory.Package
	err := db.View(func(tx *vulndb.Tx) error {
		// The sources of the ecosystems below, in the order they are kept.
		for _, src := range []string{"Debian", "Go", "PyPI"} {
			err := tx.ForEachIn(src, func(id string, raw []byte) error {
				rec, err := vulndb.ParseRecord(raw)
				if err != nil {
					return err
				}
				for _, a := range rec.Affected {
					var p inventory.Package
					switch a.Package.Ecosystem {
					case "Debian:11":
						p = inventory.Package{Name: a.Package.Name, Version: "1.0-1", Type: "deb"}
					case "Go":
						p = inventory.Package{Name: a.Package.Name, Version: "v0.1.0", Type: "golang"}
					case "PyPI":
						p = inventory.Package{Name: a.Package.Name, Version: "1.0", Type: "pypi"}
					default:
						continue
					}
					if !seen[p.Type+p.Name] {
						seen[p.Type+p.Name] = true
						pkgs = append(pkgs, p)
						pkgs = append(pkgs, inventory.Package{Name: "no-advisory-" + p.Name, Version: p.Version, Type: p.Type})
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return pkgs
}

// BenchmarkPackages measures whole match runs over the shared data and
// reports package lookups per second.
func BenchmarkPackages(b *testing.B) {
	db := sharedDB(b)
	pkgs := benchPackages(b, db)
	osInfo := &inventory.OS{ID: "debian", VersionID: "11"}
	b.ResetTimer()
	cpu0 := cpuTime()
	var findings int
	for i := 0; i < b.N; i++ {
		fs, _, err := Packages(context.Background(), db, osInfo, pkgs)
		if err != nil {
			b.Fatal(err)
		}
		findings = len(fs)
	}
	b.ReportMetric(float64(len(pkgs)*b.N)/b.Elapsed().Seconds(), "pkgs/s")
	b.ReportMetric(float64(len(pkgs)*b.N)/(cpuTime()-cpu0).Seconds(), "pkgs/cpu-s")
	b.ReportMetric(float64(len(pkgs)), "pkgs/op")
	b.ReportMetric(float64(findings), "findings/op")
}

// BenchmarkPackagesTypical is a typical image: 400 packages, a tenth of
// them with advisories.
func BenchmarkPackagesTypical(b *testing.B) {
	db := sharedDB(b)
	all := benchPackages(b, db)
	var pkgs []inventory.Package
	for i := 0; len(pkgs) < 400 && i < len(all); i++ {
		p := all[i]
		if i%20 != 0 {
			p.Name = "plain-" + p.Name
		}
		pkgs = append(pkgs, p)
	}
	osInfo := &inventory.OS{ID: "debian", VersionID: "11"}
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		if _, _, err := Packages(context.Background(), db, osInfo, pkgs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(pkgs)*b.N)/b.Elapsed().Seconds(), "pkgs/s")
	b.ReportMetric(float64(len(pkgs)*b.N)/(cpuTime()-cpu0).Seconds(), "pkgs/cpu-s")
}

// cpuTime is the CPU time this process has used, so that throughput can be
// reported independently of other load on the machine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkLookup measures index lookups alone in one transaction: half
// of them find entries, half miss.
func BenchmarkLookup(b *testing.B) {
	db := sharedDB(b)
	pkgs := benchPackages(b, db)
	b.ResetTimer()
	cpu0 := cpuTime()
	n := 0
	err := db.View(func(tx *vulndb.Tx) error {
		for i := 0; i < b.N; i++ {
			p := pkgs[i%len(pkgs)]
			eco := map[string]string{"deb": "Debian", "golang": "Go", "pypi": "PyPI"}[p.Type]
			if _, err := tx.Lookup(eco, p.Name); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "lookups/s")
	b.ReportMetric(float64(n)/(cpuTime()-cpu0).Seconds(), "lookups/cpu-s")
}
