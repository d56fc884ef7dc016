package secret

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/inventory"
)

// Defaults of Config.
const (
	DefaultMaxFileSize        = 10 << 20
	DefaultBinarySniffSize    = 8 << 10
	DefaultMaxFindingsPerFile = 1000
	// maxFileSizeCap bounds MaxFileSize: offsets are 32-bit.
	maxFileSizeCap = 1 << 30
	// maxMatchesPerWindow bounds regex matches in one keyword window.
	maxMatchesPerWindow = 256
)

// Fix is the remediation of every secret finding.
const Fix = "remove the secret from the file or image (and its history), then rotate it"

// DefaultAllowPaths are the only paths skipped by default: documentation
// shipped by packages, where example credentials are the rule. Test folders
// are NOT skipped: in an image they are real files.
var DefaultAllowPaths = []string{
	`(?:^|/)node_modules/.*\.(?:md|markdown|mdx)$`,
	`(?:^|/)usr/share/(?:doc|man|info)/`,
}

// binaryExtensions are skipped without reading: their bytes are compressed
// or binary, so a text rule cannot match them meaningfully.
var binaryExtensions = []string{
	".png", ".jpg", ".jpeg", ".gif", ".bmp", ".ico", ".webp", ".tif", ".tiff", ".psd", ".heic",
	".mp3", ".mp4", ".m4a", ".avi", ".mov", ".mkv", ".wav", ".flac", ".ogg", ".webm",
	".zip", ".gz", ".tgz", ".bz2", ".xz", ".zst", ".lz4", ".7z", ".rar", ".tar",
	".jar", ".war", ".ear", ".whl", ".egg", ".class", ".pyc", ".pyo",
	".so", ".a", ".o", ".dll", ".exe", ".dylib", ".lib", ".obj", ".wasm", ".node",
	".woff", ".woff2", ".ttf", ".otf", ".eot",
	".pdf", ".iso", ".img", ".deb", ".rpm", ".apk", ".msi", ".dmg",
	".sqlite", ".sqlite3", ".db", ".mo", ".gmo", ".cache", ".pack", ".idx",
}

// Config configures a Scanner. The zero value scans with the built-in rules
// and default limits.
type Config struct {
	// Rules replaces the built-in rules when non-nil.
	Rules []Rule
	// Custom rules are merged with (or, with ReplaceBuiltins, replace) the
	// rules above; CustomRulesPath names a YAML rule file to load the same
	// way (see LoadRules).
	Custom          *RuleSet
	CustomRulesPath string
	// Disable lists rule ids to leave out.
	Disable []string
	// MaxFileSize skips larger files (default 10 MB, at most 1 GiB).
	MaxFileSize int64
	// BinarySniffSize is how much of a file's start is searched for a NUL
	// byte, which marks it binary (default 8 KiB).
	BinarySniffSize int
	// ExtraBinaryExtensions are more extensions (".dat") to skip unread.
	ExtraBinaryExtensions []string
	// AllowPaths are more path regexes to skip; NoDefaultAllowPaths drops
	// DefaultAllowPaths.
	AllowPaths          []string
	NoDefaultAllowPaths bool
	// MaxFindingsPerFile bounds the findings of one file (default 1000).
	MaxFindingsPerFile int
}

// Stats are the scanner's running counts, for the report.
type Stats struct {
	// FilesScanned counts files whose bytes were scanned; Bytes their size.
	FilesScanned int64 `json:"files_scanned"`
	Bytes        int64 `json:"bytes"`
	// SkippedBinary counts files skipped for a binary extension or a NUL
	// byte in their first BinarySniffSize bytes.
	SkippedBinary int64 `json:"skipped_binary"`
	// SkippedSize counts files over MaxFileSize.
	SkippedSize int64 `json:"skipped_size"`
	// SkippedAllowed counts files skipped by an allow path.
	SkippedAllowed int64 `json:"skipped_allowed"`
	// Texts counts ScanText calls.
	Texts int64 `json:"texts"`
	// Findings counts the findings returned; Truncated the files whose
	// findings hit MaxFindingsPerFile.
	Findings  int64 `json:"findings"`
	Truncated int64 `json:"truncated"`
	// OverBudget counts inputs so dense in keywords that some rule windows
	// were not scanned (see regexBudgetFactor).
	OverBudget int64 `json:"over_budget"`
}

