package dockerfile

import (
	"fmt"
	"os"
	"testing"
	"time"
)

func TestSmoke(t *testing.T) {
	src, _ := os.ReadFile(os.Getenv("DF"))
	fs, err := Lint("Dockerfile", src, Options{Now: time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		fmt.Printf("%d %s %s %s | %s | %s\n", f.Location.Line, f.ID, f.Severity, f.Title, f.Description, f.Evidence)
	}
}
