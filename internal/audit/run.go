package audit

import (
	"path"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

// Benchmark names the rule set the checks come from.
const Benchmark = "cis-docker-1.6.0"

// Scope says what one finding of a check is about.
type Scope string

// The scopes.
const (
	ScopeHost      Scope = "host"
	ScopeContainer Scope = "container"
	ScopeImage     Scope = "image"
)

// CheckMeta describes one check.
type CheckMeta struct {
	// ID is the CIS id ("5.4") or a bulkhead id for checks the benchmark
	// has no number for.
	ID       string           `json:"id"`
	Title    string           `json:"title"`
	Section  int              `json:"section"`
	Level    int              `json:"level"`
	Severity finding.Severity `json:"severity"`
	// Automated is false for the benchmark's manual checks, which report
	// INFO with what to verify.
	Automated bool   `json:"automated"`
	Scope     Scope  `json:"scope"`
	Fix       string `json:"fix"`
}

// Options select what Run evaluates.
type Options struct {
	// Checks are globs over check ids ("5.*", "2.1?"); empty means all.
	// "CIS-DOCKER-" prefixes are accepted.
	Checks []string
	// Skip are globs of checks not to run.
	Skip []string
	// Container limits container checks to containers whose name or id
	// (or id prefix) matches.
	Container string
	// TrustedDockerUsers are the docker group members check 1.1.2 accepts.
	TrustedDockerUsers []string
}

// result is one outcome of a check.
type result struct {
	status   finding.Status
	evidence string
	loc      finding.Location
}

type check struct {
	CheckMeta
	// host evaluates host- and image-scope checks.
	host func(f *Facts, o *Options) []result
	// ctr evaluates a container-scope check on one container.
	ctr func(f *Facts, c *Container) result
}

func pass(ev string) result { return result{status: finding.StatusPass, evidence: ev} }
func fail(ev string) result { return result{status: finding.StatusFail, evidence: ev} }
func warn(ev string) result { return result{status: finding.StatusWarn, evidence: ev} }
func info(ev string) result { return result{status: finding.StatusInfo, evidence: ev} }
func skip(why string) result {
	return result{status: finding.StatusSkip, evidence: "skipped: " + why}
}

// notApplicable is a check the host gives no subject for (5.2 without
// AppArmor): it is skipped with the reason, never failed.
func notApplicable(why string) result {
	return result{status: finding.StatusSkip, evidence: "not applicable: " + why}
}

func (r result) at(l finding.Location) result { r.loc = l; return r }
func (r result) obj(o string) result          { r.loc.Object = o; return r }

func one(r result) []result { return []result{r} }

// Checks returns the metadata of every check, in benchmark order.
func Checks() []CheckMeta {
	all := checkList()
	out := make([]CheckMeta, len(all))
	for i, c := range all {
		out[i] = c.CheckMeta
	}
	return out
}

// Run evaluates the selected checks against facts. It reads nothing but
// facts. Container checks give one finding per container; when the daemon
// could not be asked they give one SKIP finding.
func Run(facts *Facts, opts Options) []finding.Finding {
	if facts == nil {
		facts = &Facts{}
	}
	var out []finding.Finding
	for _, c := range checkList() {
		if !selected(c.ID, opts.Checks, true) || selected(c.ID, opts.Skip, false) {
			continue
		}
		var rs []result
		switch {
		case c.ctr != nil:
			rs = runContainers(facts, &opts, c)
		default:
			rs = c.host(facts, &opts)
		}
		for _, r := range rs {
			out = append(out, c.toFinding(r))
		}
	}
	return out
}

func runContainers(f *Facts, o *Options, c check) []result {
	if f.Daemon.Info == nil {
		why := "the daemon could not be asked"
		if f.Daemon.Error != "" {
			why += ": " + f.Daemon.Error
		}
		return one(skip(why).obj("containers"))
	}
	var rs []result
	for i := range f.Containers {
		ct := &f.Containers[i]
		if o.Container != "" && !matchContainer(ct, o.Container) {
			continue
		}
		r := c.ctr(f, ct)
		r.loc.ContainerID, r.loc.ContainerName = ct.ID, ct.DisplayName()
		if r.loc.Object == "" {
			r.loc.Object = ct.ImageName()
		}
		rs = append(rs, r)
	}
	if len(rs) == 0 {
		why := "no running containers"
		if o.Container != "" {
			why = "no running container matches " + o.Container
		}
		return one(skip(why).obj("containers"))
	}
	return rs
}

// MatchContainer says whether the container is the one --container names:
// its name, its id or an id prefix of at least 4 characters.
func MatchContainer(c *Container, want string) bool { return matchContainer(c, want) }

// SecretsCheck is the id --checks and --skip use for the scan of container
// environments (and mounts) for secrets.
const SecretsCheck = "secrets"

// Selected says whether the check id is run under opts' --checks and
// --skip globs.
func Selected(id string, opts Options) bool {
	return selected(id, opts.Checks, true) && !selected(id, opts.Skip, false)
}

func matchContainer(c *Container, want string) bool {
	want = strings.TrimPrefix(want, "/")
	return c.DisplayName() == want || c.ID == want || (len(want) >= 4 && strings.HasPrefix(c.ID, want))
}

func selected(id string, globs []string, emptyMeans bool) bool {
	if len(globs) == 0 {
		return emptyMeans
	}
	for _, g := range globs {
		g = strings.TrimPrefix(strings.TrimSpace(g), "CIS-DOCKER-")
		if g == id {
			return true
		}
		if ok, err := path.Match(g, id); err == nil && ok {
			return true
		}
		// "5" or "5.*" style section prefixes.
		if !strings.ContainsAny(g, "*?[") && strings.HasPrefix(id, g+".") {
			return true
		}
	}
	return false
}

func (c check) toFinding(r result) finding.Finding {
	sev := finding.Info
	if r.status == finding.StatusFail || r.status == finding.StatusWarn {
		sev = c.Severity
	}
	tags := []string{Benchmark, "level" + string(rune('0'+c.Level)), "section-" + string(rune('0'+c.Section))}
	if !c.Automated {
		tags = append(tags, "manual")
	}
	aliases := []string{"CIS-DOCKER-" + c.ID}
	switch {
	case strings.HasPrefix(c.ID, "BH-"):
		aliases = nil
		tags[0] = "bulkhead"
	case strings.HasPrefix(c.ID, "C."):
		// docker-bench-security's community checks, not the benchmark's.
		aliases = []string{"DOCKER-BENCH-" + c.ID}
		tags = append([]string{"docker-bench-community"}, tags[1:2]...)
	}
	f := finding.Finding{
		Kind:     finding.Compliance,
		ID:       c.ID,
		Aliases:  aliases,
		Severity: sev,
		Title:    c.Title,
		Status:   r.status,
		Location: r.loc,
		Evidence: r.evidence,
		Source:   Benchmark,
		Tags:     tags,
	}
	if r.status == finding.StatusFail || r.status == finding.StatusWarn || r.status == finding.StatusInfo {
		f.Fix = c.Fix
	}
	return f
}
