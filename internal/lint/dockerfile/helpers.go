package dockerfile

import (
	"path"
	"strings"
)

// runs returns every RUN instruction inside a stage.
func runs(f *File) []*Instr {
	var out []*Instr
	for _, st := range f.Stages {
		for _, in := range st.Instrs {
			if in.Cmd == "run" || in.OnBuildRun {
				out = append(out, in)
			}
		}
	}
	return out
}

// eachCmd calls fn for every command of every RUN (of the stages in only,
// when only is not nil) and makes a hit where fn says so.
func eachCmd(f *File, only map[*Stage]bool, fn func(in *Instr, c *Command) (string, bool)) []Hit {
	var out []Hit
	for _, in := range runs(f) {
		if only != nil && !only[in.Stage] {
			continue
		}
		for _, c := range in.Commands {
			if d, ok := fn(in, c); ok {
				out = append(out, hit(in, d))
				break
			}
		}
	}
	return out
}

// eachRun calls fn for every RUN (of the stages in only, when not nil).
func eachRun(f *File, only map[*Stage]bool, fn func(in *Instr) (string, bool)) []Hit {
	var out []Hit
	for _, in := range runs(f) {
		if only != nil && !only[in.Stage] {
			continue
		}
		if d, ok := fn(in); ok {
			out = append(out, hit(in, d))
		}
	}
	return out
}

// shipped returns the stages whose filesystem ends up in the final image:
// the final stage and the stages it is built FROM.
func shipped(f *File) map[*Stage]bool {
	out := map[*Stage]bool{}
	for st := f.Final(); st != nil && !out[st] && len(out) < maxChain; st = st.Parent {
		out[st] = true
	}
	return out
}

// maxChain bounds how many stages chain follows back through FROM
// references, so that a hostile file of thousands of chained stages stays
// linear.
const maxChain = 64

// chain returns the instructions of st and of the stages it builds on (up
// to maxChain stages), in build order.
func chain(st *Stage) []*Instr {
	stages := chainStages(st)
	n := 0
	for _, s := range stages {
		n += len(s.Instrs)
	}
	out := make([]*Instr, 0, n)
	for i := len(stages) - 1; i >= 0; i-- {
		out = append(out, stages[i].Instrs...)
	}
	return out
}

// chainStages returns st and the stages it builds on (up to maxChain),
// nearest first. Parents always come earlier in the file, so the walk
// cannot loop.
func chainStages(st *Stage) []*Stage {
	var stages []*Stage
	for s := st; s != nil && len(stages) < maxChain; s = s.Parent {
		stages = append(stages, s)
	}
	return stages
}

// cacheMount reports whether a RUN mounts a build cache at a target under
// one of dirs.
func cacheMount(in *Instr, dirs ...string) bool {
	for _, fl := range in.Flags {
		if !strings.HasPrefix(fl, "--mount=") || !strings.Contains(fl, "type=cache") {
			continue
		}
		for _, d := range dirs {
			if strings.Contains(fl, "target="+d) || strings.Contains(fl, "dst="+d) || strings.Contains(fl, "destination="+d) {
				return true
			}
		}
	}
	return false
}

// hasCmd reports whether the RUN runs a command named name whose
// subcommand is one of subs (any subcommand when subs is empty).
func hasCmd(in *Instr, name string, subs ...string) bool {
	for _, c := range in.Commands {
		if c.Name != name {
			continue
		}
		if len(subs) == 0 {
			return true
		}
		s := c.Sub()
		for _, want := range subs {
			if s == want {
				return true
			}
		}
	}
	return false
}

// removes reports whether the RUN removes a path under any of dirs.
func removes(in *Instr, dirs ...string) bool {
	for _, c := range in.Commands {
		if c.Name != "rm" {
			continue
		}
		for _, a := range c.Args {
			for _, d := range dirs {
				if strings.HasPrefix(a, d) {
					return true
				}
			}
		}
	}
	return false
}

// isSub reports whether c's subcommand is one of subs.
func isSub(c *Command, subs ...string) bool {
	s := c.Sub()
	for _, want := range subs {
		if s == want {
			return true
		}
	}
	return false
}

// aptValued are apt-get flags that take a separate value.
var aptValued = []string{"-o", "-t", "-c", "--target-release", "--option", "--config-file", "--default-release"}

// isApt reports whether c is apt-get or apt.
func isApt(c *Command) bool { return c.Name == "apt-get" || c.Name == "apt" }

// pkgInstall returns the packages a command installs, and whether it is an
// install command of a known package manager at all.
func pkgInstall(c *Command) (string, []string, bool) {
	switch c.Name {
	case "apt-get", "apt":
		if c.Sub() == "install" {
			return "apt", c.Operands("install", aptValued...), true
		}
	case "apk":
		if c.Sub() == "add" {
			return "apk", c.Operands("add", apkValued...), true
		}
	case "yum", "dnf", "microdnf", "tdnf":
		if isSub(c, "install") {
			return c.Name, c.Operands("install", rpmValued...), true
		}
	case "zypper":
		if isSub(c, "install", "in") {
			return "zypper", c.Operands(c.Sub(), zypperValued...), true
		}
	}
	return "", nil, false
}

var (
	apkValued    = []string{"-t", "--virtual", "-X", "--repository", "-p", "--root", "--arch", "--cache-dir", "--keys-dir", "--repositories-file"}
	rpmValued    = []string{"--setopt", "--enablerepo", "--disablerepo", "--releasever", "--installroot", "-c", "--config", "--repo", "--repoid", "-x", "--exclude"}
	zypperValued = []string{"-r", "--repo", "--from", "-t", "--type", "--root", "-R"}
)

// isLocalPkg reports whether an install operand is a file, path or URL
// rather than a package name from a repository.
func isLocalPkg(p string) bool {
	return strings.HasPrefix(p, "/") || strings.HasPrefix(p, "./") || strings.HasPrefix(p, "../") || p == "." ||
		strings.Contains(p, "://") || strings.HasSuffix(p, ".deb") || strings.HasSuffix(p, ".rpm") ||
		strings.HasSuffix(p, ".apk") || strings.HasPrefix(p, "$")
}

// listShort renders up to n items.
func listShort(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:n], ", ") + ", …"
}

// isShell reports whether a command name is a POSIX-like shell.
func isShell(name string) bool { return shells[path.Base(name)] }

// isURL reports whether an ADD/COPY source is remote.
func isURL(s string) bool {
	l := strings.ToLower(unquote(s))
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

func isGit(s string) bool {
	l := strings.ToLower(unquote(s))
	return strings.HasPrefix(l, "git@") || strings.HasPrefix(l, "git://") || strings.HasSuffix(l, ".git") || strings.Contains(l, ".git#")
}

// sources and dest split a COPY/ADD's arguments; heredoc sources are skipped.
func sourcesDest(in *Instr) ([]string, string) {
	if len(in.Args) < 2 {
		return nil, ""
	}
	var src []string
	for _, s := range in.Args[:len(in.Args)-1] {
		if !strings.HasPrefix(s, "<<") {
			src = append(src, s)
		}
	}
	return src, in.Args[len(in.Args)-1]
}

// isRootUser reports whether a USER value means root.
func isRootUser(u string) bool {
	name, _, _ := strings.Cut(strings.TrimSpace(u), ":")
	return name == "root" || name == "0"
}
