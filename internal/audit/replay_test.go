package audit

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestReplayRecorded evaluates facts recorded from a real host (go test
// -run TestContainersIntegration -record) and compares every finding with
// the golden listing.
func TestReplayRecorded(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "recorded", "host.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f Facts
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("decode recorded facts: %v", err)
	}
	var sb strings.Builder
	for _, x := range Run(&f, Options{}) {
		fmt.Fprintf(&sb, "%s\t%s\t%s\t%s\t%s\n", x.ID, x.Status, x.Severity, x.Location.String(), x.Evidence)
	}
	got := sb.String()
	p := filepath.Join("testdata", "recorded", "findings.golden")
	if *update {
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("read golden (run with -update): %v", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("findings of recorded facts (-want +got):\n%s", diff)
	}
}
