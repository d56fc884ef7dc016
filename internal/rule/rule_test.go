package rule

import (
	"errors"
	"strings"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

func testCatalogue() *Catalogue {
	return NewCatalogue([]Rule{
		{ID: "BH-DF-008", Aliases: []string{"DL3008"}, Tags: []string{"apt"}, Severity: finding.Medium, Scanner: ScannerDockerfile},
		{ID: "BH-DF-009", Aliases: []string{"DL3015"}, Tags: []string{"apt"}, Scanner: ScannerDockerfile},
		{ID: "5.4", Aliases: []string{"CIS-DOCKER-5.4"}, Tags: []string{"level1"}, Scanner: ScannerAudit},
		{ID: "Terminal shell in container", Tags: []string{"shell"}, Scanner: ScannerRuntime, Off: true},
	})
}

func TestLookupByIDAliasTagAnyCase(t *testing.T) {
	c := testCatalogue()
	for sel, want := range map[string][]string{
		"bh-df-008":                   {"BH-DF-008"},
		"dl3015":                      {"BH-DF-009"},
		"CIS-DOCKER-5.4":              {"5.4"},
		"APT":                         {"BH-DF-008", "BH-DF-009"},
		"terminal shell in container": {"Terminal shell in container"},
		"DL9999":                      nil,
	} {
		var got []string
		for _, r := range c.Lookup(sel) {
			got = append(got, r.ID)
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("Lookup(%q) = %v, want %v", sel, got, want)
		}
	}
}

func TestSelectNamesClosestOnTypo(t *testing.T) {
	c := testCatalogue()
	_, err := c.Select([]string{"DL3008", "DL300B"}, nil)
	var u *UnknownError
	if !errors.As(err, &u) || u.Selector != "DL300B" || u.Closest != "DL3008" {
		t.Fatalf("Select with a typo: %v, want unknown DL300B, closest DL3008", err)
	}
	if !strings.Contains(err.Error(), "did you mean DL3008") {
		t.Errorf("message %q does not name the closest rule", err)
	}
	if _, err := c.Select([]string{"levl1"}, nil); !errors.As(err, &u) || u.Closest != "level1" {
		t.Errorf("a tag typo: %v, want closest level1", err)
	}
	if _, err := c.Select(nil, []string{"completely-unrelated-words"}); !errors.As(err, &u) || u.Closest != "" {
		t.Errorf("a selector far from every rule got a suggestion: %v", err)
	}
}

func TestSelectEnableWinsOverDisable(t *testing.T) {
	c := testCatalogue()
	sel, err := c.Select([]string{"apt"}, []string{"DL3015"})
	if err != nil {
		t.Fatal(err)
	}
	if !sel.Off("BH-DF-008") || sel.Off("BH-DF-009") || sel.Off("5.4") {
		t.Errorf("Off: BH-DF-008 %v (want true), BH-DF-009 %v, 5.4 %v (want false)", sel.Off("BH-DF-008"), sel.Off("BH-DF-009"), sel.Off("5.4"))
	}
	if (Selection{}).Off("BH-DF-008") || !(Selection{}).Empty() {
		t.Error("the empty selection turns something off")
	}
}

func TestRulesByScanner(t *testing.T) {
	c := testCatalogue()
	if n := len(c.Rules("")); n != 4 {
		t.Errorf("all rules: %d, want 4", n)
	}
	if rs := c.Rules(ScannerAudit); len(rs) != 1 || rs[0].ID != "5.4" {
		t.Errorf("audit rules: %v", rs)
	}
}

func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"abc", "", 3}, {"kitten", "sitting", 3}, {"DL3008", "DL3080", 2}} {
		if got := distance(c.a, c.b); got != c.d {
			t.Errorf("distance(%q, %q) = %d, want %d", c.a, c.b, got, c.d)
		}
	}
}
