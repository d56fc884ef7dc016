package sbomread_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/report"
	"github.com/bulkhead-sec/bulkhead/internal/report/format/cyclonedx"
	"github.com/bulkhead-sec/bulkhead/internal/report/format/formattest"
	"github.com/bulkhead-sec/bulkhead/internal/report/format/spdx"
	"github.com/bulkhead-sec/bulkhead/internal/sbomread"
)

// pkgFields are the package fields an SBOM carries through a round trip.
type pkgFields struct {
	Name, Version, Type, PURL, SourceName, SourceVersion string
	Licenses                                             []string
	Path, Layer                                          string
}

func fields(pkgs []inventory.Package) []pkgFields {
	out := make([]pkgFields, len(pkgs))
	for i, p := range pkgs {
		out[i] = pkgFields{p.Name, p.Version, p.Type, p.PURL, p.SourceName, p.SourceVersion, p.Licenses, p.Path, p.Layer}
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	writers := map[string]func(*bytes.Buffer, *report.Report) error{
		"cyclonedx": func(b *bytes.Buffer, r *report.Report) error { return cyclonedx.Write(b, r, cyclonedx.Options{}) },
		"spdx":      func(b *bytes.Buffer, r *report.Report) error { return spdx.Write(b, r, spdx.Options{}) },
	}
	for name, write := range writers {
		t.Run(name, func(t *testing.T) {
			want := formattest.Report()
			var buf bytes.Buffer
			if err := write(&buf, want); err != nil {
				t.Fatal(err)
			}
			got, err := sbomread.Decode(&buf)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(fields(want.Packages), fields(got.Packages)); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
			if got.Target.Kind != report.KindSBOM || got.Target.Name != want.Target.Name || got.Target.Digest != want.Target.Digest {
				t.Errorf("target %+v: want kind sbom, name %q, digest %q", got.Target, want.Target.Name, want.Target.Digest)
			}
			if got.Target.OS == nil || got.Target.OS.ID != "debian" || got.Target.OS.VersionID != "12" {
				t.Errorf("OS %+v, want debian 12", got.Target.OS)
			}
			if name == "cyclonedx" {
				// Layers keep their size and the instruction that made them.
				var wl, gl []string
				for _, l := range want.Target.Layers {
					wl = append(wl, fmt.Sprintf("%s %d %s", l.Digest, l.Size, l.CreatedBy))
				}
				for _, l := range got.Target.Layers {
					gl = append(gl, fmt.Sprintf("%s %d %s", l.Digest, l.Size, l.CreatedBy))
				}
				if diff := cmp.Diff(wl, gl); diff != "" {
					t.Errorf("layers (-want +got):\n%s", diff)
				}
			}
			deps := map[string][]string{}
			for _, p := range got.Packages {
				if len(p.DependsOn) > 0 {
					deps[p.Name] = p.DependsOn
				}
			}
			if diff := cmp.Diff(map[string][]string{"bash": {"libc6"}, "libssl3": {"libc6"}}, deps); diff != "" {
				t.Errorf("dependencies (-want +got):\n%s", diff)
			}
		})
	}
}

func TestThirdParty(t *testing.T) {
	tests := []struct {
		file     string
		target   report.Target
		packages []pkgFields
		deps     map[string][]string
	}{
		{
			file:   "syft.cdx.json",
			target: report.Target{Kind: report.KindSBOM, Name: "alpine", OS: &inventory.OS{ID: "alpine", VersionID: "3.19.1", PrettyName: "Alpine Linux v3.19"}},
			packages: []pkgFields{
				{"busybox", "1.36.1-r15", "apk", "pkg:apk/alpine/busybox@1.36.1-r15?arch=x86_64&distro=alpine-3.19.1", "", "", []string{"GPL-2.0-only"},
					"lib/apk/db/installed", "sha256:d4fc045c9e3a848011de66f34b81f052d4f2c15a17bb196d637e526349601820"},
				{"libcrypto3", "3.1.4-r5", "apk", "pkg:apk/alpine/libcrypto3@3.1.4-r5?arch=x86_64&distro=alpine-3.19.1&upstream=openssl", "openssl", "", []string{"Apache-2.0"},
					"lib/apk/db/installed", "sha256:d4fc045c9e3a848011de66f34b81f052d4f2c15a17bb196d637e526349601820"},
				{"musl", "1.2.4_git20230717-r4", "apk", "pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=alpine-3.19.1", "", "", []string{"MIT"},
					"lib/apk/db/installed", "sha256:d4fc045c9e3a848011de66f34b81f052d4f2c15a17bb196d637e526349601820"},
				{"github.com/google/uuid", "v1.6.0", "golang", "pkg:golang/github.com/google/uuid@v1.6.0", "", "", nil,
					"usr/local/bin/app", "sha256:7b0c6a1f2e3d4c5b6a7f8e9d0c1b2a3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b"},
			},
			deps: map[string][]string{"busybox": {"musl"}, "libcrypto3": {"musl"}},
		},
		{
			file: "trivy.cdx.json",
			target: report.Target{Kind: report.KindSBOM, Name: "debian:12",
				Digest:   "sha256:b37bc259c67238d814516548c17ad912f26c3eed48dd9bb54893eafec8739c89",
				ImageID:  "sha256:2a033a8c63712da54b5a516f5d69d41606cfb5c4ce9aa1690ee4b3ad3e2c1d10",
				RepoTags: []string{"debian:12"},
				OS:       &inventory.OS{ID: "debian", VersionID: "12.5"},
				Layers:   []report.Layer{{Digest: "sha256:5d4427064ecc46e3c2add169e9b5eafc7ed2be7861081ec925938ab628ac0e25", DiffID: "sha256:5d4427064ecc46e3c2add169e9b5eafc7ed2be7861081ec925938ab628ac0e25"}}},
			packages: []pkgFields{
				{"libssl3", "3.0.11-1~deb12u2", "deb", "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12.5", "openssl", "3.0.11-1~deb12u2",
					[]string{"Apache-2.0", "Artistic-2.0"}, "", "sha256:1468e7ff95fcb865fbc4dee7094f8b99c4dcddd6eb2180cf044c7396baf6fc2f"},
				{"tzdata", "2024a-0+deb12u1", "deb", "pkg:deb/debian/tzdata@2024a-0+deb12u1?arch=all&distro=debian-12.5", "", "2024a-0+deb12u1",
					[]string{"public-domain"}, "", "sha256:5d4427064ecc46e3c2add169e9b5eafc7ed2be7861081ec925938ab628ac0e25"},
				{"@babel/core", "7.24.0", "npm", "pkg:npm/%40babel/core@7.24.0", "", "", []string{"MIT"}, "", "sha256:9e1f0c2d3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c1b2a3f4e5d6c7b8a9f0e"},
				{"org.apache.logging.log4j:log4j-core", "2.14.1", "maven", "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", "", "", nil,
					"app/lib/log4j-core-2.14.1.jar", "sha256:9e1f0c2d3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c1b2a3f4e5d6c7b8a9f0e"},
			},
			deps: map[string][]string{},
		},
		{
			file: "syft.spdx.json",
			target: report.Target{Kind: report.KindSBOM, Name: "registry.example.com/tools/py",
				Digest: "sha256:4c9e2a7b1d0f3e6a5b8c7d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a",
				OS:     &inventory.OS{ID: "debian", VersionID: "12"}},
			packages: []pkgFields{
				{"libssl3", "3.0.11-1~deb12u2", "deb", "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&upstream=openssl&distro=debian-12", "openssl", "",
					[]string{"Apache-2.0 AND LicenseRef-OpenSSL"}, "var/lib/dpkg/status", ""},
				{"bash", "5.2.15-2+b2", "deb", "pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&upstream=bash%405.2.15-2&distro=debian-12", "", "5.2.15-2",
					[]string{"GPL-3.0-or-later"}, "var/lib/dpkg/status", ""},
				{"libc6", "2.36-9+deb12u4", "deb", "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&upstream=glibc&distro=debian-12", "glibc", "",
					nil, "var/lib/dpkg/status", ""},
				{"requests", "2.31.0", "pypi", "pkg:pypi/requests@2.31.0", "", "", []string{"Apache-2.0"},
					"usr/local/lib/python3.11/site-packages/requests-2.31.0.dist-info/METADATA", ""},
			},
			deps: map[string][]string{"libssl3": {"libc6"}, "bash": {"libc6"}},
		},
		{
			file: "trivy.spdx.json",
			target: report.Target{Kind: report.KindSBOM, Name: "rockylinux:9",
				Digest: "sha256:9b5d1a7c3e2f4a6b8c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b",
				OS:     &inventory.OS{ID: "rocky", VersionID: "9.3"}},
			packages: []pkgFields{
				{"openssl-libs", "1:3.0.7-25.el9_3", "rpm", "pkg:rpm/rocky/openssl-libs@3.0.7-25.el9_3?arch=x86_64&epoch=1&distro=rocky-9.3", "openssl", "1:3.0.7-25.el9_3",
					[]string{"Apache-2.0"}, "", "sha256:1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d"},
				{"com.fasterxml.jackson.core:jackson-databind", "2.13.4.1", "maven", "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.13.4.1", "", "", nil,
					"opt/app/app.jar", "sha256:2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e"},
			},
			deps: map[string][]string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, err := sbomread.Decode(f)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.target, got.Target); diff != "" {
				t.Errorf("target (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.packages, fields(got.Packages)); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
			deps := map[string][]string{}
			for _, p := range got.Packages {
				if len(p.DependsOn) > 0 {
					deps[p.Name] = p.DependsOn
				}
			}
			if diff := cmp.Diff(tt.deps, deps); diff != "" {
				t.Errorf("dependencies (-want +got):\n%s", diff)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name, in string
		want     error
		msg      string
	}{
		{"empty", "", sbomread.ErrUnknown, ""},
		{"not json", "hello", sbomread.ErrUnknown, ""},
		{"xml", "<bom xmlns=\"http://cyclonedx.org/schema/bom/1.5\"/>", sbomread.ErrUnknown, "XML"},
		{"other json", `{"name": "x"}`, sbomread.ErrUnknown, ""},
		{"array", `[1,2]`, sbomread.ErrUnknown, ""},
		{"old spdx", `{"spdxVersion": "SPDX-2.1"}`, nil, "SPDX-2.1"},
		{"bad cdx", `{"bomFormat": "CycloneDX", "specVersion": "9.9"}`, nil, "decode CycloneDX"},
		{"bad spdx", `{"spdxVersion": "SPDX-2.3", "packages": 5}`, nil, "decode SPDX"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sbomread.Decode(strings.NewReader(tt.in))
			if err == nil {
				t.Fatal("no error")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("err = %v, want it to mention %q", err, tt.msg)
			}
		})
	}
}

type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

func TestTooLarge(t *testing.T) {
	_, err := sbomread.DecodeLimit(io.LimitReader(endless{}, 1<<20), 1<<16)
	if !errors.Is(err, sbomread.ErrTooLarge) {
		t.Errorf("err = %v, want ErrTooLarge", err)
	}
}

func FuzzDecode(f *testing.F) {
	for _, name := range []string{"syft.cdx.json", "trivy.cdx.json", "syft.spdx.json", "trivy.spdx.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"library","name":"a","purl":"pkg:npm/a@1?upstream=b@2"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := sbomread.Decode(bytes.NewReader(b))
		if err == nil && r == nil {
			t.Fatal("nil report without an error")
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	r := formattest.Large(5000, 0)
	for name, write := range map[string]func(*bytes.Buffer) error{
		"cyclonedx": func(buf *bytes.Buffer) error { return cyclonedx.Write(buf, r, cyclonedx.Options{}) },
		"spdx":      func(buf *bytes.Buffer) error { return spdx.Write(buf, r, spdx.Options{}) },
	} {
		var buf bytes.Buffer
		if err := write(&buf); err != nil {
			b.Fatal(err)
		}
		data := buf.Bytes()
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := sbomread.Decode(bytes.NewReader(data)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// reorder rewrites a JSON object with its top-level keys in reverse order:
// the format fields last, the arrays before what they refer to.
func reorder(t *testing.T, b []byte) []byte {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %v", err)
	}
	var keys []string
	vals := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		vals[tok.(string)] = v
	}
	var out bytes.Buffer
	out.WriteString("{")
	for i := len(keys) - 1; i >= 0; i-- {
		k, _ := json.Marshal(keys[i])
		out.Write(k)
		out.WriteString(":")
		out.Write(vals[keys[i]])
		if i > 0 {
			out.WriteString(",")
		}
	}
	out.WriteString("}")
	return out.Bytes()
}

// TestKeyOrder: the decoder streams, yet the order of the top-level keys
// does not matter.
func TestKeyOrder(t *testing.T) {
	for _, name := range []string{"syft.cdx.json", "trivy.cdx.json", "syft.spdx.json", "trivy.spdx.json"} {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			want, err := sbomread.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			rb := reorder(t, b)
			if bytes.Equal(rb, b) {
				t.Fatal("reorder changed nothing")
			}
			got, err := sbomread.Decode(bytes.NewReader(rb))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("report of the reordered document differs (-want +got):\n%s", diff)
			}
		})
	}
}

// TestTruncated: a document cut anywhere is an error, never a partial
// report.
func TestTruncated(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "trivy.spdx.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, len(b) / 3, len(b) / 2, len(b) - 2} {
		if _, err := sbomread.Decode(bytes.NewReader(b[:n])); err == nil {
			t.Errorf("first %d of %d bytes: no error", n, len(b))
		}
	}
}
