package cvss

import (
	"errors"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/google/go-cmp/cmp"
)

func TestBaseScore(t *testing.T) {
	tests := []struct {
		vector string
		want   Score
	}{
		// CVSS 4.0 (scores from the FIRST calculator)
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", Score{"4.0", 10, finding.Critical}},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", Score{"4.0", 0, finding.Info}},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", Score{"4.0", 9.3, finding.Critical}},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:H/SI:H/SA:H", Score{"4.0", 7.9, finding.High}},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:U", Score{"4.0", 9.1, finding.Critical}},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/MVI:L/MSA:S", Score{"4.0", 9.8, finding.Critical}},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N", Score{"4.0", 6.9, finding.Medium}},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:N/VI:L/VA:N/SC:N/SI:N/SA:N", Score{"4.0", 5.3, finding.Medium}},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N/E:X", Score{"4.0", 5.3, finding.Medium}},
		// CVSS 3.x (scores from the FIRST and NVD calculators)
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", Score{"3.1", 9.8, finding.Critical}},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", Score{"3.1", 7.5, finding.High}},
		{"CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:H/I:N/A:N", Score{"3.1", 6.8, finding.Medium}},
		{"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N", Score{"3.1", 5.5, finding.Medium}},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", Score{"3.1", 6.1, finding.Medium}},
		{"CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", Score{"3.0", 10, finding.Critical}},
		{"CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", Score{"3.1", 1.6, finding.Low}},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", Score{"3.1", 0, finding.Info}},
		{"CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C", Score{"3.1", 8.1, finding.High}},
		// CVSS 2.0
		{"AV:N/AC:L/Au:N/C:P/I:P/A:P", Score{"2.0", 7.5, finding.High}},
		{"AV:N/AC:M/Au:N/C:N/I:P/A:N", Score{"2.0", 4.3, finding.Medium}},
		{"(AV:L/AC:L/Au:N/C:C/I:C/A:C)", Score{"2.0", 7.2, finding.High}},
	}
	for _, tt := range tests {
		got, err := BaseScore(tt.vector)
		if err != nil {
			t.Errorf("BaseScore(%q): %v", tt.vector, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("BaseScore(%q) (-want +got):\n%s", tt.vector, diff)
		}
	}
}

func TestBaseScoreInvalid(t *testing.T) {
	for _, v := range []string{
		"", "CVSS:3.1/", "CVSS:3.1/AV:N", "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
		"CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "CVSS:5.0/AV:N", "CVSS:4.0/AV:N/AC:L",
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:S/SA:H", "garbage", "AV:N/AC:L/Au:N",
	} {
		if _, err := BaseScore(v); !errors.Is(err, ErrInvalidVector) {
			t.Errorf("BaseScore(%q) error = %v, want ErrInvalidVector", v, err)
		}
	}
}

func TestSeverityOf(t *testing.T) {
	tests := map[float64]finding.Severity{0: finding.Info, 0.1: finding.Low, 3.9: finding.Low, 4: finding.Medium,
		6.9: finding.Medium, 7: finding.High, 8.9: finding.High, 9: finding.Critical, 10: finding.Critical}
	for s, want := range tests {
		if got := SeverityOf(s); got != want {
			t.Errorf("SeverityOf(%v) = %v, want %v", s, got, want)
		}
	}
}

// FuzzBaseScore checks that no vector string panics the calculators and
// that every score is within 0..10.
func FuzzBaseScore(f *testing.F) {
	f.Add("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/MSI:S/E:P/CR:L")
	f.Add("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H")
	f.Add("AV:N/AC:L/Au:N/C:P/I:P/A:P")
	f.Fuzz(func(t *testing.T, v string) {
		s, err := BaseScore(v)
		if err == nil && (s.Base < 0 || s.Base > 10) {
			t.Fatalf("BaseScore(%q) = %v, out of range", v, s.Base)
		}
	})
}