// Counts returns the stats as report.ScannerStatus counts.
func (st Stats) Counts() map[string]int {
	return map[string]int{
		"files_scanned":   int(st.FilesScanned),
		"bytes":           int(st.Bytes),
		"skipped_binary":  int(st.SkippedBinary),
		"skipped_size":    int(st.SkippedSize),
		"skipped_allowed": int(st.SkippedAllowed),
		"texts":           int(st.Texts),
		"findings":        int(st.Findings),
		"truncated":       int(st.Truncated),
		"over_budget":     int(st.OverBudget),
	}
}

// Scanner finds secrets in files and text. It is safe for concurrent use.
type Scanner struct {
	rules       []Rule
	pf          *prefilter
	kwRules     [][]int32 // keyword index -> rule indexes
	noKeyword   []int32   // path-gated rules that run on whole files
	allowPaths  []*regexp.Regexp
	binExt      map[string]bool
	maxSize     int64
	sniff       int
	maxFindings int
	warnings    []string

	pool sync.Pool

	filesScanned, bytes, skippedBinary, skippedSize, skippedAllowed atomic.Int64
	texts, findings, truncated, overBudget                          atomic.Int64
}

// New builds a scanner. It fails on an unreadable custom rule file, an
// invalid Config.Rules entry or duplicate rule ids; invalid rules inside a
// custom rule file are left out and reported by Warnings.
func New(cfg Config) (*Scanner, error) {
	s := &Scanner{
		maxSize:     cfg.MaxFileSize,
		sniff:       cfg.BinarySniffSize,
		maxFindings: cfg.MaxFindingsPerFile,
		binExt:      map[string]bool{},
	}
	if s.maxSize <= 0 {
		s.maxSize = DefaultMaxFileSize
	}
	s.maxSize = min(s.maxSize, maxFileSizeCap)
	if s.sniff <= 0 {
		s.sniff = DefaultBinarySniffSize
	}
	if s.maxFindings <= 0 {
		s.maxFindings = DefaultMaxFindingsPerFile
	}
	for _, e := range append(append([]string(nil), binaryExtensions...), cfg.ExtraBinaryExtensions...) {
		e = strings.ToLower(e)
		if !strings.HasPrefix(e, ".") {
			e = "." + e
		}
		s.binExt[e] = true
	}
	allow := cfg.AllowPaths
	if !cfg.NoDefaultAllowPaths {
		allow = append(append([]string(nil), DefaultAllowPaths...), allow...)
	}
	for _, p := range allow {
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, fmt.Errorf("compile allow path %q: %w", p, err)
		}
		s.allowPaths = append(s.allowPaths, re)
	}

	var rules []Rule
	if cfg.Rules != nil {
		rules = make([]Rule, len(cfg.Rules))
		copy(rules, cfg.Rules)
		for i := range rules {
			rules[i].Keywords = append([]string(nil), rules[i].Keywords...)
			rules[i].secretIdx = nil
			if err := rules[i].prepare(); err != nil {
				return nil, fmt.Errorf("secret rules: %w", err)
			}
		}
	} else {
		rules = Builtins()
	}
	sets := []*RuleSet{}
	if cfg.CustomRulesPath != "" {
		rs, err := loadRuleFile(cfg.CustomRulesPath)
		if rs == nil {
			return nil, err
		}
		if err != nil {
			s.warnings = append(s.warnings, splitErr(err)...)
		}
		sets = append(sets, rs)
	}
	if cfg.Custom != nil {
		sets = append(sets, cfg.Custom)
	}
	disable := append([]string(nil), cfg.Disable...)
	for _, rs := range sets {
		if rs.ReplaceBuiltins {
			rules = nil
		}
		disable = append(disable, rs.Disable...)
		for _, r := range rs.Rules {
			r.Keywords = append([]string(nil), r.Keywords...)
			r.secretIdx = nil
			if err := r.prepare(); err != nil {
				s.warnings = append(s.warnings, err.Error())
				continue
			}
			replaced := false
			for i := range rules {
				if rules[i].ID == r.ID {
					rules[i] = r
					replaced = true
					break
				}
			}
			if !replaced {
				rules = append(rules, r)
			}
		}
	}
	if len(disable) > 0 {
		off := map[string]bool{}
		for _, id := range disable {
			off[id] = true
		}
		kept := rules[:0:0]
		for _, r := range rules {
			if off[r.ID] {
				delete(off, r.ID)
				continue
			}
			kept = append(kept, r)
		}
		for _, id := range disable {
			if off[id] {
				s.warnings = append(s.warnings, fmt.Sprintf("disable: no rule %q", id))
				delete(off, id)
			}
		}
		rules = kept
	}
	seen := map[string]bool{}
	for _, r := range rules {
		if seen[r.ID] {
			return nil, fmt.Errorf("secret rules: duplicate rule id %q", r.ID)
		}
		seen[r.ID] = true
	}
	s.rules = rules

	// One automaton over every distinct keyword.
	kwIndex := map[string]int32{}
	var kws []string
	for ri, r := range rules {
		if len(r.Keywords) == 0 {
			s.noKeyword = append(s.noKeyword, int32(ri))
			continue
		}
		for _, k := range r.Keywords {
			ki, ok := kwIndex[k]
			if !ok {
				ki = int32(len(kws))
				kwIndex[k] = ki
				kws = append(kws, k)
				s.kwRules = append(s.kwRules, nil)
			}
			if l := s.kwRules[ki]; len(l) == 0 || l[len(l)-1] != int32(ri) {
				s.kwRules[ki] = append(s.kwRules[ki], int32(ri))
			}
		}
	}
	s.pf = newPrefilter(kws)
	s.pool.New = func() any { return s.newState() }
	return s, nil
}

