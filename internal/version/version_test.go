package version

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCompare(t *testing.T) {
	tests := []struct {
		eco  string
		a, b string
		want int
	}{
		// dpkg
		{"Debian:12", "1.2.3-1", "1.2.3-1+deb12u1", -1},
		{"Debian", "1:1.0-1", "2.0-1", 1},
		{"Ubuntu:22.04", "1.0~rc1-1", "1.0-1", -1},
		{"Debian:11", "2.31-13+deb11u5", "2.31-13+deb11u5", 0},
		{"Debian", "1.1.1n-0+deb11u4", "1.1.1n-0+deb11u3", 1},
		// apk
		{"Alpine:v3.18", "1.2.3-r0", "1.2.3-r1", -1},
		{"Alpine", "1.2.3_rc1-r0", "1.2.3-r0", -1},
		{"Alpine", "1.2.3_p1-r0", "1.2.3-r0", 1},
		{"Wolfi", "3.0.8-r0", "3.0.10-r0", -1},
		{"Chainguard", "2.4.1a-r0", "2.4.1-r0", 1},
		// rpm
		{"Red Hat", "0:2.13.3-3.el8_6.1", "2.13.3-3.el8_6", 1},
		{"AlmaLinux:9", "1:1.0-1.el9", "2.0-1.el9", 1},
		{"Rocky Linux:8", "1.0~beta-1", "1.0-1", -1},
		{"SUSE", "1.0^git1-1", "1.0-1", 1},
		{"openSUSE", "4.18.0-372.el9", "4.18.0-372.el9", 0},
		// semver
		{"npm", "4.17.15", "4.17.21", -1},
		{"npm", "1.0.0-beta.11", "1.0.0-rc.1", -1},
		{"crates.io", "0.10.0", "0.9.9", 1},
		{"NuGet", "4.0.0.1", "4.0.0", 1},
		{"NuGet", "4.0.0.1", "4.0.0.2", -1},
		{"Packagist", "v2.0.0", "2.0.0", 0},
		// Go
		{"Go", "0.3.7", "0.3.8", -1},
		{"Go", "v0.0.0-20210101000000-abcdefabcdef", "0.1.0", -1},
		{"Go", "2.0.0+incompatible", "2.0.0", 0},
		{"Go", "go1.21rc2", "1.21.0", -1},
		{"Go", "1.21", "1.20.14", 1},
		// PyPI
		{"PyPI", "5.3.1", "5.4", -1},
		{"PyPI", "1.0.post1", "1.0", 1},
		{"PyPI", "1.0rc1", "1.0", -1},
		{"PyPI", "1!0.1", "2.0", 1},
		{"PyPI", "0.9-doduo", "0.1", -1}, // legacy is older than any valid version
		// Maven
		{"Maven", "2.9.10.8", "2.10.0", -1},
		{"Maven", "1.0-SNAPSHOT", "1.0", -1},
		{"Maven", "1.0.RELEASE", "1.0", 0},
		{"Maven", "1-ga-1", "1-1", 0},
		// RubyGems
		{"RubyGems", "6.1.7.1", "6.1.7.10", -1},
		{"RubyGems", "7.0.0.rc1", "7.0.0", -1},
		{"RubyGems", "1.0-beta", "1.0", -1},
		{"RubyGems", "1.0.0", "1", 0},
	}
	for _, tt := range tests {
		c, ok := For(tt.eco)
		if !ok {
			t.Fatalf("For(%q) found no comparator", tt.eco)
		}
		got, err := c.Compare(tt.a, tt.b)
		if err != nil {
			t.Errorf("%s: Compare(%q, %q): %v", tt.eco, tt.a, tt.b, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s: Compare(%q, %q) = %d, want %d", tt.eco, tt.a, tt.b, got, tt.want)
		}
	}
}

func TestInvalid(t *testing.T) {
	tests := []struct {
		c Comparator
		v string
	}{
		{Dpkg, "a:b"},
		{Dpkg, ""},
		{APK, ""},
		{RPM, " "},
		{SemVer, "abc"},
		{Go, "not-a-version"},
		{PEP440, ""},
		{Maven, ""},
		{Gem, "a.b"},
		{Gem, "1.0 beta"},
	}
	for _, tt := range tests {
		if tt.c.Valid(tt.v) {
			t.Errorf("%T.Valid(%q) = true, want false", tt.c, tt.v)
		}
		if _, err := tt.c.Compare(tt.v, "1.0"); !errors.Is(err, ErrInvalid) {
			t.Errorf("%T.Compare(%q, 1.0) error = %v, want ErrInvalid", tt.c, tt.v, err)
		}
	}
}

func TestFor(t *testing.T) {
	tests := map[string]Comparator{
		"Debian": Dpkg, "Debian:12": Dpkg, "Ubuntu": Dpkg, "Ubuntu:22.04:LTS": Dpkg, "Ubuntu Pro:20.04": Dpkg,
		"Alpine": APK, "Alpine:v3.18": APK, "Wolfi": APK, "Chainguard": APK,
		"Red Hat": RPM, "Red Hat:rhel_aus:8.6::appstream": RPM, "AlmaLinux": RPM, "AlmaLinux:9": RPM,
		"Rocky Linux": RPM, "SUSE": RPM, "SUSE:Linux Enterprise Server 15 SP5": RPM, "openSUSE": RPM,
		"openSUSE:Leap 15.5": RPM,
		"Go":                 Go, "npm": SemVer, "PyPI": PEP440, "Maven": Maven, "RubyGems": Gem,
		"crates.io": SemVer, "Packagist": SemVer, "NuGet": SemVer,
	}
	for eco, want := range tests {
		got, ok := For(eco)
		if !ok || got != want {
			t.Errorf("For(%q) = %T, %v; want %T", eco, got, ok, want)
		}
	}
	if _, ok := For("Hackage-but-not-known"); ok {
		t.Errorf("For(unknown) reported a comparator")
	}
	if diff := cmp.Diff("Red Hat", BaseEcosystem("Red Hat:rhel_e4s:8.6::appstream")); diff != "" {
		t.Errorf("BaseEcosystem (-want +got):\n%s", diff)
	}
}

// fuzzComparator checks that a comparator never panics and that Compare
// is antisymmetric and reflexive on every pair of strings it accepts.
func fuzzComparator(f *testing.F, c Comparator, seeds ...string) {
	for i := 0; i+1 < len(seeds); i += 2 {
		f.Add(seeds[i], seeds[i+1])
	}
	f.Add("", "-")
	f.Add("..", "~^")
	f.Fuzz(func(t *testing.T, a, b string) {
		c.Valid(a)
		ab, errA := c.Compare(a, b)
		ba, errB := c.Compare(b, a)
		if (errA == nil) != (errB == nil) {
			t.Fatalf("Compare(%q,%q) err=%v but Compare(%q,%q) err=%v", a, b, errA, b, a, errB)
		}
		if errA == nil && ab != -ba {
			t.Fatalf("Compare(%q,%q)=%d, Compare(%q,%q)=%d", a, b, ab, b, a, ba)
		}
		if aa, err := c.Compare(a, a); err == nil && aa != 0 {
			t.Fatalf("Compare(%q,%q)=%d, want 0", a, a, aa)
		}
	})
}

func FuzzDpkg(f *testing.F) {
	fuzzComparator(f, Dpkg, "1.2.3-1", "1:1.2.3", "1.0~rc1-1", "1.0-1+deb12u1")
}
func FuzzAPK(f *testing.F) {
	fuzzComparator(f, APK, "1.2.3_rc1-r0", "1.2.3-r-1", "1.0a_p2~ab12-r3", "0..1")
}
func FuzzRPM(f *testing.F) { fuzzComparator(f, RPM, "1.0^git1~pre", "1:1.0-1.el9", "a:1", "1.m+e2:1") }
func FuzzSemVer(f *testing.F) {
	fuzzComparator(f, SemVer, "v1.2.3-beta.1+build", "1.2.3", "4.0.0.1", "999999999999999999999.1")
}
func FuzzGo(f *testing.F) {
	fuzzComparator(f, Go, "go1.21rc2", "v0.0.0-20210101000000-abcdefabcdef", "2.0.0+incompatible", "v1.21")
}
func FuzzPEP440(f *testing.F) {
	fuzzComparator(f, PEP440, "1!2.0.post1.dev3", "0.9-doduo", "1.0+local.7", "1.0rc1")
}
func FuzzMaven(f *testing.F) { fuzzComparator(f, Maven, "1-ga-1", "1.0.RELEASE", "2.0-beta9", "1m3") }
func FuzzGem(f *testing.F) {
	fuzzComparator(f, Gem, "1.0.a.10", "999999999999999999999999999999", "1.0-beta", "7.0.0.rc1")
}
