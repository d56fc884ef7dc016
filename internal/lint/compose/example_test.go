package compose_test

import (
	"fmt"

	"github.com/bulkhead-sec/bulkhead/internal/lint/compose"
)

func ExampleLint() {
	src := []byte(`services:
  web:
    image: nginx:1.27.2
    privileged: true
    ports:
      - "127.0.0.1:8080:80"
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock
`)
	findings, err := compose.Lint("compose.yaml", src, compose.Options{
		Disabled: []string{"BH-CP-010", "BH-CP-011", "BH-CP-015", "BH-CP-016", "BH-CP-017", "BH-CP-019", "BH-CP-020", "BH-CP-028", "BH-CP-029"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range findings {
		fmt.Printf("%s %s line %d %s: %s\n", f.ID, f.Severity, f.Location.Line, f.Location.Object, f.Title)
	}
	// Output:
	// BH-CP-001 HIGH line 4 service web: Service runs privileged
	// BH-CP-013 LOW line 5 service web: Privileged port (below 1024) published
	// BH-CP-003 CRITICAL line 8 service web: Container engine socket mounted
}
