package enrich

import (
	"strconv"
	"testing"
)

func strconvU(v uint32) string { return strconv.FormatUint(uint64(v), 10) }

func FuzzContainerIDFromCgroup(f *testing.F) {
	f.Add([]byte("12:cpu,cpuacct:/docker/" + cid + "\n"))
	f.Add([]byte("0::/system.slice/docker-" + cid + ".scope\n"))
	f.Add([]byte("\x00:::\n\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		id := ContainerIDFromCgroup(b)
		if id != "" && len(id) != 64 {
			t.Fatalf("id %q is not 64 characters", id)
		}
	})
}

func FuzzParseInspect(f *testing.F) {
	f.Add([]byte(`{"Id":"x","Name":"/n","Config":{"Image":"a:b@sha256:c"}}`))
	f.Add([]byte(`{"Id":"x","GraphDriver":{"Data":{"UpperDir":"/u"}}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ci, err := ParseInspect(b)
		if err == nil && ci.ID == "" {
			t.Fatal("accepted an inspect answer without an id")
		}
	})
}

func FuzzParseStatus(f *testing.F) {
	f.Add([]byte("Name:\tsh\nPPid:\t7\nUid:\t0\t1000\t0\t0\n"))
	f.Add([]byte("Uid:\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		parseStatus(b)
	})
}
