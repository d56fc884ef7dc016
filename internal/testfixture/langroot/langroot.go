// Package langroot builds, inside a test, a root filesystem folder holding
// installed software of every language ecosystem bulkhead's language
// extractors read: a Go binary compiled from a module that pins old
// versions of real modules, a cargo-auditable-style Rust binary,
// node_modules trees (nested, scoped, global), Python dist-info and
// egg-info metadata, a Spring Boot style fat jar with nested jars and a
// war, Ruby gemspecs, a Composer installed.json and a .NET deps.json. Build
// returns the exact list of packages an extractor set must find there, so
// that end-to-end tests (a scan of the folder, or of an image imported
// from it) can compare against it.
//
// Building needs the go command and the Go module proxy (or a module cache
// that already holds golang.org/x/text v0.3.7 and github.com/google/uuid
// v1.3.0).
package langroot

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// Expected is one package the extractors must find.
type Expected struct {
	Type    string `json:"type"`
	Name    string `json:"name"`
	Version string `json:"version"`
	PURL    string `json:"purl"`
	// Path is where the package is found, slash separated and relative
	// to the root; nested archives are joined with "!/".
	Path string `json:"path"`
}

// Build fills dir (which should be empty) with the fixture and returns
// the packages in it, sorted by Path, Type, Name and Version. It fails the
// test when the Go binary cannot be built.
func Build(t testing.TB, dir string) []Expected {
	t.Helper()
	var want []Expected
	add := func(typ, name, version, purl, path string) {
		want = append(want, Expected{Type: typ, Name: name, Version: version, PURL: purl, Path: path})
	}
	write := func(rel string, data []byte, mode os.FileMode) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil { // umask-proof
			t.Fatal(err)
		}
	}

	// Go.
	goBin := "usr/local/bin/goapp"
	BuildGoBinary(t, filepath.Join(dir, filepath.FromSlash(goBin)), "", "")
	gov := GoVersion(t)
	add("golang", GoMainModule, "", "pkg:golang/example.com/goapp", goBin)
	add("golang", "github.com/google/uuid", "v1.3.0", "pkg:golang/github.com/google/uuid@v1.3.0", goBin)
	add("golang", "golang.org/x/text", "v0.3.7", "pkg:golang/golang.org/x/text@v0.3.7", goBin)
	add("golang", "stdlib", gov, "pkg:golang/stdlib@"+gov, goBin)
	write("usr/local/bin/entrypoint.sh", []byte("#!/bin/sh\nexec /usr/local/bin/goapp \"$@\"\n"), 0o755)

	// Rust (cargo-auditable).
	rustBin := "usr/local/bin/rustapp"
	write(rustBin, ELF(
		Section{Name: ".text", Data: []byte{0xc3}},
		Section{Name: ".dep-v0", Data: Zlib([]byte(RustAuditJSON))},
	), 0o755)
	add("cargo", "rustapp", "0.1.0", "pkg:cargo/rustapp@0.1.0", rustBin)
	add("cargo", "serde", "1.0.130", "pkg:cargo/serde@1.0.130", rustBin)
	add("cargo", "smallvec", "1.6.0", "pkg:cargo/smallvec@1.6.0", rustBin)
	add("cargo", "cc", "1.0.73", "pkg:cargo/cc@1.0.73", rustBin)
	// A plain ELF without the section: no packages.
	write("usr/bin/plain", ELF(Section{Name: ".text", Data: []byte{0xc3}}), 0o755)

	// npm.
	for _, f := range npmFiles {
		write(f.path, []byte(f.json), 0o644)
		if f.name != "" {
			add("npm", f.name, f.version, f.purl, f.path)
		}
	}

	// Python.
	for _, f := range pythonFiles {
		write(f.path, []byte(f.text), 0o644)
		if f.name != "" {
			add("pypi", f.name, f.version, "pkg:pypi/"+f.name+"@"+f.version, f.path)
		}
	}

	// Java.
	jar := "opt/app/app.jar"
	write(jar, FatJar(t), 0o644)
	add("maven", "com.example:app", "1.0.0", "pkg:maven/com.example/app@1.0.0", jar)
	add("maven", "org.apache.logging.log4j:log4j-core", "2.14.1", "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", jar+"!/BOOT-INF/lib/log4j-core-2.14.1.jar")
	add("maven", "org.springframework:spring-core", "5.3.9", "pkg:maven/org.springframework/spring-core@5.3.9", jar+"!/BOOT-INF/lib/spring-core-5.3.9.jar")
	add("maven", "org.apache.commons:commons-text", "1.9", "pkg:maven/org.apache.commons/commons-text@1.9", jar+"!/BOOT-INF/lib/commons-text-1.9.jar")
	add("maven", "legacy-util", "0.9.2", "pkg:maven/legacy-util@0.9.2", jar+"!/BOOT-INF/lib/legacy-util-0.9.2.jar")
	shaded := jar + "!/BOOT-INF/lib/shaded-bundle-2.0.jar"
	add("maven", "com.example:shaded-bundle", "2.0", "pkg:maven/com.example/shaded-bundle@2.0", shaded)
	add("maven", "com.google.guava:guava", "30.1-jre", "pkg:maven/com.google.guava/guava@30.1-jre", shaded)
	add("maven", "com.google.code.gson:gson", "2.8.6", "pkg:maven/com.google.code.gson/gson@2.8.6", shaded)
	add("maven", "com.example:inner-dep", "1.0", "pkg:maven/com.example/inner-dep@1.0", shaded+"!/lib/inner-dep-1.0.jar")
	war := "usr/local/tomcat/webapps/shop.war"
	write(war, Zip(t,
		ZipEntry{Name: "META-INF/MANIFEST.MF", Data: []byte("Manifest-Version: 1.0\r\nCreated-By: Maven WAR Plugin 3.3.1\r\n\r\n")},
		ZipEntry{Name: "WEB-INF/web.xml", Data: []byte("<web-app/>\n")},
		ZipEntry{Name: "WEB-INF/lib/jackson-databind-2.9.10.jar", Data: Zip(t,
			ZipEntry{Name: "META-INF/maven/com.fasterxml.jackson.core/jackson-databind/pom.properties",
				Data: pom("com.fasterxml.jackson.core", "jackson-databind", "2.9.10")},
		)},
	), 0o644)
	add("maven", "com.fasterxml.jackson.core:jackson-databind", "2.9.10", "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.10", war+"!/WEB-INF/lib/jackson-databind-2.9.10.jar")

	// Ruby.
	for _, f := range rubyFiles {
		write(f.path, []byte(f.text), 0o644)
		add("gem", f.name, f.version, f.purl, f.path)
	}

	// PHP Composer.
	composer := "var/www/html/vendor/composer/installed.json"
	write(composer, []byte(composerJSON), 0o644)
	write("var/www/html/composer.json", []byte(`{"require": {"monolog/monolog": "^2.3"}}`), 0o644)
	add("composer", "monolog/monolog", "2.3.5", "pkg:composer/monolog/monolog@2.3.5", composer)
	add("composer", "psr/log", "1.1.4", "pkg:composer/psr/log@1.1.4", composer)
	add("composer", "phpunit/phpunit", "9.5.10", "pkg:composer/phpunit/phpunit@9.5.10", composer)

	// .NET.
	deps := "app/dotnet/MyApp.deps.json"
	write(deps, []byte(depsJSON), 0o644)
	add("nuget", "Microsoft.Extensions.Logging", "3.1.0", "pkg:nuget/Microsoft.Extensions.Logging@3.1.0", deps)
	add("nuget", "Microsoft.Extensions.Logging.Abstractions", "3.1.0", "pkg:nuget/Microsoft.Extensions.Logging.Abstractions@3.1.0", deps)
	add("nuget", "Newtonsoft.Json", "12.0.1", "pkg:nuget/Newtonsoft.Json@12.0.1", deps)

	Sort(want)
	return want
}

