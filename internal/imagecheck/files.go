package imagecheck

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

// listed is one file named in a finding's Extra.
type listed struct {
	Path  string `json:"path"`
	Size  int64  `json:"size"`
	Layer string `json:"layer,omitempty"`
	Mode  string `json:"mode,omitempty"`
	// Target is the file a symbolic link resolves to, when it is one.
	Target string `json:"target,omitempty"`
}

// fileListHit builds the one finding of a check that lists files: the
// first is the location, the evidence names the first MaxListed, Extra
// lists up to MaxExtra with the total size and the size per layer.
func fileListHit(items []listed, detail string) []hit {
	if len(items) == 0 {
		return nil
	}
	var total int64
	byLayer := map[string]int64{}
	names := make([]string, 0, len(items))
	for _, it := range items {
		total += it.Size
		byLayer[it.Layer] += it.Size
		n := "/" + it.Path
		if it.Size > 0 {
			n += " (" + humanSize(it.Size) + ")"
		}
		names = append(names, n)
	}
	extra := map[string]any{"count": len(items), "total_size": total, "size_by_layer": byLayer}
	if len(items) > MaxExtra {
		extra["files"] = items[:MaxExtra]
		extra["files_truncated"] = true
	} else {
		extra["files"] = items
	}
	if detail == "" {
		detail = fmt.Sprintf("%d file(s), %s in all.", len(items), humanSize(total))
	}
	return []hit{{Path: items[0].Path, Layer: items[0].Layer, Detail: detail, Evidence: listShort(names), Extra: extra}}
}

func modeString(m fs.FileMode) string { return fmt.Sprintf("%04o", uint32(m.Perm())|specialBits(m)) }

func specialBits(m fs.FileMode) uint32 {
	var b uint32
	if m&fs.ModeSetuid != 0 {
		b |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		b |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		b |= 0o1000
	}
	return b
}

var checkSetuid = &rule{
	Meta: RuleMeta{
		ID: "BH-IMG-003", Name: "setuid-setgid", Severity: finding.Low,
		Title:       "setuid or setgid files",
		Aliases:     []string{"CIS-DI-0008"},
		Description: "setuid and setgid programs run with their owner's or group's rights, usually root's: each one is a way to regain privileges for whoever gets code execution in the container.",
		Fix:         "Remove the programs that are not needed, or strip the bits: `RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} +`.",
	},
	Check: func(e *env) []hit {
		var items []listed
		for _, f := range e.sorted {
			if !f.Mode.IsRegular() || f.Mode&(fs.ModeSetuid|fs.ModeSetgid) == 0 {
				continue
			}
			items = append(items, listed{Path: f.p, Size: f.Size, Layer: f.Layer, Mode: modeString(f.Mode)})
		}
		return fileListHit(items, "")
	},
}

var checkWorldWritable = &rule{
	Meta: RuleMeta{
		ID: "BH-IMG-004", Name: "world-writable", Severity: finding.Medium,
		Title:       "World-writable files or directories without the sticky bit",
		Description: "Any user in the container can change a world-writable file, and can replace or delete other users' files in a world-writable directory without the sticky bit: a way to tamper with programs, configuration or another process's data.",
		Fix:         "Fix the permissions in the Dockerfile (`chmod o-w`, or `chmod +t` for shared directories such as /tmp).",
	},
	Check: func(e *env) []hit {
		var items []listed
		for _, f := range e.sorted {
			if f.Mode.Perm()&0o002 == 0 {
				continue
			}
			if !(f.Mode.IsRegular() || (f.Mode.IsDir() && f.Mode&fs.ModeSticky == 0)) {
				continue
			}
			items = append(items, listed{Path: f.p, Size: f.Size, Layer: f.Layer, Mode: modeString(f.Mode)})
		}
		return fileListHit(items, "")
	},
}

// tool is a category of programs the slimness checks look for.
type tool struct {
	// names are exact base names; pattern matches versioned names.
	names   map[string]bool
	pattern *regexp.Regexp
}

func set(names ...string) map[string]bool {
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return m
}

