package compose

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

func BenchmarkLint(b *testing.B) {
	small, err := os.ReadFile("testdata/golden/monitoring.yaml")
	if err != nil {
		b.Fatal(err)
	}
	var big strings.Builder
	big.WriteString("services:\n")
	for i := 0; i < 500; i++ {
		fmt.Fprintf(&big, "  svc%d:\n    image: example/svc:%d\n    privileged: true\n    ports: [\"%d:80\"]\n    volumes: [\"/var/run/docker.sock:/var/run/docker.sock\", \"data%d:/data\"]\n    environment:\n      DB_PASSWORD: secret%d\n", i, i, 10000+i, i, i)
	}
	for _, c := range []struct {
		name string
		src  []byte
	}{{"monitoring", small}, {"500services", []byte(big.String())}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.src)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Lint("compose.yaml", c.src, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPortRanges lints 20 services that publish every port
// ("1-65535:1-65535"), the file that took compose-go over 1.6 GB and a
// minute when ranges were expanded.
func BenchmarkPortRanges(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("services:\n")
	for i := 0; i < 20; i++ {
		fmt.Fprintf(&sb, "  s%d:\n    image: x:1\n    ports: [\"1-65535:1-65535\"]\n", i)
	}
	src := []byte(sb.String())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Lint("stack.yml", src, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