func splitErr(err error) []string {
	var out []string
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			out = append(out, e.Error())
		}
		return out
	}
	return []string{err.Error()}
}

func loadRuleFile(name string) (*RuleSet, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("open secret rule file: %w", err)
	}
	defer f.Close()
	rs, err := LoadRules(f)
	if err != nil {
		err = fmt.Errorf("secret rule file %q: %w", name, err)
	}
	return rs, err
}

// Name is the scanner's name in reports.
func (s *Scanner) Name() string { return "secret" }

// Version changes whenever the scanner's output for the same input may
// change, so that cached per-layer results are recomputed.
func (s *Scanner) Version() int { return 1 }

// Rules returns the rules in use (shared; do not modify).
func (s *Scanner) Rules() []Rule { return s.rules }

// Warnings lists problems met while building the scanner (invalid custom
// rules, unknown ids to disable); the rest of the rules are in use.
func (s *Scanner) Warnings() []string { return append([]string(nil), s.warnings...) }

// Stats returns a snapshot of the counts.
func (s *Scanner) Stats() Stats {
	return Stats{
		FilesScanned:   s.filesScanned.Load(),
		Bytes:          s.bytes.Load(),
		SkippedBinary:  s.skippedBinary.Load(),
		SkippedSize:    s.skippedSize.Load(),
		SkippedAllowed: s.skippedAllowed.Load(),
		Texts:          s.texts.Load(),
		Findings:       s.findings.Load(),
		Truncated:      s.truncated.Load(),
		OverBudget:     s.overBudget.Load(),
	}
}

func (s *Scanner) allowedPath(p string) bool {
	for _, re := range s.allowPaths {
		if re.MatchString(p) {
			return true
		}
	}
	return false
}

func (s *Scanner) binaryExt(p string) bool {
	ext := path.Ext(p)
	if ext == "" || len(ext) > 10 {
		return false
	}
	return s.binExt[strings.ToLower(ext)]
}

// Required reports whether the scanner wants a file: a regular file, not
// empty, not over the size limit, without a known binary extension and not
// under an allow path. Skips for size, extension and allow path are counted
// in Stats, so call it once per file.
func (s *Scanner) Required(p string, mode fs.FileMode, size int64) bool {
	if !mode.IsRegular() || size == 0 {
		return false
	}
	if s.allowedPath(p) {
		s.skippedAllowed.Add(1)
		return false
	}
	if s.binaryExt(p) {
		s.skippedBinary.Add(1)
		return false
	}
	if size > s.maxSize {
		s.skippedSize.Add(1)
		return false
	}
	return true
}

