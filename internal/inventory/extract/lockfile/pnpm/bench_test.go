package pnpm

import (
	"fmt"
	"strings"
	"testing"
)

// bigV9 generates a pnpm-lock.yaml 9.0 with n packages.
func bigV9(n int) []byte {
	var b strings.Builder
	b.WriteString("lockfileVersion: '9.0'\n\nsettings:\n  autoInstallPeers: true\n  excludeLinksFromLockfile: false\n\nimporters:\n\n  .:\n    dependencies:\n")
	for i := 0; i < 50; i++ {
		fmt.Fprintf(&b, "      pkg-%d:\n        specifier: ^1.0.0\n        version: 1.%d.%d\n", i, i%100, i%7)
	}
	b.WriteString("\npackages:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "\n  pkg-%d@1.%d.%d:\n    resolution: {integrity: sha512-%064d}\n    engines: {node: '>=14'}\n", i, i%100, i%7, i)
	}
	b.WriteString("\nsnapshots:\n")
	for i := 0; i < n; i++ {
		j, k := (i+1)%n, (i+7)%n
		fmt.Fprintf(&b, "\n  pkg-%d@1.%d.%d:\n    dependencies:\n      pkg-%d: 1.%d.%d\n      pkg-%d: 1.%d.%d\n", i, i%100, i%7, j, j%100, j%7, k, k%100, k%7)
	}
	return []byte(b.String())
}

func BenchmarkParseV9(b *testing.B) {
	data := bigV9(20000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r, err := Parse(data)
		if err != nil || len(r.Packages) != 20000 {
			b.Fatalf("Parse: %d packages, %v", len(r.Packages), err)
		}
	}
}