func (t tool) matches(base string) bool {
	return t.names[base] || (t.pattern != nil && t.pattern.MatchString(base))
}

var (
	shells = tool{names: set("sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "csh", "tcsh", "fish", "busybox", "rbash")}
	pkgMgr = tool{names: set("apt", "apt-get", "aptitude", "dpkg", "apk", "yum", "dnf", "microdnf", "rpm", "zypper", "pip", "pip3", "npm", "npx", "yarn", "gem"),
		pattern: regexp.MustCompile(`^(?:pip3\.\d+|dnf-3)$`)}
	compilers = tool{names: set("gcc", "cc", "c++", "g++", "clang", "clang++", "go", "rustc", "javac", "tcc", "gfortran"),
		pattern: regexp.MustCompile(`^(?:(?:[a-z0-9_]+-linux-(?:gnu|musl)[a-z]*-)?(?:gcc|g\+\+|cc)(?:-\d+)?|clang-\d+)$`)}
	netTools = tool{names: set("curl", "wget", "nc", "ncat", "netcat", "nc.openbsd", "nc.traditional", "telnet", "ssh", "scp", "sftp", "socat", "ftp", "tftp")}
)

// inBinDir reports whether a path is a program in a bin or sbin directory
// (bin, usr/local/bin, usr/local/go/bin, opt/java/openjdk/bin, ...).
func inBinDir(p string) bool {
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return false
	}
	d := p[:i]
	if j := strings.LastIndexByte(d, '/'); j >= 0 {
		d = d[j+1:]
	}
	return d == "bin" || d == "sbin"
}

// findTools lists the programs of one category in the final filesystem.
// A symbolic link to a listed program is listed with size 0 and its
// target (so that busybox applets do not count busybox 300 times); a link
// to a program listed nowhere else carries that program's size, once.
func findTools(e *env, t tool) []listed {
	var items []listed
	var links []ent
	regular := map[string]bool{}
	for _, f := range e.bins {
		p := f.p
		if !t.matches(path.Base(p)) {
			continue
		}
		switch {
		case f.Mode&fs.ModeSymlink != 0:
			links = append(links, f)
		case f.Mode.IsRegular():
			regular[p] = true
			items = append(items, listed{Path: p, Size: f.Size, Layer: f.Layer})
		}
	}
	counted := map[string]bool{}
	for _, f := range links {
		p := f.p
		tgt := e.resolve(p)
		if tgt == nil || !tgt.Mode.IsRegular() {
			continue // dangling link: nothing to remove
		}
		it := listed{Path: p, Layer: f.Layer, Target: cleanPath(tgt.Path)}
		if !regular[it.Target] && !counted[it.Target] {
			it.Size = tgt.Size
			counted[it.Target] = true
		}
		items = append(items, it)
	}
	sort.Slice(items, func(i, j int) bool { return items[i].Path < items[j].Path })
	return items
}

func toolRule(id, name string, sev finding.Severity, title string, aliases []string, t tool, desc, fix string) *rule {
	return &rule{
		Meta: RuleMeta{ID: id, Name: name, Severity: sev, Title: title, Aliases: aliases, Description: desc, Fix: fix},
		Check: func(e *env) []hit {
			hs := fileListHit(findTools(e, t), "")
			for i := range hs {
				sizes := make(map[string]int64, len(e.layerSizes()))
				for l, n := range e.layerSizes() {
					sizes[l] = n
				}
				hs[i].Extra["image_size_by_layer"] = sizes
			}
			return hs
		},
	}
}

var (
	checkShells = toolRule("BH-IMG-005", "slim-shells", finding.Info, "Shells left in the image", nil, shells,
		"A shell is what an attacker needs first after code execution; images that run one program need none (distroless and scratch images have none).",
		"Build the final stage FROM a distroless or scratch base and use exec-form CMD/ENTRYPOINT, or delete the shells in the last stage.")
	checkPackageManagers = toolRule("BH-IMG-006", "slim-package-managers", finding.Info, "Package managers left in the image", []string{"CIS-DI-0003"}, pkgMgr,
		"A package manager in the running image lets an intruder install any tool, and keeps its databases and dependencies in every copy of the image.",
		"Install packages in a build stage and copy only the results into a final stage without apt, apk, dnf, pip or npm.")
	checkCompilers = toolRule("BH-IMG-007", "slim-compilers", finding.Low, "Compilers left in the image", nil, compilers,
		"Compilers and toolchains let an intruder build exploits inside the container, and they are large: build in one stage, run in another.",
		"Use a multi-stage build: compile in a builder stage and copy only the built artefacts into the final image.")
	checkNetworkTools = toolRule("BH-IMG-008", "slim-network-tools", finding.Low, "Network tools left in the image", nil, netTools,
		"curl, wget, netcat, telnet and ssh are how an intruder downloads payloads, opens reverse shells and moves on to other hosts.",
		"Remove the tools after use in the same RUN step, or build the final stage without them (use a HEALTHCHECK binary of the application).")
)

// cacheDirs are package-manager caches that a Dockerfile should clean in
// the same RUN step that fills them.
var cacheDirs = []struct{ dir, what string }{
	{"var/lib/apt/lists", "apt package lists"},
	{"var/cache/apt", "apt archive cache"},
	{"var/cache/apk", "apk cache"},
	{"var/cache/yum", "yum cache"},
	{"var/cache/dnf", "dnf cache"},
	{"root/.cache/pip", "pip cache"},
	{"root/.npm/_cacache", "npm cache"},
}

var checkCaches = &rule{
	Meta: RuleMeta{
		ID: "BH-IMG-015", Name: "package-cache", Severity: finding.Low,
		Title:       "Package-manager caches left in the image",
		Aliases:     []string{"DKL-DI-0005", "DKL-DI-0004"},
		Description: "Package lists and download caches are dead weight in every pull of the image, and stale lists make later installs in derived images pick outdated versions.",
		Fix:         "Clean up in the same RUN step: `rm -rf /var/lib/apt/lists/*`, `apk add --no-cache`, `pip install --no-cache-dir`, `dnf clean all`.",
	},
	Check: func(e *env) []hit {
		type acc struct {
			files int
			size  int64
			layer map[string]int64
		}
		found := map[string]*acc{}
		for _, f := range e.sorted {
			if !f.Mode.IsRegular() || f.Size == 0 {
				continue
			}
			p := f.p
			for _, c := range cacheDirs {
				if strings.HasPrefix(p, c.dir+"/") {
					if path.Base(p) == "lock" {
						break
					}
					a := found[c.dir]
					if a == nil {
						a = &acc{layer: map[string]int64{}}
						found[c.dir] = a
					}
					a.files++
					a.size += f.Size
					a.layer[f.Layer] += f.Size
					break
				}
			}
		}
		if len(found) == 0 {
			return nil
		}
		var ev []string
		var total int64
		caches := map[string]any{}
		var first string
		for _, c := range cacheDirs {
			a := found[c.dir]
			if a == nil {
				continue
			}
			if first == "" {
				first = c.dir
			}
			total += a.size
			ev = append(ev, fmt.Sprintf("/%s: %d files, %s (%s)", c.dir, a.files, humanSize(a.size), c.what))
			caches[c.dir] = map[string]any{"files": a.files, "size": a.size, "size_by_layer": a.layer}
		}
		layer, max := "", int64(-1)
		for l, n := range found[first].layer {
			if n > max || (n == max && l < layer) {
				layer, max = l, n
			}
		}
		return []hit{{Path: first, Layer: layer, Detail: fmt.Sprintf("%s of caches could be removed.", humanSize(total)),
			Evidence: strings.Join(ev, "; "), Extra: map[string]any{"total_size": total, "caches": caches}}}
	},
}

// layerSizes totals the sizes of the final filesystem's regular files by
// the layer that added them.
func (e *env) layerSizes() map[string]int64 {
	if e.sizes == nil {
		e.sizes = map[string]int64{}
		for _, f := range e.sorted {
			if f.Mode.IsRegular() {
				e.sizes[f.Layer] += f.Size
			}
		}
	}
	return e.sizes
}