// Analyze scans one file. Files over the size limit or that look binary
// are skipped (and counted); they return no findings and no error.
func (s *Scanner) Analyze(ctx context.Context, in *inventory.Input) ([]finding.Finding, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if in.Size > s.maxSize {
		s.skippedSize.Add(1)
		return nil, nil
	}
	st := s.pool.Get().(*scanState)
	defer s.putState(st)
	if in.Reader == nil {
		return nil, nil
	}
	// Read the head first: a binary file is skipped without reading (or
	// buffering) the rest of it.
	head := min(int64(s.sniff), s.maxSize)
	if cap(st.buf) < int(head) {
		st.buf = make([]byte, 0, max(int(head), 64<<10))
	}
	buf := st.buf[:head]
	n, err := io.ReadFull(in.Reader, buf)
	buf = buf[:n]
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return nil, fmt.Errorf("read %q: %w", in.Path, err)
	}
	if bytes.IndexByte(buf, 0) >= 0 {
		s.skippedBinary.Add(1)
		return nil, nil
	}
	if n == int(head) {
		buf, err = readLimited(in.Reader, buf, s.maxSize)
		st.buf = buf[:0]
		if errors.Is(err, errTooLarge) {
			s.skippedSize.Add(1)
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read %q: %w", in.Path, err)
		}
	}
	s.filesScanned.Add(1)
	s.bytes.Add(int64(len(buf)))
	fs, err := s.scan(ctx, st, buf, in.Path, false)
	if err != nil {
		return nil, err
	}
	return fs, nil
}

// ScanText scans a string that is not a file: an image config's ENV entry,
// label or history line, a compose environment value, a container's
// environment. where becomes the findings' Location.Path ("config.Env[3]");
// Location.Line is set when text has several lines. Path-gated rules
// (credentials files) do not run.
func (s *Scanner) ScanText(where string, text string) []finding.Finding {
	s.texts.Add(1)
	if len(text) > int(s.maxSize) {
		text = text[:s.maxSize]
	}
	st := s.pool.Get().(*scanState)
	defer s.putState(st)
	st.buf = append(st.buf[:0], text...)
	fs, _ := s.scan(context.Background(), st, st.buf, where, true)
	if !strings.Contains(text, "\n") {
		for i := range fs {
			fs[i].Location.Line, fs[i].Location.EndLine = 0, 0
		}
	}
	return fs
}

var errTooLarge = errors.New("too large")

// maxKeyName bounds the key name of a generic assignment.
const maxKeyName = 64

