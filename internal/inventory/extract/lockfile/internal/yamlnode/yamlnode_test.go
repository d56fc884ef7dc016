package yamlnode

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"
)

func TestWalk(t *testing.T) {
	root, err := Parse([]byte("b: 1\na:\n  x: y\n  z: [1]\nc: &anchor {k: v}\nd: *anchor\n"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"b", "a", "c", "d"}, Keys(root)); diff != "" {
		t.Errorf("Keys mismatch (-want +got):\n%s", diff)
	}
	if got := Scalar(Get(Get(root, "a"), "x")); got != "y" {
		t.Errorf("a.x = %q, want %q", got, "y")
	}
	if got := Scalar(Get(Get(root, "a"), "z")); got != "" {
		t.Errorf("Scalar(sequence) = %q, want empty", got)
	}
	// Aliases are not followed.
	if got := Keys(Get(root, "d")); got != nil {
		t.Errorf("Keys(alias) = %q, want none", got)
	}
	if Get(nil, "a") != nil || IsMapping(nil) || Scalar(nil) != "" {
		t.Error("helpers on nil nodes must return zero values")
	}
	if root, err := Parse(nil); root != nil || err != nil {
		t.Errorf("Parse(empty) = %v, %v; want nil, nil", root, err)
	}
	if _, err := Parse([]byte("a: [")); err == nil {
		t.Error("Parse(bad yaml) = nil error, want an error")
	}
}

// TestAliasBomb: a "billion laughs" document is parsed without expanding
// its aliases.
func TestAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 30; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	root, err := Parse([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(Keys(root)); n != 30 {
		t.Errorf("got %d keys, want 30", n)
	}
}

// Keys returns the keys of a mapping node.
func Keys(n *yaml.Node) []string {
	var out []string
	for k := range Pairs(n) {
		out = append(out, k)
	}
	return out
}
