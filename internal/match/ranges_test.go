package match

import (
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/version"
	"github.com/bulkhead-sec/bulkhead/internal/vulndb"
)

func TestInRange(t *testing.T) {
	ev := func(kv ...string) []vulndb.Event {
		var out []vulndb.Event
		for i := 0; i < len(kv); i += 2 {
			switch kv[i] {
			case "i":
				out = append(out, vulndb.Event{Introduced: kv[i+1]})
			case "f":
				out = append(out, vulndb.Event{Fixed: kv[i+1]})
			case "l":
				out = append(out, vulndb.Event{LastAffected: kv[i+1]})
			case "x":
				out = append(out, vulndb.Event{Limit: kv[i+1]})
			}
		}
		return out
	}
	tests := []struct {
		events   []vulndb.Event
		v        string
		affected bool
		fixed    string
	}{
		{ev("i", "0", "f", "1.2.0"), "1.1.9", true, "1.2.0"},
		{ev("i", "0", "f", "1.2.0"), "1.2.0", false, ""},
		{ev("i", "1.0.0", "f", "1.2.0"), "0.9.0", false, "1.2.0"},
		{ev("i", "1.0.0", "f", "1.2.0"), "1.0.0", true, "1.2.0"},
		{ev("i", "0", "l", "1.2.0"), "1.2.0", true, ""},
		{ev("i", "0", "l", "1.2.0"), "1.2.1", false, ""},
		{ev("i", "1.0.0"), "0.1.0", false, ""},
		{ev("i", "1.0.0"), "5.0.0", true, ""},
		// General walk: several ranges, out of order, limits.
		{ev("i", "2.0.0", "f", "2.3.0", "i", "0", "f", "1.2.0"), "1.5.0", false, "2.3.0"},
		{ev("i", "2.0.0", "f", "2.3.0", "i", "0", "f", "1.2.0"), "2.2.0", true, "2.3.0"},
		{ev("i", "2.0.0", "f", "2.3.0", "i", "0", "f", "1.2.0"), "0.5.0", true, "1.2.0"},
		{ev("i", "1.0.0", "x", "1.4.0"), "1.3.0", true, ""},
		{ev("i", "1.0.0", "x", "1.4.0"), "1.4.0", false, ""},
		{ev("i", "0", "x", "*"), "9.9.9", true, ""},
	}
	for _, tt := range tests {
		affected, fixed, ok := inRange(version.SemVer, tt.v, tt.events)
		if !ok || affected != tt.affected || fixed != tt.fixed {
			t.Errorf("inRange(%v, %s) = %v, %q, %v; want %v, %q", tt.events, tt.v, affected, fixed, ok, tt.affected, tt.fixed)
		}
	}
	if _, _, ok := inRange(version.SemVer, "1.0.0", ev("i", "0", "f", "not-a-version")); ok {
		t.Errorf("inRange with an unreadable fixed version reported ok")
	}
}
