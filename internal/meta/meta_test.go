package meta

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/testenv"
)

const module = "github.com/bulkhead-sec/bulkhead"

type goPackage struct {
	ImportPath string
	Doc        string
	Imports    []string
	Name       string
}

func listPackages(t *testing.T) []goPackage {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", "./...")
	cmd.Dir = testenv.RepoRoot(t)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var pkgs []goPackage
	dec := json.NewDecoder(out)
	for {
		var p goPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("go list: %v", err)
	}
	return pkgs
}

func TestEveryPackageDocumented(t *testing.T) {
	for _, p := range listPackages(t) {
		if strings.TrimSpace(p.Doc) == "" {
			t.Errorf("%s has no package doc comment", p.ImportPath)
		}
	}
}

// layer tells which of DESIGN.md's layers a package sits in. Data flows one
// way: cli → (policy, report/format, server) → scanners → leaves.
func layer(rel string) int {
	switch {
	case rel == "internal/finding", rel == "internal/inventory", rel == "internal/report",
		rel == "internal/testenv", rel == "internal/version", rel == "internal/eol",
		rel == "internal/meta", rel == "internal/wire", rel == "internal/rule":
		return 0 // shared leaves
	case rel == "internal/cli", strings.HasPrefix(rel, "cmd/"):
		return 3 // commands
	case strings.HasPrefix(rel, "internal/report/format"), rel == "internal/policy",
		strings.HasPrefix(rel, "internal/server"),
		strings.HasPrefix(rel, "internal/store"),
		strings.HasPrefix(rel, "internal/agent"),
		strings.HasPrefix(rel, "internal/dashboard"):
		return 2 // what sits between the model and the user
	default:
		return 1 // scanners and their parts
	}
}

func TestOneWayLayering(t *testing.T) {
	for _, p := range listPackages(t) {
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		from := layer(rel)
		for _, imp := range p.Imports {
			if !strings.HasPrefix(imp, module+"/") {
				continue
			}
			irel := strings.TrimPrefix(imp, module+"/")
			if irel == "internal/testenv" && !strings.HasPrefix(rel, "internal/testfixture") {
				t.Errorf("%s imports internal/testenv outside a test", rel)
				continue
			}
			to := layer(irel)
			if to > from {
				t.Errorf("%s (layer %d) imports %s (layer %d): data flows one way, cli → formats/policy → scanners → leaves", rel, from, irel, to)
			}
			if from == 2 && to == 1 && strings.HasPrefix(rel, "internal/report/format") {
				t.Errorf("%s: a writer imports the scanner %s; writers see only the report model", rel, irel)
			}
			if from == 0 && to == 0 && rel != "internal/report" && irel != "internal/finding" && irel != "internal/inventory" && irel != "internal/version" && irel != "internal/wire" && irel != "internal/rule" {
				t.Errorf("leaf %s imports %s; leaves stay independent", rel, irel)
			}
		}
	}
}

func TestOnlySensorImportsEBPF(t *testing.T) {
	for _, p := range listPackages(t) {
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, "github.com/cilium/ebpf") && !strings.HasPrefix(rel, "internal/runtime/sensor") {
				t.Errorf("%s imports %s: only internal/runtime/sensor may", rel, imp)
			}
		}
	}
}

// TestModTidy fails when go.mod or go.sum drift from what the code imports:
// every dependency is named on purpose (DESIGN.md lists them).
func TestModTidy(t *testing.T) {
	cmd := exec.Command("go", "mod", "tidy", "-diff")
	cmd.Dir = testenv.RepoRoot(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("go mod tidy -diff: %v (run `go mod tidy`)\n%s", err, out)
	}
}

// scanners are the packages (with their subpackages) that find things, and
// the other scanners each may import: a scanner uses another only through
// the table below, so that secret detection and redaction, for one, stay in
// internal/secret. Composers (internal/pipeline, internal/rule/catalog,
// internal/cli, internal/server...) may import any scanner; scanners may
// import leaves and parts (internal/image, internal/scan, extractors).
var scanners = map[string][]string{
	"internal/lint/dockerfile": {"internal/secret"},
	"internal/lint/compose":    {"internal/secret"},
	"internal/imagecheck":      {"internal/secret"},
	"internal/secret":          nil,
	"internal/audit":           {"internal/secret"},
	"internal/vulndb":          nil,
	"internal/match":           {"internal/vulndb"},
	"internal/sbomread":        nil,
	"internal/runtime":         nil,
}

// scannerOf returns the scanner rel belongs to, or "".
func scannerOf(rel string) string {
	for s := range scanners {
		if rel == s || strings.HasPrefix(rel, s+"/") {
			return s
		}
	}
	return ""
}

func TestScannerImports(t *testing.T) {
	for _, p := range listPackages(t) {
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		from := scannerOf(rel)
		if from == "" {
			continue
		}
		for _, imp := range p.Imports {
			irel, ok := strings.CutPrefix(imp, module+"/")
			if !ok {
				continue
			}
			to := scannerOf(irel)
			if to == "" || to == from {
				continue
			}
			allowed := false
			for _, a := range scanners[from] {
				allowed = allowed || a == to
			}
			if !allowed {
				t.Errorf("%s imports the scanner %s: %s may import %v only (see the table in meta_test.go)", rel, irel, from, scanners[from])
			}
		}
	}
}
