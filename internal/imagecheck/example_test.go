package imagecheck_test

import (
	"fmt"
	"io/fs"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/imagecheck"
	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

func ExampleCheck() {
	in := &imagecheck.Input{
		Name: "example/app", Tag: "2.1",
		Config: &v1.ConfigFile{Config: v1.Config{
			User:        "app",
			Healthcheck: &v1.HealthConfig{Test: []string{"CMD", "/app", "health"}},
		}},
		Files: []imagecheck.File{
			{Path: "usr/bin/curl", Mode: 0o755, Size: 260000, Layer: "sha256:aaaa"},
			{Path: "usr/bin/passwd", Mode: fs.ModeSetuid | 0o755, Size: 59976, Layer: "sha256:aaaa"},
		},
		OS:  &inventory.OS{ID: "alpine", VersionID: "3.18.4"},
		Now: time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC),
	}
	for _, f := range imagecheck.Check(in) {
		fmt.Printf("%s %s: %s\n", f.ID, f.Severity, f.Evidence)
	}
	// Output:
	// BH-IMG-003 LOW: /usr/bin/passwd (58.6 KiB)
	// BH-IMG-008 LOW: /usr/bin/curl (253.9 KiB)
	// BH-IMG-009 HIGH: alpine 3.18.4: end of life 2025-05-09 (source: https://alpinelinux.org/releases/)
}
