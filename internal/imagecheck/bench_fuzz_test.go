package imagecheck

import (
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/report"
)

// bigInput is an image of n files spread over bin dirs, libraries and
// caches, with a few symbolic links.
func bigInput(n int) *Input {
	in := clean()
	in.Config.Config.User = ""
	names := []string{"sh", "bash", "curl", "gcc", "apk", "lib%d.so", "data%d", "passwd"}
	dirs := []string{"bin", "usr/bin", "usr/lib", "var/cache/apk", "srv/www"}
	for i := 0; i < n; i++ {
		name := names[i%len(names)]
		if strings.Contains(name, "%d") {
			name = fmt.Sprintf(name, i)
		} else {
			name = fmt.Sprintf("%s%d", name, i/len(names))
			if i < len(names) {
				name = names[i]
			}
		}
		mode := fs.FileMode(0o755)
		if i%97 == 0 {
			mode |= fs.ModeSetuid
		}
		if i%89 == 0 {
			mode = 0o666
		}
		f := File{Path: dirs[i%len(dirs)] + "/" + name, Mode: mode, Size: int64(i % 5000), Layer: fmt.Sprintf("sha256:%064d", i%7)}
		if i%13 == 0 {
			f.Mode, f.Linkname = fs.ModeSymlink|0o777, "/bin/sh"
		}
		in.Files = append(in.Files, f)
	}
	for i := 0; i < 10; i++ {
		in.Layers = append(in.Layers, report.Layer{Digest: fmt.Sprintf("sha256:%064d", i), CreatedBy: "RUN apk add --no-cache x # buildkit"})
	}
	return in
}

func BenchmarkCheck(b *testing.B) {
	for _, n := range []int{1000, 100000, -100000} {
		name := fmt.Sprint(n, "files")
		in := bigInput(n)
		if n < 0 {
			// As a scan hands them over: sorted by path.
			in = bigInput(-n)
			sort.Slice(in.Files, func(i, j int) bool { return in.Files[i].Path < in.Files[j].Path })
			name = fmt.Sprint(-n, "files-sorted")
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Check(in)
			}
		})
	}
}

// FuzzCheck runs the checks on file lists made from arbitrary text (one
// "path mode linkname" per line, links that loop or escape included): no
// panic, and evidence stays bounded.
func FuzzCheck(f *testing.F) {
	f.Add("bin/sh 0120777 busybox\nbin/busybox 0755\nusr/bin/passwd 04755\n")
	f.Add("a 0120777 b\nb 0120777 a\nbin/sh 0120777 ../../../../etc/passwd\n/bin/nc 0120777 /bin/nc\n")
	f.Add("var/cache/apk/x 0644\nroot/.cache/pip/y 0644\ntmp 01777\nsrv 0777\n")
	f.Fuzz(func(t *testing.T, s string) {
		in := clean()
		for i, line := range strings.Split(s, "\n") {
			if i > 2000 {
				break
			}
			fields := strings.Fields(line)
			if len(fields) == 0 {
				continue
			}
			var m uint32
			if len(fields) > 1 {
				fmt.Sscanf(fields[1], "%o", &m)
			}
			mode := fs.FileMode(m & 0o777)
			switch m & 0o170000 {
			case 0o120000:
				mode |= fs.ModeSymlink
			case 0o040000:
				mode |= fs.ModeDir
			}
			if m&0o4000 != 0 {
				mode |= fs.ModeSetuid
			}
			if m&0o2000 != 0 {
				mode |= fs.ModeSetgid
			}
			if m&0o1000 != 0 {
				mode |= fs.ModeSticky
			}
			file := File{Path: fields[0], Mode: mode, Size: int64(len(line)), Layer: l1}
			if len(fields) > 2 {
				file.Linkname = fields[2]
			}
			in.Files = append(in.Files, file)
		}
		for _, fd := range Check(in) {
			if strings.Count(fd.Evidence, ", ") > MaxListed+2*len(cacheDirs) {
				t.Fatalf("%s: evidence not bounded: %q", fd.ID, fd.Evidence)
			}
		}
	})
}