// Sort orders expectations by Path, Type, Name and Version.
func Sort(e []Expected) {
	sort.Slice(e, func(i, j int) bool {
		a, b := e[i], e[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Version < b.Version
	})
}

// GoMainModule is the module path of the fixture Go program.
const GoMainModule = "example.com/goapp"

const goMod = `module example.com/goapp

go 1.21

require (
	github.com/google/uuid v1.1.0
	golang.org/x/text v0.3.7
)

replace github.com/google/uuid v1.1.0 => github.com/google/uuid v1.3.0
`

const goMain = `package main

import (
	"fmt"

	"github.com/google/uuid"
	"golang.org/x/text/language"
)

func main() { fmt.Println(language.English, uuid.Nil) }
`

// BuildGoBinary compiles the fixture Go program (module example.com/goapp,
// requiring golang.org/x/text v0.3.7 and github.com/google/uuid v1.1.0
// replaced by v1.3.0) to out, for goos/goarch ("" means the host's).
func BuildGoBinary(t testing.TB, out, goos, goarch string) {
	t.Helper()
	goTool := goCommand(t)
	src := t.TempDir()
	for name, text := range map[string]string{"go.mod": goMod, "main.go": goMain} {
		if err := os.WriteFile(filepath.Join(src, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goTool, "build", "-trimpath", "-o", out, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod -buildvcs=false", "CGO_ENABLED=0", "GOTOOLCHAIN=local")
	if goos != "" {
		cmd.Env = append(cmd.Env, "GOOS="+goos)
	}
	if goarch != "" {
		cmd.Env = append(cmd.Env, "GOARCH="+goarch)
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build the fixture Go program (needs the Go module proxy or a warm module cache): %v\n%s", err, b)
	}
	if err := os.Chmod(out, 0o755); err != nil {
		t.Fatal(err)
	}
}

// GoVersion returns the version of the go command that BuildGoBinary uses,
// without the "go" prefix ("1.26.8").
func GoVersion(t testing.TB) string {
	t.Helper()
	b, err := exec.Command(goCommand(t), "env", "GOVERSION").Output()
	if err != nil {
		t.Fatalf("go env GOVERSION: %v", err)
	}
	v := strings.TrimSpace(string(b))
	v, _, _ = strings.Cut(v, " ")
	return strings.TrimPrefix(v, "go")
}

func goCommand(t testing.TB) string {
	t.Helper()
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	p := filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	if _, err := os.Stat(p); err != nil {
		t.Fatal("the go command is not on PATH")
	}
	return p
}

// Zlib compresses b the way cargo-auditable does.
func Zlib(b []byte) []byte {
	var buf bytes.Buffer
	w := zlib.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// ZipEntry is one file of a zip built by Zip.
type ZipEntry struct {
	Name string
	Data []byte
	// Store keeps the entry uncompressed, as Spring Boot does for the
	// jars in BOOT-INF/lib.
	Store bool
}

// Zip returns a zip archive of the entries.
func Zip(t testing.TB, entries ...ZipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.Name, Method: zip.Deflate}
		if e.Store {
			h.Method = zip.Store
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.Data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func pom(group, artifact, version string) []byte {
	return []byte("#Generated by Maven\n#Tue Mar 02 10:00:00 UTC 2021\ngroupId=" + group +
		"\nartifactId=" + artifact + "\nversion=" + version + "\n")
}

func pomEntry(group, artifact, version string) ZipEntry {
	return ZipEntry{Name: "META-INF/maven/" + group + "/" + artifact + "/pom.properties", Data: pom(group, artifact, version)}
}

// FatJar returns a Spring Boot style executable jar: its own
// pom.properties, and in BOOT-INF/lib a stored jar, compressed jars, a jar
// known only by its manifest, one known only by its file name, and a
// shaded jar that holds two more pom.properties and a jar of its own.
func FatJar(t testing.TB) []byte {
	t.Helper()
	manifest := func(lines ...string) ZipEntry {
		return ZipEntry{Name: "META-INF/MANIFEST.MF", Data: []byte(strings.Join(lines, "\r\n") + "\r\n\r\n")}
	}
	class := ZipEntry{Name: "com/example/Main.class", Data: bytes.Repeat([]byte{0xca, 0xfe, 0xba, 0xbe}, 64)}
	return Zip(t,
		manifest("Manifest-Version: 1.0", "Main-Class: org.springframework.boot.loader.JarLauncher",
			"Start-Class: com.example.Application", "Spring-Boot-Version: 2.5.4"),
		pomEntry("com.example", "app", "1.0.0"),
		ZipEntry{Name: "BOOT-INF/classes/com/example/Application.class", Data: class.Data},
		ZipEntry{Name: "BOOT-INF/lib/log4j-core-2.14.1.jar", Store: true, Data: Zip(t,
			manifest("Manifest-Version: 1.0", "Implementation-Title: Apache Log4j Core", "Implementation-Version: 2.14.1"),
			pomEntry("org.apache.logging.log4j", "log4j-core", "2.14.1"),
			class,
		)},
		ZipEntry{Name: "BOOT-INF/lib/spring-core-5.3.9.jar", Data: Zip(t,
			pomEntry("org.springframework", "spring-core", "5.3.9"),
			class,
		)},
		ZipEntry{Name: "BOOT-INF/lib/commons-text-1.9.jar", Data: Zip(t,
			manifest("Manifest-Version: 1.0", "Bundle-SymbolicName: org.apache.commons.text",
				"Bundle-Version: 1.9.0", "Implementation-Title: Apache Commons Text",
				"Implementation-Vendor-Id: org.apache.commons", "Implementation-Version: 1.9"),
			class,
		)},
		ZipEntry{Name: "BOOT-INF/lib/legacy-util-0.9.2.jar", Store: true, Data: Zip(t, class)},
		ZipEntry{Name: "BOOT-INF/lib/shaded-bundle-2.0.jar", Data: Zip(t,
			pomEntry("com.example", "shaded-bundle", "2.0"),
			pomEntry("com.google.guava", "guava", "30.1-jre"),
			pomEntry("com.google.code.gson", "gson", "2.8.6"),
			ZipEntry{Name: "lib/inner-dep-1.0.jar", Data: Zip(t, pomEntry("com.example", "inner-dep", "1.0"))},
		)},
	)
}
