//go:build linux

package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseRuns(t *testing.T) {
	text := "/pkg/sensor.test\n-test.v\n-test.run=.\n--\n@symlink /bin/busybox /sbin/modprobe\n  /pkg/sensor.test \n\n-test.run=^X$\n"
	got, err := parseRuns("args", text)
	if err != nil {
		t.Fatal(err)
	}
	want := []testRun{
		{argv: []string{"/pkg/sensor.test", "-test.v", "-test.run=."}},
		{links: [][2]string{{"/bin/busybox", "/sbin/modprobe"}}, argv: []string{"/pkg/sensor.test", "-test.run=^X$"}},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(testRun{})); diff != "" {
		t.Errorf("runs (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"", "--\n/x", "/x\n--", "/x\n@reboot", "@symlink a\n/x"} {
		if runs, err := parseRuns("args", bad); err == nil {
			t.Errorf("%q: no error, %v", bad, runs)
		}
	}
}

// FuzzParseRuns: any text gives runs that each have a program, or an
// error.
func FuzzParseRuns(f *testing.F) {
	f.Add("/pkg/sensor.test\n-test.v\n--\n@symlink /bin/busybox /sbin/modprobe\n/pkg/sensor.test\n")
	f.Add("@symlink a b c\n--\n--\n")
	f.Fuzz(func(t *testing.T, text string) {
		runs, err := parseRuns("args", text)
		if err != nil {
			return
		}
		for _, r := range runs {
			if len(r.argv) == 0 || strings.TrimSpace(r.argv[0]) != r.argv[0] || r.argv[0] == "" {
				t.Fatalf("run without a program: %+v", r)
			}
		}
	})
}
