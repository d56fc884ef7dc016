package list

import (
	"testing"
)

func TestNames(t *testing.T) {
	seen := map[string]bool{}
	for i, e := range Extractors() {
		name := e.Name()
		if name == "" {
			t.Errorf("extractor %d (%T) has an empty name", i, e)
		}
		if seen[name] {
			t.Errorf("extractor name %q is used twice", name)
		}
		seen[name] = true
		if e.Version() < 1 {
			t.Errorf("extractor %q has version %d, want >= 1", name, e.Version())
		}
	}
	if len(seen) == 0 {
		t.Error("Extractors() is empty")
	}
}

// TestOSDatabases checks that each OS package database is wanted by exactly
// the extractor that reads it, and by no other.
func TestOSDatabases(t *testing.T) {
	want := map[string]string{
		"var/lib/dpkg/status":               "os/dpkg",
		"var/lib/dpkg/status.d/libc6":       "os/dpkg",
		"lib/apk/db/installed":              "os/apk",
		"usr/lib/apk/db/installed":          "os/apk",
		"var/lib/rpm/Packages":              "os/rpm",
		"var/lib/rpm/Packages.db":           "os/rpm",
		"var/lib/rpm/rpmdb.sqlite":          "os/rpm",
		"usr/lib/sysimage/rpm/rpmdb.sqlite": "os/rpm",
	}
	for path, name := range want {
		var got []string
		for _, e := range Extractors() {
			if e.Required(path, 0o644) {
				got = append(got, e.Name())
			}
		}
		if len(got) != 1 || got[0] != name {
			t.Errorf("extractors wanting %q = %v, want [%s]", path, got, name)
		}
	}
}
