package rustaudit_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lang/rustaudit"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extracttest"
	"github.com/bulkhead-sec/bulkhead/internal/testenv"
	"github.com/bulkhead-sec/bulkhead/internal/testfixture/langroot"
)

const path = "usr/local/bin/rustapp"

// fixture is what langroot.RustAuditJSON describes.
var fixture = []inventory.Package{
	{Name: "rustapp", Version: "0.1.0", Type: "cargo", PURL: "pkg:cargo/rustapp@0.1.0",
		DependsOn: []string{"serde", "smallvec", "cc"}, Path: path, Extractor: rustaudit.Name,
		Metadata: map[string]string{"kind": "runtime", "source": "local", "root": "true"}},
	{Name: "serde", Version: "1.0.130", Type: "cargo", PURL: "pkg:cargo/serde@1.0.130",
		Path: path, Extractor: rustaudit.Name, Metadata: map[string]string{"kind": "runtime", "source": "crates.io"}},
	{Name: "smallvec", Version: "1.6.0", Type: "cargo", PURL: "pkg:cargo/smallvec@1.6.0", DependsOn: []string{"serde"},
		Path: path, Extractor: rustaudit.Name, Metadata: map[string]string{"kind": "runtime", "source": "crates.io"}},
	{Name: "cc", Version: "1.0.73", Type: "cargo", PURL: "pkg:cargo/cc@1.0.73",
		Path: path, Extractor: rustaudit.Name, Metadata: map[string]string{"kind": "build", "source": "crates.io"}},
}

func TestExtract(t *testing.T) {
	section := langroot.Zlib([]byte(langroot.RustAuditJSON))
	c := func(name string, data []byte, want []inventory.Package) extracttest.Case {
		return extracttest.Case{Name: name, Path: path, Mode: 0o755, Data: data, Want: want}
	}
	extracttest.Extract(t, rustaudit.New(), []extracttest.Case{
		c("ELF with .dep-v0", langroot.ELF(langroot.Section{Name: ".text", Data: []byte{0xc3}},
			langroot.Section{Name: ".dep-v0", Data: section}), fixture),
		c("ELF without .dep-v0", langroot.ELF(langroot.Section{Name: ".text", Data: []byte{0xc3}}), nil),
		c("shell script", []byte("#!/bin/sh\n"), nil),
		c("ELF magic then garbage", append([]byte("\x7fELF"), make([]byte, 100)...), nil),
		c("empty", nil, nil),
	})
}

// TestExtractRealBinary adds the section to a real Rust executable with
// objcopy, as cargo-auditable is not installed here.
func TestExtractRealBinary(t *testing.T) {
	// The Rust toolchain is not something CI installs: without it, the
	// hand-built ELF tests above still cover the extractor.
	rustc, err := exec.LookPath("rustc")
	if err != nil {
		t.Skip("skipping: rustc is not installed")
	}
	objcopy := testenv.RequireCommand(t, "objcopy")
	dir := t.TempDir()
	src := filepath.Join(dir, "main.rs")
	if err := os.WriteFile(src, []byte("fn main() { println!(\"hello\"); }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	plain, audited, dep := filepath.Join(dir, "plain"), filepath.Join(dir, "audited"), filepath.Join(dir, "dep-v0")
	if err := os.WriteFile(dep, langroot.Zlib([]byte(langroot.RustAuditJSON)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{rustc, "-o", plain, src},
		{objcopy, "--add-section", ".dep-v0=" + dep, "--set-section-flags", ".dep-v0=noload,readonly", plain, audited},
	} {
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	extracttest.Extract(t, rustaudit.New(), []extracttest.Case{
		{Name: "plain", File: plain, Path: path, Mode: 0o755},
		{Name: "audited", File: audited, Path: path, Mode: 0o755, Want: fixture},
	})
}

func TestExtractErrors(t *testing.T) {
	elf := func(sec []byte) []byte {
		return langroot.ELF(langroot.Section{Name: ".dep-v0", Data: sec})
	}
	bomb := langroot.Zlib(bytes.Repeat([]byte(" "), rustaudit.MaxJSONSize+10))
	// Every error names the file and says what went wrong.
	c := func(name string, data []byte, want string) extracttest.Case {
		return extracttest.Case{Name: name, Path: path, Mode: 0o755, Data: data, ErrContains: []string{want, path}}
	}
	bombCase := c("zlib bomb", elf(bomb), "exceeds the size limit")
	bombCase.WantErr = rustaudit.ErrTooLarge
	extracttest.Extract(t, rustaudit.New(), []extracttest.Case{
		c("not zlib", elf([]byte("plain text")), "inflate .dep-v0"),
		c("not JSON", elf(langroot.Zlib([]byte("{"))), "parse dependency JSON"),
		c("dependency out of range", elf(langroot.Zlib([]byte(`{"packages":[{"name":"a","version":"1","dependencies":[3]}]}`))), "out of range"),
		c("self dependency", elf(langroot.Zlib([]byte(`{"packages":[{"name":"a","version":"1","dependencies":[0]}]}`))), "out of range"),
		c("no version", elf(langroot.Zlib([]byte(`{"packages":[{"name":"a"}]}`))), "missing name or version"),
		bombCase,
	})
}

func FuzzExtract(f *testing.F) {
	f.Add(langroot.ELF(langroot.Section{Name: ".dep-v0", Data: langroot.Zlib([]byte(langroot.RustAuditJSON))}))
	f.Add([]byte("\x7fELF\x02\x01\x01"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, err := rustaudit.New().Extract(context.Background(), &inventory.Input{
			Path: path, Mode: 0o755, Size: int64(len(data)), Reader: bytes.NewReader(data),
		})
		if err != nil && pkgs != nil {
			t.Errorf("packages with an error: %v", err)
		}
	})
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(langroot.RustAuditJSON))
	f.Add([]byte(`{"packages":[{"name":"a","version":"1","dependencies":[1]},{"name":"b","version":"2"}]}`))
	f.Fuzz(func(t *testing.T, js []byte) {
		pkgs, err := rustaudit.Parse(js)
		if err != nil {
			return
		}
		for _, p := range pkgs {
			if p.Name == "" || p.Version == "" || p.PURL == "" {
				t.Errorf("bad package %+v", p)
			}
		}
	})
}

func BenchmarkExtract(b *testing.B) {
	var pkgs []string
	for i := range 300 {
		pkgs = append(pkgs, fmt.Sprintf(`{"name":"crate%d","version":"1.%d.0","source":"crates.io","dependencies":[%d]}`, i, i, (i+1)%300))
	}
	js := `{"packages":[` + strings.Join(pkgs, ",") + `]}`
	data := langroot.ELF(langroot.Section{Name: ".text", Data: make([]byte, 2<<20)},
		langroot.Section{Name: ".dep-v0", Data: langroot.Zlib([]byte(js))})
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := rustaudit.New().Extract(context.Background(), &inventory.Input{
			Path: path, Mode: 0o755, Size: int64(len(data)), Reader: bytes.NewReader(data),
		}); err != nil {
			b.Fatal(err)
		}
	}
}
