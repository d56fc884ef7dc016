package eol

import "testing"

// FuzzFromImage feeds image names and tags from untrusted FROM lines to
// FromImage and Lookup: no panic, and whatever is found is a row of the
// table.
func FuzzFromImage(f *testing.F) {
	for _, s := range [][2]string{{"alpine", "3.18"}, {"python", "3.11-alpine3.18"}, {"quay.io/centos/centos", "stream9"},
		{"registry.access.redhat.com/ubi8/ubi-minimal", "8.9"}, {"debian", "bookworm-20240110-slim"}, {"", ""}} {
		f.Add(s[0], s[1])
	}
	check := func(t *testing.T, r Release, ok bool) {
		if !ok {
			return
		}
		if got, found := Lookup(r.ID, r.Version); !found || got != r {
			t.Fatalf("found %v, which Lookup does not give back", r)
		}
	}
	f.Fuzz(func(t *testing.T, name, tag string) {
		r, ok := FromImage(name, tag)
		check(t, r, ok)
		r, ok = Lookup(name, tag)
		check(t, r, ok)
	})
}
