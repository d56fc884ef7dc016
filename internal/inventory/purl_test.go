package inventory

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/package-url/packageurl-go"
)

func TestFinalize(t *testing.T) {
	debian12 := &OS{ID: "debian", VersionID: "12", Codename: "bookworm"}
	ubuntu := &OS{ID: "ubuntu", VersionID: "22.04"}
	trixie := &OS{ID: "debian", Codename: "trixie"}
	alpine := &OS{ID: "alpine", VersionID: "3.18.4"}
	wolfi := &OS{ID: "wolfi", VersionID: "20230201"}
	rhel := &OS{ID: "rhel", VersionID: "9.3"}
	amzn := &OS{ID: "amzn", VersionID: "2023"}
	rocky := &OS{ID: "rocky", VersionID: "9.3"}

	tests := []struct {
		name string
		pkg  Package
		os   *OS
		want string
	}{
		{"deb", Package{Type: "deb", Name: "bash", Version: "5.2.15-2+b2", Arch: "amd64"}, debian12,
			"pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&distro=debian-12"},
		{"deb source name", Package{Type: "deb", Name: "libssl3", Version: "3.0.11-1~deb12u2", Arch: "amd64", SourceName: "openssl"}, debian12,
			"pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl"},
		{"deb source name and version", Package{Type: "deb", Name: "libgcc-s1", Version: "12.2.0-14", Arch: "amd64", SourceName: "gcc-12", SourceVersion: "12.2.0-14"}, debian12,
			"pkg:deb/debian/libgcc-s1@12.2.0-14?arch=amd64&distro=debian-12&upstream=gcc-12"},
		{"deb source other version", Package{Type: "deb", Name: "libpcre2-8-0", Version: "10.42-1", Arch: "amd64", SourceName: "pcre2", SourceVersion: "10.42-0.1"}, debian12,
			"pkg:deb/debian/libpcre2-8-0@10.42-1?arch=amd64&distro=debian-12&upstream=pcre2%4010.42-0.1"},
		{"deb binNMU same name", Package{Type: "deb", Name: "zlib1g", Version: "1:1.2.13.dfsg-1+b1", Arch: "amd64", SourceVersion: "1:1.2.13.dfsg-1"}, debian12,
			"pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1%2Bb1?arch=amd64&distro=debian-12&upstream=zlib1g%401:1.2.13.dfsg-1"},
		{"deb ubuntu", Package{Type: "deb", Name: "libc6", Version: "2.35-0ubuntu3.4", Arch: "amd64", SourceName: "glibc"}, ubuntu,
			"pkg:deb/ubuntu/libc6@2.35-0ubuntu3.4?arch=amd64&distro=ubuntu-22.04&upstream=glibc"},
		{"deb testing uses codename", Package{Type: "deb", Name: "bash", Version: "5.2.21-2", Arch: "arm64"}, trixie,
			"pkg:deb/debian/bash@5.2.21-2?arch=arm64&distro=debian-trixie"},
		{"deb unknown os", Package{Type: "deb", Name: "bash", Version: "5.2", Arch: "all"}, nil,
			"pkg:deb/debian/bash@5.2?arch=all"},
		{"apk", Package{Type: "apk", Name: "musl", Version: "1.2.4-r2", Arch: "x86_64"}, alpine,
			"pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=alpine-3.18.4"},
		{"apk origin", Package{Type: "apk", Name: "libcrypto3", Version: "3.1.4-r1", Arch: "x86_64", SourceName: "openssl"}, alpine,
			"pkg:apk/alpine/libcrypto3@3.1.4-r1?arch=x86_64&distro=alpine-3.18.4&upstream=openssl"},
		{"apk wolfi", Package{Type: "apk", Name: "glibc", Version: "2.38-r5", Arch: "aarch64"}, wolfi,
			"pkg:apk/wolfi/glibc@2.38-r5?arch=aarch64&distro=wolfi-20230201"},
		{"rpm rhel epoch", Package{Type: "rpm", Name: "openssl-libs", Version: "1:3.0.7-24.el9", Arch: "x86_64", SourceName: "openssl", SourceVersion: "3.0.7-24.el9"}, rhel,
			"pkg:rpm/redhat/openssl-libs@3.0.7-24.el9?arch=x86_64&distro=rhel-9.3&epoch=1&upstream=openssl"},
		{"rpm no epoch", Package{Type: "rpm", Name: "bash", Version: "5.1.8-6.el9_1", Arch: "x86_64", SourceVersion: "5.1.8-6.el9_1"}, rocky,
			"pkg:rpm/rocky/bash@5.1.8-6.el9_1?arch=x86_64&distro=rocky-9.3"},
		{"rpm zero epoch", Package{Type: "rpm", Name: "tzdata", Version: "0:2023c-1.el9", Arch: "noarch"}, rhel,
			"pkg:rpm/redhat/tzdata@2023c-1.el9?arch=noarch&distro=rhel-9.3"},
		{"rpm amazon", Package{Type: "rpm", Name: "glibc", Version: "2.34-52.amzn2023.0.8", Arch: "aarch64"}, amzn,
			"pkg:rpm/amazon/glibc@2.34-52.amzn2023.0.8?arch=aarch64&distro=amzn-2023"},
		{"rpm unknown os", Package{Type: "rpm", Name: "glibc", Version: "2.34-1"}, nil,
			"pkg:rpm/glibc@2.34-1"},
		{"golang", Package{Type: "golang", Name: "github.com/spf13/cobra", Version: "v1.10.2"}, debian12,
			"pkg:golang/github.com/spf13/cobra@v1.10.2"},
		{"golang stdlib", Package{Type: "golang", Name: "stdlib", Version: "v1.22.1"}, nil,
			"pkg:golang/stdlib@v1.22.1"},
		{"golang major suffix", Package{Type: "golang", Name: "github.com/moby/buildkit/v2", Version: "v2.0.0"}, nil,
			"pkg:golang/github.com/moby/buildkit/v2@v2.0.0"},
		{"npm", Package{Type: "npm", Name: "lodash", Version: "4.17.21"}, nil,
			"pkg:npm/lodash@4.17.21"},
		{"npm scoped", Package{Type: "npm", Name: "@babel/core", Version: "7.23.0"}, nil,
			"pkg:npm/%40babel/core@7.23.0"},
		{"npm legacy upper case", Package{Type: "npm", Name: "JSONStream", Version: "1.3.5"}, nil,
			"pkg:npm/jsonstream@1.3.5"},
		{"pypi", Package{Type: "pypi", Name: "Django_Rest.Framework", Version: "3.14.0"}, nil,
			"pkg:pypi/django-rest-framework@3.14.0"},
		{"pypi runs", Package{Type: "pypi", Name: "zope..interface--x", Version: "6.0"}, nil,
			"pkg:pypi/zope-interface-x@6.0"},
		{"maven", Package{Type: "maven", Name: "org.apache.logging.log4j:log4j-core", Version: "2.14.1"}, nil,
			"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"},
		{"maven no group", Package{Type: "maven", Name: "junit", Version: "4.12"}, nil,
			"pkg:maven/junit@4.12"},
		{"gem", Package{Type: "gem", Name: "rails", Version: "7.1.2"}, nil,
			"pkg:gem/rails@7.1.2"},
		{"cargo", Package{Type: "cargo", Name: "serde_json", Version: "1.0.108"}, nil,
			"pkg:cargo/serde_json@1.0.108"},
		{"composer", Package{Type: "composer", Name: "Symfony/Console", Version: "v6.4.0"}, nil,
			"pkg:composer/symfony/console@v6.4.0"},
		{"nuget", Package{Type: "nuget", Name: "Newtonsoft.Json", Version: "13.0.3"}, nil,
			"pkg:nuget/Newtonsoft.Json@13.0.3"},
		{"no version", Package{Type: "gem", Name: "rake"}, nil,
			"pkg:gem/rake"},
		{"unknown type", Package{Type: "hex", Name: "phoenix", Version: "1.7.10"}, nil,
			"pkg:hex/phoenix@1.7.10"},
		{"invalid type", Package{Type: "bad type", Name: "x", Version: "1"}, nil, ""},
		{"no name", Package{Type: "npm", Version: "1"}, nil, ""},
		{"npm scope without name", Package{Type: "npm", Name: "@scope/", Version: "1"}, nil, ""},
		{"kept when set", Package{Type: "npm", Name: "x", Version: "1", PURL: "pkg:npm/given@1"}, nil,
			"pkg:npm/given@1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkgs := []Package{tt.pkg}
			Finalize(pkgs, tt.os)
			if diff := cmp.Diff(tt.want, pkgs[0].PURL); diff != "" {
				t.Errorf("Finalize(%+v) PURL mismatch (-want +got):\n%s", tt.pkg, diff)
			}
		})
	}
}

