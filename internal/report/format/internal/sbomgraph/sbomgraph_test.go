package sbomgraph

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/report"
)

func TestRefs(t *testing.T) {
	pkgs := []inventory.Package{
		{Name: "a", Version: "1", Type: "npm", PURL: "pkg:npm/a@1", Path: "x/package.json"},
		{Name: "a", Version: "1", Type: "npm", PURL: "pkg:npm/a@1", Path: "y/package.json"},
		{Name: "a", Version: "1", Type: "npm", PURL: "pkg:npm/a@1", Path: "y/package.json"},
		{Name: "b", Version: "2", Type: "pypi"},
		{Name: "c", Version: "3", Type: "npm", PURL: "pkg:npm/c@3", Path: "z"},
	}
	want := []string{"pkg:npm/a@1#x/package.json", "pkg:npm/a@1#y/package.json", "pkg:npm/a@1#y/package.json#2", "pypi:b@2", "pkg:npm/c@3"}
	if diff := cmp.Diff(want, Refs(pkgs)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestResolve(t *testing.T) {
	pkgs := []inventory.Package{
		0: {Name: "app", Type: "npm", Path: "p", DependsOn: []string{"lib", "dup", "missing", "app", "lib"}},
		1: {Name: "lib", Type: "npm", Path: "p"},
		2: {Name: "dup", Type: "npm", Path: "q"},
		3: {Name: "dup", Type: "npm", Path: "r"},
		4: {Name: "lib", Type: "pypi", Path: "p"},
		5: {Name: "tool", Type: "npm", Path: "p", DependsOn: []string{"dup"}, Relationship: "direct"},
		6: {Name: "dup", Type: "npm", Path: "p"},
		7: {Name: "t", Type: "npm", Relationship: "transitive"},
	}
	g := Resolve(pkgs)
	wantEdges := [][]int{{1, 6}, nil, nil, nil, nil, {6}, nil, nil}
	if diff := cmp.Diff(wantEdges, g.Edges); diff != "" {
		t.Errorf("edges (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{0, 2, 3, 4, 5}, g.TopLevel); diff != "" {
		t.Errorf("top level (-want +got):\n%s", diff)
	}
}

func TestImagePURL(t *testing.T) {
	tests := []struct {
		t    report.Target
		want string
	}{
		{report.Target{Name: "registry.example.com:5000/shop/web:1.4", Digest: "sha256:ab"}, "pkg:oci/web@sha256:ab?repository_url=registry.example.com:5000%2Fshop%2Fweb"},
		{report.Target{Name: "Alpine@sha256:cd", Digest: "sha256:cd", Architecture: "arm64"}, "pkg:oci/alpine@sha256:cd?arch=arm64&repository_url=Alpine"},
		{report.Target{Name: "web:1"}, ""},
	}
	for _, tt := range tests {
		if got := ImagePURL(tt.t); got != tt.want {
			t.Errorf("ImagePURL(%+v) = %q, want %q", tt.t, got, tt.want)
		}
	}
}
