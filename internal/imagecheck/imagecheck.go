package imagecheck

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/report"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Source is the Finding.Source of every finding of this package.
const Source = "bulkhead-imagecheck"

// MaxListed bounds how many paths one finding's evidence names; Extra
// lists at most MaxExtra.
const (
	MaxListed = 10
	MaxExtra  = 200
)

// File is one entry of the image's final filesystem.
type File struct {
	// Path is slash separated, relative to the root ("bin/sh"; a leading
	// "/" or "./" is ignored).
	Path string
	// Mode holds the permission bits (setuid, setgid, sticky included) and
	// the type bits (fs.ModeDir, fs.ModeSymlink, ...).
	Mode     fs.FileMode
	Size     int64
	Uid, Gid int
	// Layer is the digest of the layer that added the file.
	Layer    string
	Linkname string
}

// Input is what the checks look at.
type Input struct {
	// Name and Tag are the reference the user gave (for the `latest`
	// check); an empty Name skips that check (dir: sources).
	Name string
	Tag  string
	// Config is the image config; nil skips the config checks.
	Config *v1.ConfigFile
	// Layers are the layers in order, with the history line of each.
	Layers []report.Layer
	// Files is the final filesystem (after whiteouts).
	Files    []File
	OS       *inventory.OS
	Packages []inventory.Package
	// Now is the time for end-of-life decisions; zero means time.Now().
	Now time.Time
	// ReportedEnv holds the indexes of Config.Env entries that the secret
	// scanner already reported: the secret-in-env check leaves them out, so
	// that each secret is reported once.
	ReportedEnv map[int]bool
	// ReportedFiles holds the paths (root-relative) of files in which the
	// secret scanner reported a secret: the credential-files check leaves
	// them out, for the same reason.
	ReportedFiles map[string]bool
}

// RuleMeta describes a check.
type RuleMeta struct {
	// ID is the stable bulkhead id, "BH-IMG-NNN".
	ID string `json:"id"`
	// Name is a short kebab-case name.
	Name     string           `json:"name"`
	Severity finding.Severity `json:"severity"`
	Title    string           `json:"title"`
	// Aliases are Dockle's ids of the same check (CIS-DI-*, DKL-*).
	Aliases     []string `json:"aliases,omitempty"`
	Description string   `json:"description"`
	// Fix is the remediation in one line.
	Fix string `json:"fix"`
	// Doc is the documentation page, relative to the repository root.
	Doc string `json:"doc"`
}

// rule is one check.
type rule struct {
	Meta  RuleMeta
	Check func(*env) []hit
}

// hit is one place a check fired.
type hit struct {
	Path, Layer, Object string
	Detail, Evidence    string
	References          []string
	Extra               map[string]any
}

func docPath(id string) string { return "docs/rules/image/" + id + ".md" }

// Rules returns the metadata of every check, in id order.
func Rules() []RuleMeta {
	out := make([]RuleMeta, len(allRules))
	for i, r := range allRules {
		m := r.Meta
		m.Doc = docPath(m.ID)
		m.Aliases = append([]string(nil), m.Aliases...)
		out[i] = m
	}
	return out
}

// env is the input with the file index the checks share.
type env struct {
	*Input
	now time.Time
	// files maps a cleaned path to its index in sorted.
	files map[string]int
	// sorted holds the files in path order, with their cleaned paths.
	sorted []ent
	// bins are the entries of sorted that sit in a bin or sbin directory.
	bins  []ent
	sizes map[string]int64
}

func cleanPath(p string) string {
	p = strings.TrimPrefix(p, "./")
	p = strings.TrimLeft(p, "/")
	if p == "" {
		return ""
	}
	return path.Clean(p)
}

// ent is a file with its cleaned path.
type ent struct {
	p string
	*File
}

func newEnv(in *Input) *env {
	e := &env{Input: in, now: in.Now, files: make(map[string]int, len(in.Files))}
	if e.now.IsZero() {
		e.now = time.Now()
	}
	e.sorted = make([]ent, 0, len(in.Files))
	for i := range in.Files {
		f := &in.Files[i]
		p := cleanPath(f.Path)
		if p == "" || p == "." {
			continue
		}
		if j, dup := e.files[p]; dup {
			e.sorted[j].File = f // a later entry for the same path wins
			continue
		}
		e.files[p] = len(e.sorted)
		e.sorted = append(e.sorted, ent{p, f})
	}
	// Scans hand over files sorted by path already.
	if !sort.SliceIsSorted(e.sorted, func(i, j int) bool { return e.sorted[i].p < e.sorted[j].p }) {
		sort.Slice(e.sorted, func(i, j int) bool { return e.sorted[i].p < e.sorted[j].p })
		for i, f := range e.sorted {
			e.files[f.p] = i
		}
	}
	for _, f := range e.sorted {
		if inBinDir(f.p) {
			e.bins = append(e.bins, f)
		}
	}
	return e
}

// file returns the file at a cleaned path, or nil.
func (e *env) file(p string) *File {
	i, ok := e.files[p]
	if !ok {
		return nil
	}
	return e.sorted[i].File
}

// resolve follows symbolic links (a few hops, within the image) to the
// file a path names.
func (e *env) resolve(p string) *File {
	p = cleanPath(p)
	for hops := 0; hops < 8; hops++ {
		f := e.file(p)
		if f == nil || f.Mode&fs.ModeSymlink == 0 {
			return f
		}
		t := f.Linkname
		if !strings.HasPrefix(t, "/") {
			t = path.Join(path.Dir(p), t)
		}
		p = cleanPath(t)
	}
	return nil
}

// Check runs every check on in. Findings are sorted by id, then location.
func Check(in *Input) []finding.Finding {
	if in == nil {
		return nil
	}
	e := newEnv(in)
	var out []finding.Finding
	for _, r := range allRules {
		for _, h := range r.Check(e) {
			out = append(out, newFinding(r, h))
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].ID != out[j].ID {
			return out[i].ID < out[j].ID
		}
		return out[i].Location.String() < out[j].Location.String()
	})
	return out
}

func newFinding(r *rule, h hit) finding.Finding {
	desc := r.Meta.Description
	if h.Detail != "" {
		desc = h.Detail + " " + desc
	}
	refs := append([]string{docPath(r.Meta.ID)}, h.References...)
	return finding.Finding{
		Kind:        finding.Misconfiguration,
		ID:          r.Meta.ID,
		Aliases:     append([]string(nil), r.Meta.Aliases...),
		Severity:    r.Meta.Severity,
		Title:       r.Meta.Title,
		Description: desc,
		Location:    finding.Location{Path: h.Path, Layer: h.Layer, Object: h.Object},
		Evidence:    h.Evidence,
		Fix:         r.Meta.Fix,
		References:  refs,
		Source:      Source,
		Extra:       h.Extra,
	}
}

// listShort joins items, naming at most MaxListed and counting the rest.
func listShort(items []string) string {
	if len(items) <= MaxListed {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:MaxListed], ", "), len(items)-MaxListed)
}

// humanSize renders bytes for evidence.
func humanSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