func BenchmarkFinalize(b *testing.B) {
	os := &OS{ID: "debian", VersionID: "12"}
	src := make([]Package, 1000)
	for i := range src {
		src[i] = Package{Type: "deb", Name: "libssl3", Version: "3.0.11-1~deb12u2", Arch: "amd64", SourceName: "openssl"}
	}
	pkgs := make([]Package, len(src))
	b.ReportAllocs()
	for b.Loop() {
		copy(pkgs, src)
		Finalize(pkgs, os)
	}
}

// FuzzPURL checks that every purl Finalize makes parses back, with the
// package's name and version.
func FuzzPURL(f *testing.F) {
	f.Add("deb", "libssl3", "3.0.11-1~deb12u2", "amd64", "openssl", "debian", "12")
	f.Add("rpm", "openssl-libs", "1:3.0.7-24.el9", "x86_64", "openssl", "rhel", "9.3")
	f.Add("npm", "@babel/core", "7.23.0", "", "", "", "")
	f.Add("maven", "org.apache:commons-text", "1.10.0", "", "", "", "")
	f.Add("golang", "github.com/a/b/v2", "v2.0.0+incompatible", "", "", "", "")
	f.Add("pypi", "Zope.Interface", "6.0", "", "", "", "")
	f.Add("composer", "symfony/console", "v6.4.0", "", "", "", "")
	f.Fuzz(func(t *testing.T, typ, name, version, arch, src, osID, osVersion string) {
		var os *OS
		if osID != "" {
			os = &OS{ID: osID, VersionID: osVersion}
		}
		p := Package{Type: typ, Name: name, Version: version, Arch: arch, SourceName: src}
		s := PURL(&p, os)
		if s == "" {
			return
		}
		u, err := packageurl.FromString(s)
		if err != nil {
			t.Fatalf("PURL(%+v) = %q, which does not parse: %v", p, s, err)
		}
		wantVersion := version
		if typ == "rpm" {
			_, wantVersion = splitEpoch(version)
		}
		if u.Version != wantVersion {
			t.Errorf("PURL(%+v) = %q: version %q, want %q", p, s, u.Version, wantVersion)
		}
		if u.Type != typ {
			t.Errorf("PURL(%+v) = %q: type %q, want %q", p, s, u.Type, typ)
		}
	})
}
