package compose

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestHostile feeds inputs built to make a YAML loader work hard: an alias
// bomb, deep nesting and many services. Each must end with findings or an
// error, not a hang or a crash.
func TestHostile(t *testing.T) {
	var bomb strings.Builder
	bomb.WriteString("x-a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n")
	prev := "a"
	for i := 0; i < 9; i++ {
		name := fmt.Sprintf("b%d", i)
		fmt.Fprintf(&bomb, "x-%s: &%s [*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s]\n", name, name, prev, prev, prev, prev, prev, prev, prev, prev, prev)
		prev = name
	}
	fmt.Fprintf(&bomb, "services:\n  s:\n    image: x\n    command: *%s\n", prev)

	deep := "services:\n  s:\n    image: x\n    labels:\n      a: " + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + "\n"
	// An explicit key ("? ") may be longer than YAML's 1024-byte limit on
	// simple keys.
	dotted := "services:\n  s:\n    image: x\n    x-big:\n      ? " + strings.Repeat("a.", 3000) + "\n      :\n" + strings.Repeat("        - x\n", 2000)

	var many strings.Builder
	many.WriteString("services:\n")
	for i := 0; i < MaxServices; i++ {
		fmt.Fprintf(&many, "  s%d: {image: x, privileged: true}\n", i)
	}
	tooMany := many.String() + "  one-more: {image: x}\n"
	nodes := "services:\n  s:\n    image: x\n    command: [" + strings.Repeat("a,", MaxNodes) + "a]\n"
	tests := []struct {
		name, src string
		wantErr   error
	}{
		{"alias bomb", bomb.String(), nil},
		{"deep", deep, ErrTooComplex},
		{"dotted key", dotted, ErrTooComplex},
		{"many services", many.String(), nil},
		{"too many services", tooMany, ErrTooComplex},
		{"too many nodes", nodes, ErrTooComplex},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, err := Lint("compose.yaml", []byte(tt.src), Options{})
			switch {
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Errorf("err %v, want %v", err, tt.wantErr)
			case tt.name == "alias bomb" && (err == nil || !strings.Contains(err.Error(), "alias")):
				t.Errorf("alias bomb: err %v", err)
			case tt.name == "many services" && (err != nil || count(fs, "BH-CP-001") != MaxServices):
				t.Errorf("many services: %d privileged findings, err %v", count(fs, "BH-CP-001"), err)
			}
		})
	}
}