// readLimited reads r into buf, failing with errTooLarge past limit bytes.
func readLimited(r io.Reader, buf []byte, limit int64) ([]byte, error) {
	if r == nil {
		return buf, nil
	}
	for {
		if len(buf) == cap(buf) {
			n := max(cap(buf)*2, 64<<10)
			if int64(n) > limit+1 {
				n = int(limit + 1)
			}
			if n <= cap(buf) {
				return buf, errTooLarge
			}
			nb := make([]byte, len(buf), n)
			copy(nb, buf)
			buf = nb
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > limit {
			return buf, errTooLarge
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// scanState is the per-call scratch space, pooled.
type scanState struct {
	buf   []byte
	hits  []hit
	win   []window
	app   []int8 // per rule: 0 unknown, 1 applies to this file, -1 not
	cands []cand
	spans []span
	// budget is the regex work (window bytes, at least minWindowCost a run)
	// left for this input; overBudget records that some was refused.
	budget     int
	overBudget bool
	// literal: the input is a configuration file or text, whose values
	// are literals (see literalPath).
	literal bool
}

// The regex work on one input is bounded by regexBudgetFactor times its size
// plus regexBudgetBase. Ordinary files use a few percent of it; only inputs
// made of keywords (hostile or degenerate) reach it, and are then counted in
// Stats.OverBudget instead of taking time proportional to size times rules.
const (
	regexBudgetFactor = 8
	regexBudgetBase   = 1 << 20
	minWindowCost     = 64
)

type window struct {
	start, end int
	active     bool
}

type cand struct {
	rule           int32
	ms, me, ss, se int
}

type span struct{ a, b int }

func (s *Scanner) newState() *scanState {
	return &scanState{
		win: make([]window, len(s.rules)),
		app: make([]int8, len(s.rules)),
	}
}

// putState returns scratch space to the pool, dropping oversized buffers so
// that one huge file does not pin memory.
func (s *Scanner) putState(st *scanState) {
	if cap(st.buf) > 16<<20 {
		st.buf = nil
	}
	if cap(st.hits) > 1<<20 {
		st.hits = nil
	}
	if cap(st.cands) > 1<<16 {
		st.cands = nil
	}
	s.pool.Put(st)
}

func (s *Scanner) scan(ctx context.Context, st *scanState, buf []byte, p string, text bool) ([]finding.Finding, error) {
	if err := s.collect(ctx, st, buf, p, text); err != nil {
		return nil, err
	}
	return s.findingsOf(st, buf, p), nil
}

// collect runs the prefilter and the rules over buf and leaves the
// candidates in st.cands.
func (s *Scanner) collect(ctx context.Context, st *scanState, buf []byte, p string, text bool) error {
	for i := range st.win {
		st.win[i] = window{}
		st.app[i] = 0
	}
	st.cands = st.cands[:0]
	st.budget, st.overBudget = regexBudgetFactor*len(buf)+regexBudgetBase, false
	st.literal = literalPath(p, text)
	maxCands := s.maxFindings * 8
	st.hits, _ = s.pf.scan(buf, st.hits[:0], 0)
	for hi, h := range st.hits {
		if hi&1023 == 1023 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		kwEnd := int(h.end)
		kwStart := kwEnd - s.pf.kwLen[h.kw]
		for _, ri := range s.kwRules[h.kw] {
			if st.app[ri] == 0 {
				st.app[ri] = -1
				if s.rules[ri].appliesTo(p, text) {
					st.app[ri] = 1
				}
			}
			if st.app[ri] < 0 {
				continue
			}
			r := &s.rules[ri]
			if r.anchored {
				// A keyword inside the key-name run that an earlier attempt
				// of this rule started in gives the same match: skip it.
				w := &st.win[ri]
				if w.active && kwStart < w.end {
					continue
				}
				we := min(len(buf), kwEnd+r.After)
				if j := bytes.IndexByte(buf[kwStart:we], '\n'); j >= 0 {
					we = kwStart + j
				}
				run := kwEnd
				for run < we && isKeyByte(buf[run]) {
					run++
				}
				*w = window{start: kwStart, end: run, active: true}
				// No key name is longer than maxKeyName bytes.
				if r.generic && run-kwStart > maxKeyName {
					continue
				}
				if len(st.cands) < maxCands {
					// Keywords inside this match (a value that repeats the
					// key) are not tried again.
					w.end = max(w.end, s.runRule(st, int(ri), buf, kwStart, we))
				}
				continue
			}
			w := &st.win[ri]
			if w.active && kwStart >= w.start && kwEnd+r.After <= w.end {
				continue // already covered
			}
			ws, we := keywordWindow(buf, kwStart, kwEnd, r)
			if w.active && ws < w.end {
				w.end = max(w.end, we)
				continue
			}
			if w.active && len(st.cands) < maxCands {
				s.runRule(st, int(ri), buf, w.start, w.end)
			}
			*w = window{start: ws, end: we, active: true}
		}
	}
	for ri := range st.win {
		if w := st.win[ri]; w.active && !s.rules[ri].anchored && len(st.cands) < maxCands {
			s.runRule(st, ri, buf, w.start, w.end)
		}
	}
	for _, ri := range s.noKeyword {
		if s.rules[ri].appliesTo(p, text) {
			s.runRule(st, int(ri), buf, 0, len(buf))
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if st.overBudget {
		s.overBudget.Add(1)
	}
	return nil
}

// keywordWindow is the span scanned around a keyword: the keyword's line
// (cut to Before bytes before it and After bytes after it), or for
// multiline rules from the line start up to After bytes on.
func keywordWindow(buf []byte, ks, ke int, r *Rule) (int, int) {
	lo := max(0, ks-r.Before)
	hi := min(len(buf), ke+r.After)
	if i := bytes.LastIndexByte(buf[lo:ks], '\n'); i >= 0 {
		lo += i + 1
	}
	if !r.Multiline {
		if j := bytes.IndexByte(buf[ke:hi], '\n'); j >= 0 {
			hi = ke + j
		}
	}
	return lo, hi
}

// runRule runs rule ri's regex over buf[ws:we] and records candidates. It
// returns the end of the last match (or ws), and does nothing once the
// file's regex budget is spent.
func (s *Scanner) runRule(st *scanState, ri int, buf []byte, ws, we int) int {
	st.budget -= max(we-ws, minWindowCost)
	if st.budget < 0 {
		st.overBudget = true
		return ws
	}
	r := &s.rules[ri]
	win := buf[ws:we]
	// Most windows hold no match; Match needs no capture bookkeeping.
	if !r.Regex.Match(win) {
		return ws
	}
	last := ws
	for _, m := range r.Regex.FindAllSubmatchIndex(win, maxMatchesPerWindow) {
		last = ws + m[1]
		a, b := r.secretSpan(m)
		if a < 0 {
			if len(m) < 2 || m[1] <= m[0] {
				continue
			}
			a, b = m[0], m[1]
		}
		for b > a && (win[b-1] == ' ' || win[b-1] == '\t' || win[b-1] == '\r' || win[b-1] == '\n') {
			b--
		}
		for b-2 > a && win[b-2] == '\\' && (win[b-1] == 'n' || win[b-1] == 'r') {
			b -= 2
		}
		if b <= a {
			continue
		}
		ms, me := ws+m[0], ws+m[1]
		if r.leftBoundary && ms > 0 && isWordByte(buf[ms-1]) && isWordByte(buf[ms]) {
			continue
		}
		if r.maxLen > 0 && b-a > r.maxLen {
			continue
		}
		if r.generic {
			// The key name runs left of the keyword.
			k := ms
			for k > 0 && ms-k <= maxKeyName && isKeyByte(buf[k-1]) {
				k--
			}
			if ms-k > maxKeyName {
				continue
			}
			// A name inside a longer one ("AWS::ApiGateway::ApiKey",
			// "alias/aws/secretsmanager"): a type or a path, not a key.
			if k > 0 && (buf[k-1] == ':' || buf[k-1] == '/' || buf[k-1] == '\\') {
				continue
			}
			// "secretsmanager:ResourceTag/x" in one quoted string: a
			// namespaced name, not key and value.
			if sep := win[m[0]:a]; len(sep) > 0 && k > 0 && (buf[k-1] == '"' || buf[k-1] == '\'') &&
				bytes.Equal(bytes.Trim(sep, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"), []byte(":")) {
				continue
			}
			// "KEY value" (no = or :) only on a Dockerfile ENV/ARG line.
			line := buf[bytes.LastIndexByte(buf[:k], '\n')+1 : k]
			sep := win[m[0]:a]
			if !bytes.ContainsAny(sep, "=:") && !envLinePrefix(line) {
				continue
			}
			// "New password: hunter22": a prompt in a terminal transcript.
			if bytes.IndexByte(sep, ':') >= 0 && bytes.IndexByte(sep, '=') < 0 && promptPrefix(line) && !envLinePrefix(line) {
				continue
			}
			ms = k
			// A value followed by "(" is a function call.
			if ws+b < len(buf) && buf[ws+b] == '(' {
				continue
			}
		}
		secret := string(win[a:b])
		if len(secret) < r.MinLen || (r.MinEntropy > 0 && Entropy(secret) < r.MinEntropy) {
			continue
		}
		if !r.NoPlaceholderCheck && IsPlaceholder(secret) {
			continue
		}
		if allowed(r.Allow, secret) {
			continue
		}
		if r.Validate != nil && !r.Validate(string(buf[ms:me]), secret) {
			continue
		}
		if r.generic && identifierValue(secret, st.literal) {
			continue
		}
		st.cands = append(st.cands, cand{rule: int32(ri), ms: ms, me: me, ss: ws + a, se: ws + b})
	}
	return last
}

// promptPrefix reports whether p (a line up to a key) is words of prose
// ending in a blank, as in "New password:" or "Retype new password:".
func promptPrefix(p []byte) bool {
	if len(p) < 2 || p[len(p)-1] != ' ' {
		return false
	}
	letter := false
	for _, c := range p {
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
			letter = true
		case c != ' ':
			return false
		}
	}
	return letter
}

func isWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_'
}

func isKeyByte(c byte) bool { return isWordByte(c) || c == '.' || c == '-' }

// envLinePrefix reports whether p (a line up to a key) ends with an ENV
// or ARG instruction word and blanks: "ENV ", "  arg\t", or a history line's
// "/bin/sh -c #(nop)  ENV ".
func envLinePrefix(p []byte) bool {
	t := bytes.TrimRight(p, " \t")
	if len(t) == len(p) || len(t) < 3 {
		return false
	}
	w := t[len(t)-3:]
	if !equalFoldLower(w, "env") && !equalFoldLower(w, "arg") {
		return false
	}
	return len(t) == 3 || t[len(t)-4] == ' ' || t[len(t)-4] == '\t'
}

func allowed(res []*regexp.Regexp, s string) bool {
	for _, re := range res {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

// findingsOf resolves overlapping candidates (higher priority, then the
// longer match, then the earlier rule wins) and turns the survivors into
// findings in file order.
func (s *Scanner) findingsOf(st *scanState, buf []byte, p string) []finding.Finding {
	if len(st.cands) == 0 {
		return nil
	}
	all := st.cands
	// Every candidate's secret is redacted in every evidence line, kept or not.
	st.spans = st.spans[:0]
	for _, c := range all {
		st.spans = append(st.spans, span{c.ss, c.se})
	}
	sort.Slice(st.spans, func(i, j int) bool { return st.spans[i].a < st.spans[j].a })
	merged := st.spans[:0]
	for _, sp := range st.spans {
		if n := len(merged); n > 0 && sp.a < merged[n-1].b {
			merged[n-1].b = max(merged[n-1].b, sp.b)
			continue
		}
		merged = append(merged, sp)
	}
	st.spans = merged

	sort.SliceStable(all, func(i, j int) bool {
		a, b := all[i], all[j]
		pa, pb := s.rules[a.rule].Priority, s.rules[b.rule].Priority
		if pa != pb {
			return pa > pb
		}
		if la, lb := a.me-a.ms, b.me-b.ms; la != lb {
			return la > lb
		}
		if a.rule != b.rule {
			return a.rule < b.rule
		}
		return a.ss < b.ss
	})
	var kept []cand
	for _, c := range all {
		ok := true
		for _, k := range kept {
			if c.ss < k.se && k.ss < c.se {
				ok = false
				break
			}
		}
		if ok {
			kept = append(kept, c)
			if len(kept) >= s.maxFindings {
				s.truncated.Add(1)
				break
			}
		}
	}
	sort.Slice(kept, func(i, j int) bool { return kept[i].ss < kept[j].ss })

	out := make([]finding.Finding, 0, len(kept))
	line, pos := 1, 0
	for _, c := range kept {
		line += bytes.Count(buf[pos:c.ss], []byte{'\n'})
		pos = c.ss
		r := &s.rules[c.rule]
		f := finding.Finding{
			Kind:     finding.Secret,
			ID:       r.ID,
			Severity: r.Severity,
			Title:    r.Title,
			Location: finding.Location{Path: p, Line: line},
			Evidence: s.evidence(st, buf, c),
			Fix:      Fix,
			Source:   "bulkhead-secret",
		}
		if r.Category != "" {
			f.Tags = []string{r.Category}
		}
		// A traditional PEM key whose headers say it is encrypted is
		// protected by a passphrase: one step below a plain key.
		if r.Category == CatPrivateKey && bytes.Contains(buf[c.ms:c.ss], []byte("Proc-Type: 4,ENCRYPTED")) {
			f.Title += " (passphrase-protected)"
			f.Severity = min(f.Severity, finding.High)
		}
		if n := bytes.Count(buf[c.ss:c.se], []byte{'\n'}); n > 0 {
			f.Location.EndLine = line + n
		}
		out = append(out, f)
	}
	s.findings.Add(int64(len(out)))
	return out
}

const evidenceContext = 64

// evidence is the secret's line, cut to evidenceContext bytes around the
// secret, with every detected secret on it redacted.
func (s *Scanner) evidence(st *scanState, buf []byte, c cand) string {
	ls := bytes.LastIndexByte(buf[:c.ss], '\n') + 1
	le := len(buf)
	if j := bytes.IndexByte(buf[c.ss:], '\n'); j >= 0 {
		le = c.ss + j
	}
	if le > ls && buf[le-1] == '\r' {
		le--
	}
	lo := max(ls, c.ss-evidenceContext)
	hi := min(le, max(c.se, c.ss)+evidenceContext)
	if hi < lo {
		hi = lo
	}
	var b strings.Builder
	if lo > ls {
		b.WriteString("...")
	}
	pos := lo
	// Spans are sorted and disjoint; find the first that may touch [lo, hi).
	i := sort.Search(len(st.spans), func(i int) bool { return st.spans[i].b > lo })
	for ; i < len(st.spans) && st.spans[i].a < max(hi, c.se); i++ {
		sp := st.spans[i]
		if e := min(sp.a, hi); e > pos {
			b.Write(buf[pos:e])
		}
		b.WriteString(Redact(string(buf[sp.a:sp.b])))
		pos = max(pos, sp.b)
	}
	if pos < hi {
		b.Write(buf[pos:hi])
	}
	if hi < le && pos < le {
		b.WriteString("...")
	}
	ev := strings.ToValidUTF8(b.String(), "?")
	ev = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\r' || r == '\n' {
			return ' '
		}
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, ev)
	return strings.TrimSpace(ev)
}
