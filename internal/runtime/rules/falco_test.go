package rules

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/testenv"
)

func TestLoadFalcoStable(t *testing.T) {
	dir := testenv.SharedDir(t, "reference")
	src, err := ReadFile(filepath.Join(dir, "falco", "falco_rules.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	set, warns, err := Load(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range warns {
		t.Log(w)
	}
	for _, r := range set.Rules() {
		t.Logf("%v %q %s %v", r.Enabled, r.Name, r.Disabled, r.EventTypes)
	}
	_ = os.Stdout
}
