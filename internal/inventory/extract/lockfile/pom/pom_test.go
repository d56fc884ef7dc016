package pom

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile/internal/lockfiletest"
)

func pkg(path, name, version, purl string, meta map[string]string) inventory.Package {
	return inventory.Package{Name: name, Version: version, Type: "maven", PURL: purl, Path: path,
		Relationship: "direct", Extractor: Name, Metadata: meta}
}

func TestParse(t *testing.T) {
	const p, l = "orders/pom.xml", "legacy/pom.xml"
	lockfiletest.ParseCases(t, New(), []lockfiletest.Case{
		{
			File: "testdata/pom.xml", Path: p,
			Want: []inventory.Package{
				pkg(p, "com.fasterxml.jackson.core:jackson-databind", "2.17.2", "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.17.2", nil),
				pkg(p, "org.apache.logging.log4j:log4j-core", "2.23.1", "pkg:maven/org.apache.logging.log4j/log4j-core@2.23.1", nil),
				pkg(p, "com.google.guava:guava", "33.2.1-jre", "pkg:maven/com.google.guava/guava@33.2.1-jre", nil),
				pkg(p, "com.acme.orders:orders-api", "2.4.0-SNAPSHOT", "pkg:maven/com.acme.orders/orders-api@2.4.0-SNAPSHOT", nil),
				pkg(p, "org.springframework.boot:spring-boot-devtools", "3.3.2", "pkg:maven/org.springframework.boot/spring-boot-devtools@3.3.2", map[string]string{"scope": "runtime", "optional": "true"}),
				pkg(p, "org.junit.jupiter:junit-jupiter", "5.10.3", "pkg:maven/org.junit.jupiter/junit-jupiter@5.10.3", map[string]string{"scope": "test"}),
			},
			WantSkipped: []lockfile.Skip{
				{Name: "org.springframework.boot:spring-boot-starter-web", Reason: "version managed elsewhere"},
				{Name: "software.amazon.awssdk:s3", Reason: "version managed elsewhere"},
				{Name: "org.yaml:snakeyaml", Spec: "[2.0,3.0)", Reason: "version range"},
				{Name: "io.micrometer:micrometer-registry-prometheus", Spec: "${micrometer.version}", Reason: "unresolved property"},
			},
		},
		{
			File: "testdata/latin1-pom.xml", Path: l,
			Want: []inventory.Package{
				pkg(l, "commons-lang:commons-lang", "2.6", "pkg:maven/commons-lang/commons-lang@2.6", nil),
			},
		},
	})
}

func TestExpand(t *testing.T) {
	r := &resolver{props: map[string]string{
		"a": "1", "b": "${a}.2", "loop": "${loop}", "x": "${y}", "y": "${x}",
		"big": strings.Repeat("x", 5000),
	}}
	for _, tc := range []struct{ in, want string }{
		{"${a}", "1"},
		{"v${b}-${a}", "v1.2-1"},
		{"${missing}", "${missing}"},
		{"${unterminated", "${unterminated"},
		{"${big}", "${too long}"},
	} {
		if got := r.expand(tc.in); got != tc.want {
			t.Errorf("expand(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// Properties that each refer to many others: bounded work, unresolved.
	fan := &resolver{props: map[string]string{}}
	for i := 0; i < 20; i++ {
		fan.props[fmt.Sprintf("p%d", i)] = strings.Repeat(fmt.Sprintf("${p%d}", i+1), 50)
	}
	if got := fan.expand("${p0}"); !strings.Contains(got, "${") {
		t.Errorf("expand(fan-out) = %q, want an unresolved reference", got)
	}
	// Cycles end, unresolved.
	for _, in := range []string{"${loop}", "${x}"} {
		if got := r.expand(in); !strings.Contains(got, "${") {
			t.Errorf("expand(%q) = %q, want an unresolved reference", in, got)
		}
	}
}

func TestParseErrors(t *testing.T) {
	if _, err := Parse([]byte(`<settings><x/></settings>`)); !errors.Is(err, ErrNotMaven) {
		t.Errorf("Parse(settings.xml) error = %v, want ErrNotMaven", err)
	}
	for _, in := range []string{"", "<project>", "<project><dependencies><dependency></project>", `<?xml version="1.0" encoding="EBCDIC"?><project/>`} {
		if _, err := Parse([]byte(in)); err == nil {
			t.Errorf("Parse(%q) = nil error, want an error", in)
		}
	}
}

func TestExtractor(t *testing.T) {
	sample, err := os.ReadFile("testdata/pom.xml")
	if err != nil {
		t.Fatal(err)
	}
	lockfiletest.CheckExtractor(t, New(),
		[]string{"pom.xml", "modules/core/pom.xml"},
		[]string{"pom.properties", "settings.xml", "POM.XML", "pom.xml.bak"},
		sample)
}

func FuzzParse(f *testing.F) {
	for _, p := range []string{"testdata/pom.xml", "testdata/latin1-pom.xml"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Parse(b)
		if err != nil {
			return
		}
		for _, p := range r.Packages {
			if p.Name == "" || p.Version == "" || p.PURL == "" || strings.Contains(p.Version, "${") {
				t.Errorf("package %+v: want a name, a resolved version and a PURL", p)
			}
		}
	})
}
