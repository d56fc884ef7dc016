package npm

import (
	"fmt"
	"strings"
	"testing"
)

// bigLockV3 generates a package-lock.json v3 with n packages, a fifth of
// them nested, each depending on two others.
func bigLockV3(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"name":"big","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{"":{"name":"big","version":"1.0.0","dependencies":{`)
	for i := 0; i < 50; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"pkg-%d":"^1.0.0"`, i)
	}
	b.WriteString(`}}`)
	for i := 0; i < n; i++ {
		key := fmt.Sprintf("node_modules/pkg-%d", i)
		if i%5 == 4 {
			key = fmt.Sprintf("node_modules/pkg-%d/node_modules/@scope/inner-%d", i-1, i)
		}
		fmt.Fprintf(&b, `,%q:{"version":"1.%d.%d","resolved":"https://registry.npmjs.org/pkg-%d/-/pkg-%d-1.%d.%d.tgz","integrity":"sha512-%064d","dev":%v,"dependencies":{"pkg-%d":"^1.0.0","pkg-%d":"~1.2.0"}}`,
			key, i%100, i%7, i, i, i%100, i%7, i, i%3 == 0, (i+1)%n, (i+7)%n)
	}
	b.WriteString(`}}`)
	return []byte(b.String())
}

func BenchmarkParseV3(b *testing.B) {
	data := bigLockV3(20000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r, err := Parse(data)
		if err != nil || len(r.Packages) != 20000 {
			b.Fatalf("Parse: %d packages, %v", len(r.Packages), err)
		}
	}
}
