package dockerfile

import (
	"bufio"
	"os"
	"sort"
	"strings"
	"testing"
)

// hadolintConfig is the configuration the cases of a rule that needs one
// are linted with.
var hadolintConfig = map[string]Options{
	"DL3026": {TrustedRegistries: []string{"registry.example.com", "*.mirror.example.net"}},
	"DL3049": {LabelSchema: map[string]string{"maintainer": "email", "org.opencontainers.image.source": "url"}},
	"DL3050": {LabelSchema: map[string]string{"maintainer": "email", "org.opencontainers.image.source": "url"}, StrictLabels: true},
	"DL3051": {LabelSchema: map[string]string{"maintainer": "text"}},
	"DL3052": {LabelSchema: map[string]string{"org.opencontainers.image.source": "url"}},
	"DL3053": {LabelSchema: map[string]string{"created": "rfc3339"}},
	"DL3054": {LabelSchema: map[string]string{"license": "spdx"}},
	"DL3055": {LabelSchema: map[string]string{"revision": "hash"}},
	"DL3056": {LabelSchema: map[string]string{"version": "semver"}},
	"DL3058": {LabelSchema: map[string]string{"maintainer": "email"}},
}

type hadolintCase struct {
	id   string
	bad  bool
	src  string
	line int
}

func readHadolintCases(t *testing.T) []hadolintCase {
	t.Helper()
	fh, err := os.Open("testdata/hadolint/cases.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	var out []hadolintCase
	sc := bufio.NewScanner(fh)
	for n := 1; sc.Scan(); n++ {
		l := sc.Text()
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") {
			continue
		}
		id, rest, _ := strings.Cut(l, " ")
		kind, src, _ := strings.Cut(strings.TrimLeft(rest, " "), " ")
		if kind != "bad" && kind != "good" {
			t.Fatalf("cases.txt:%d: want bad or good, got %q", n, kind)
		}
		src = strings.TrimLeft(src, " ")
		out = append(out, hadolintCase{id: id, bad: kind == "bad", src: strings.ReplaceAll(src, `\n`, "\n") + "\n", line: n})
	}
	return out
}

// TestHadolintCases runs bulkhead's own good and bad cases for every
// hadolint rule: a bad case must get a finding of the rule whose alias is
// the DL id, a good case none. Every DL rule of the reference catalogue
// must have at least one case of each kind.
func TestHadolintCases(t *testing.T) {
	cases := readHadolintCases(t)
	counts := map[string][2]int{}
	for _, c := range cases {
		opts := hadolintConfig[c.id]
		opts.Now = testNow
		opts.Enabled = []string{c.id}
		got, err := Lint("Dockerfile", []byte(c.src), opts)
		if err != nil {
			t.Errorf("cases.txt:%d: %v", c.line, err)
			continue
		}
		n := 0
		for _, f := range got {
			for _, a := range f.Aliases {
				if a == c.id {
					n++
				}
			}
		}
		k := counts[c.id]
		if c.bad {
			k[0]++
			if n == 0 {
				t.Errorf("cases.txt:%d: %s did not fire on bad case %q", c.line, c.id, c.src)
			}
		} else {
			k[1]++
			if n != 0 {
				t.Errorf("cases.txt:%d: %s fired on good case %q", c.line, c.id, c.src)
			}
		}
		counts[c.id] = k
	}
	for _, id := range hadolintIDs(t) {
		if k := counts[id]; k[0] == 0 || k[1] == 0 {
			t.Errorf("%s: %d bad and %d good cases; want at least one of each", id, k[0], k[1])
		}
		if len(UnknownRules([]string{id})) != 0 {
			t.Errorf("%s: no bulkhead rule has it as an alias", id)
		}
	}
	if testing.Verbose() {
		ids := make([]string, 0, len(counts))
		for id := range counts {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			t.Logf("%s bad=%d good=%d", id, counts[id][0], counts[id][1])
		}
	}
}

// hadolintIDs are the DL rules of hadolint, as the reference catalogue in
// docs/rules lists them (kept in testdata so the test needs no file
// outside the package).
func hadolintIDs(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("testdata/hadolint/ids.txt")
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(b))
}
