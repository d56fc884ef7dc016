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
