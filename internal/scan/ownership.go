package scan

import (
	"crypto/md5"
	"encoding/hex"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/image"
	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/owner"
)

// PackageFiles says what a scan does with secret findings in files that
// installed packages own (see package inventory/owner): a private key in
// CPython's test suite or an example key in an SDK's docs is the package's,
// not the user's.
type PackageFiles int

const (
	// PackageFilesSkip drops them and counts them in the secret scanner's
	// status (package_files_skipped, package_findings_skipped).
	PackageFilesSkip PackageFiles = iota
	// PackageFilesReport keeps them at PackageFileSeverity, tagged
	// PackageFileTag, with the owning package in Extra["package"]. Findings
	// in a package's documentation and examples are dropped even so.
	PackageFilesReport
)

// PackageFileSeverity is the severity of a reported secret in a file a
// package owns.
const PackageFileSeverity = finding.Low

// PackageFileTag tags a reported secret in a file a package owns.
const PackageFileTag = "package-file"

// Counts of the secret scanner's status filled by the merge.
const (
	CountPackageFilesSkipped    = "package_files_skipped"
	CountPackageFindingsSkipped = "package_findings_skipped"
)

// Ownership rule: a file is a package's when the layer that wrote it also
// wrote a file list naming it (dpkg, apk, Python RECORD) or the marker of a
// package tree holding it (a GOROOT's VERSION, node_modules/<pkg>/package.json,
// ...): installing a package writes both in one layer. A file written in
// another layer than its package's evidence was put there or changed later
// (a user's edit of a package's config) and stays the user's, except when
// the finding is identical (rule, line, evidence) to one in an earlier copy
// that a package owned: a layer that only changed owners or modes
// (chown -R) copies files without changing them.

// PackageFilesReason is the secret scanner's status note for the files
// (and findings) owned by packages that were not reported.
func PackageFilesReason(p PackageFiles, files, findings int) string {
	if p == PackageFilesReport {
		return strconv.Itoa(files) + " documentation and example files of packages skipped (" + strconv.Itoa(findings) + " findings)"
	}
	return strconv.Itoa(files) + " files owned by packages skipped (" + strconv.Itoa(findings) +
		" findings); --secrets-in-packages reports them at LOW severity"
}

// collectOwners reports whether this walk needs package ownership: only
// analyzers' findings are filtered by it.
func (s *layerScanner) collectOwners() bool { return len(s.opts.FileAnalyzers) > 0 }

// readOwners adds the files a package file list names.
func (s *layerScanner) readOwners(in *inventory.Input) {
	lists, err := owner.ListsOf(s.ctx, in)
	if err != nil {
		s.warn("package file list %s: %v", in.Path, err)
	}
	for _, l := range lists {
		if s.owned == nil {
			s.owned = make(map[string]string, len(l.Files))
		}
		for _, f := range l.Files {
			s.owned[f] = l.Package
		}
		for f, sum := range l.Sums {
			if s.sums == nil {
				s.sums = map[string]string{}
			}
			s.sums[f] = sum
		}
	}
}

// sumFile records the MD5 of a file with secret findings, to compare with
// the sum its package installed (dpkg md5sums and conffiles).
func (s *layerScanner) sumFile(p string, in *inventory.Input) {
	if in.Reader == nil || in.Size > maxSummedFile {
		return
	}
	h := md5.New()
	if _, err := io.Copy(h, in.Reader); err != nil {
		return
	}
	if s.fileSums == nil {
		s.fileSums = map[string]string{}
	}
	s.fileSums[p] = hex.EncodeToString(h.Sum(nil))
}

// maxSummedFile bounds the files whose content is compared with their
// package's sums.
const maxSummedFile = 64 << 20

// ownFindings sets FindingOwners from the layer's own evidence.
func (s *layerScanner) ownFindings() {
	res := s.res
	res.FindingOwners = nil
	if !s.collectOwners() || !slices.ContainsFunc(res.Findings, isFileSecret) {
		return
	}
	// Every path of the layer and its parents, for the tree markers that
	// look at their neighbours; built on first use.
	var has map[string]bool
	hasFn := func(p string) bool {
		if has == nil {
			has = make(map[string]bool, len(res.Entries))
			for k := range res.Entries {
				e := &res.Entries[k]
				if e.typ == image.TypeWhiteout || e.typ == image.TypeOpaque {
					continue
				}
				for p := e.path; p != "" && !has[p]; {
					has[p] = true
					i := strings.LastIndexByte(p, '/')
					if i < 0 {
						break
					}
					p = p[:i]
				}
			}
		}
		return has[p]
	}
	trees := map[string]owner.Tree{}
	for k := range res.Entries {
		e := &res.Entries[k]
		if e.typ != image.TypeRegular {
			continue
		}
		if t, ok := owner.TreeOf(e.path, hasFn); ok {
			trees[t.Dir] = t
		}
	}
	res.FindingOwners = make([]string, len(res.Findings))
	for i := range res.Findings {
		f := &res.Findings[i]
		if !isFileSecret(*f) {
			continue
		}
		p := f.Location.Path
		if pkg, ok := s.owned[p]; ok {
			// Changed after the install, in the same layer (an apt-get
			// install followed by a sed of its config): the user's.
			if want, ok := s.sums[p]; ok && s.fileSums[p] != "" && s.fileSums[p] != want {
				continue
			}
			res.FindingOwners[i] = pkg
			continue
		}
		for d := p; d != ""; {
			d = d[:max(strings.LastIndexByte(d, '/'), 0)]
			if t, ok := trees[d]; ok && t.Contains(p) {
				res.FindingOwners[i] = t.Package
				break
			}
		}
	}
}

// isFileSecret reports whether f is a secret found in a file.
func isFileSecret(f finding.Finding) bool { return f.Kind == finding.Secret && f.Location.Path != "" }

// sameKey identifies a finding across copies of one file.
func sameKey(f *finding.Finding) string {
	return f.Location.Path + "\x00" + f.ID + "\x00" + strconv.Itoa(f.Location.Line) + "\x00" + f.Evidence
}

// packageFilter applies Options.PackageFiles to the findings of the layers,
// in layer order.
type packageFilter struct {
	policy PackageFiles
	// earlier maps the sameKey of owned findings of earlier layers to
	// their package.
	earlier map[string]string
	files   map[string]bool
	dropped int
}

// keep decides one finding of a layer; it may change f (PackageFilesReport).
func (pf *packageFilter) keep(f *finding.Finding, pkg string) bool {
	if !isFileSecret(*f) {
		return true
	}
	k := sameKey(f)
	if pkg == "" {
		pkg = pf.earlier[k]
	} else {
		if pf.earlier == nil {
			pf.earlier = map[string]string{}
		}
		pf.earlier[k] = pkg
	}
	if pkg == "" {
		return true
	}
	if pf.policy == PackageFilesReport && !owner.IsDoc(f.Location.Path) {
		f.Severity = PackageFileSeverity
		f.Tags = append(slices.Clip(f.Tags), PackageFileTag)
		if f.Extra == nil {
			f.Extra = map[string]any{}
		}
		f.Extra["package"] = pkg
		return true
	}
	if pf.files == nil {
		pf.files = map[string]bool{}
	}
	pf.files[f.Location.Path] = true
	pf.dropped++
	return false
}
