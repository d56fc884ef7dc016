package compose

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/secret"
	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/template"
	"github.com/compose-spec/compose-go/v2/types"
	"gopkg.in/yaml.v3"
)

// MaxSize is the largest compose file Lint accepts.
const MaxSize = 4 << 20

// ErrTooLarge is returned for input over MaxSize.
var ErrTooLarge = errors.New("compose file too large")

// Source is the Finding.Source of every finding of this package.
const Source = "bulkhead-compose"

// maxEvidence bounds the evidence text of one finding.
const maxEvidence = 400

// maxNodeVisits bounds compose-go's walk of the YAML tree (aliases and
// merge keys included), so that a small file cannot make it work for long.
const maxNodeVisits = 1 << 20

// Options tune Lint.
type Options struct {
	// Disabled lists rule ids (or KICS query ids) not to run.
	Disabled []string
}

// Service is one service of a loaded compose file, as the rules see it.
type Service struct {
	Name string
	// Config is the service as compose-go loaded it.
	Config types.ServiceConfig
	// Line is the line of the service's key under services: (0 when unknown).
	Line int
	// Ports are the service's ports as written, ranges kept (see PortSpec).
	Ports []PortSpec
	// volumes are the file's top-level volumes; mounts indexes every
	// service's named-volume mounts by volume name.
	volumes types.Volumes
	mounts  map[string][]volumeMount
	// node is the service's mapping in the source, for key lines and raw
	// (uninterpolated) values.
	node *yaml.Node
}

// KeyLine returns the line of the key at path (such as "deploy",
// "resources") within the service, or the service's line when the key is
// not written in the service itself.
func (s *Service) KeyLine(keys ...string) int {
	n := s.node
	line := s.Line
	for _, k := range keys {
		v, kl := mapGet(n, k)
		if v == nil {
			return line
		}
		line, n = kl, v
	}
	return line
}

// Raw returns the scalar written at key in the service, before
// interpolation, and whether there is one.
func (s *Service) Raw(key string) (string, bool) {
	v, _ := mapGet(s.node, key)
	if v == nil || v.Kind != yaml.ScalarNode {
		return "", false
	}
	return v.Value, true
}

// Load parses a compose file into its services, in name order.
func Load(name string, src []byte) ([]*Service, error) {
	if len(src) > MaxSize {
		return nil, fmt.Errorf("load compose file %q: %d bytes: %w (limit %d bytes)", name, len(src), ErrTooLarge, MaxSize)
	}
	docs, err := parseDocs(src)
	if err != nil {
		return nil, fmt.Errorf("load compose file %q: %w", name, err)
	}
	if len(docs) > 0 && len(docs[0].Content) > 0 {
		if root := deref(docs[0].Content[0]); root != nil && root.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("load compose file %q: the top level is a %s, not a mapping of keys such as services:", name, kindName(root))
		}
	}
	nodes := serviceNodes(docs)
	loadSrc, err := prepareForLoader(src)
	if err != nil {
		return nil, fmt.Errorf("load compose file %q: %w", name, err)
	}
	project, err := load(name, loadSrc, false)
	if err != nil {
		// A variable required but not set, or a value that only parses once
		// interpolated: fall back to the file as written.
		p2, err2 := load(name, loadSrc, true)
		if err2 != nil {
			return nil, fmt.Errorf("load compose file %q: %w", name, explainLoadError(err))
		}
		project = p2
	}
	var out []*Service
	add := func(svcs types.Services) {
		for n, cfg := range svcs {
			s := &Service{Name: n, Config: cfg}
			if sn, ok := nodes[n]; ok {
				s.Line, s.node = sn.line, sn.node
				s.Ports = portSpecs(sn.node)
			}
			out = append(out, s)
		}
	}
	add(project.Services)
	add(project.DisabledServices)
	mounts := map[string][]volumeMount{}
	for _, s := range out {
		seen := map[string]bool{}
		for _, v := range s.Config.Volumes {
			if !isNamedVolume(v) || seen[v.Source] {
				continue
			}
			seen[v.Source] = true
			mounts[v.Source] = append(mounts[v.Source], volumeMount{service: s, readOnly: v.ReadOnly})
		}
	}
	for _, s := range out {
		s.volumes, s.mounts = project.Volumes, mounts
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// load runs compose-go on src alone: nothing else is read, nothing from
// the process environment is used.
func load(name string, src []byte, skipInterpolation bool) (p *types.Project, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("compose-go failed on this input: %v", r)
		}
	}()
	content := src
	if content == nil {
		content = []byte{}
	}
	details := types.ConfigDetails{
		WorkingDir:  "/nonexistent-bulkhead-project",
		ConfigFiles: []types.ConfigFile{{Filename: path.Base(strings.ReplaceAll(name, "\\", "/")), Content: content}},
		Environment: types.Mapping{},
	}
	return loader.LoadWithContext(context.Background(), details, func(o *loader.Options) {
		o.SkipValidation = true
		o.SkipNormalization = true
		o.SkipConsistencyCheck = true
		o.SkipExtends = true
		o.SkipInclude = true
		o.SkipResolveEnvironment = true
		o.SkipResolveLabels = true
		o.ResolvePaths = false
		o.SkipInterpolation = skipInterpolation
		o.MaxNodeVisits = maxNodeVisits
		o.Profiles = []string{"*"}
		o.SetProjectName("bulkhead-lint", true)
		if o.Interpolate != nil {
			o.Interpolate.LookupValue = func(string) (string, bool) { return "", false }
			o.Interpolate.Substitute = func(s string, m template.Mapping) (string, error) {
				return template.SubstituteWithOptions(s, m, template.WithoutLogging)
			}
		}
	})
}

type serviceNode struct {
	line int
	node *yaml.Node
}

// Shape limits checked before compose-go sees a file: its transforms cost
// time in proportion to a node's depth and key path for every node, so a
// small file nested thousands deep (or with huge dotted keys) would keep it
// busy for minutes. Real compose files are a few levels deep.
// compose-go also spends about half a millisecond per service and
// allocates about 22 KB per YAML node (interpolation and transforms), so
// the number of services and of nodes is bounded too: 50,000 nodes (ten
// times a large real compose file) cost compose-go about 1 GB at most.
const (
	MaxDepth    = 64
	MaxKeyPath  = 4096
	MaxServices = 1000
	MaxNodes    = 50000
)

// ErrTooComplex is returned for input nested deeper than MaxDepth, with a
// key path longer than MaxKeyPath bytes, more than MaxNodes YAML nodes or
// more than MaxServices services.
var ErrTooComplex = errors.New("compose file too complex")

// parseDocs parses every YAML document of src and checks its shape.
func parseDocs(src []byte) ([]*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var docs []*yaml.Node
	nodes := 0
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("parse yaml: %w", err)
		}
		if err := checkShape(&n, 0, 0, &nodes); err != nil {
			return nil, err
		}
		if len(n.Content) > 0 {
			if svcs, _ := mapGet(n.Content[0], "services"); svcs != nil && len(svcs.Content)/2 > MaxServices {
				return nil, fmt.Errorf("%w: %d services (limit %d)", ErrTooComplex, len(svcs.Content)/2, MaxServices)
			}
		}
		docs = append(docs, &n)
	}
	return docs, nil
}

func checkShape(n *yaml.Node, depth, keyPath int, nodes *int) error {
	if *nodes++; *nodes > MaxNodes {
		return fmt.Errorf("%w: more than %d YAML nodes", ErrTooComplex, MaxNodes)
	}
	if depth > MaxDepth {
		return fmt.Errorf("%w: more than %d levels at line %d", ErrTooComplex, MaxDepth, n.Line)
	}
	if keyPath > MaxKeyPath {
		return fmt.Errorf("%w: key path longer than %d bytes at line %d", ErrTooComplex, MaxKeyPath, n.Line)
	}
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for _, c := range n.Content {
			if err := checkShape(c, depth+1, keyPath+1, nodes); err != nil {
				return err
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if err := checkShape(k, depth+1, keyPath+len(k.Value), nodes); err != nil {
				return err
			}
			if err := checkShape(n.Content[i+1], depth+1, keyPath+len(k.Value)+1, nodes); err != nil {
				return err
			}
		}
	}
	return nil
}

// serviceNodes finds each service's mapping and line in the first document.
func serviceNodes(docs []*yaml.Node) map[string]serviceNode {
	out := map[string]serviceNode{}
	if len(docs) == 0 || len(docs[0].Content) == 0 {
		return out
	}
	svcs, _ := mapGet(docs[0].Content[0], "services")
	if svcs == nil || svcs.Kind != yaml.MappingNode {
		return out
	}
	for i := 0; i+1 < len(svcs.Content); i += 2 {
		k, v := svcs.Content[i], deref(svcs.Content[i+1])
		if _, dup := out[k.Value]; !dup {
			out[k.Value] = serviceNode{line: k.Line, node: v}
		}
	}
	return out
}

func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 8; i++ {
		n = n.Alias
	}
	return n
}

// mapGet returns the value of key in mapping n and the key's line.
func mapGet(n *yaml.Node, key string) (*yaml.Node, int) {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, 0
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return deref(n.Content[i+1]), n.Content[i].Line
		}
	}
	return nil, 0
}

// Lint loads a compose file (named name in findings) and runs every
// enabled rule on every service. Findings are sorted by line, then id.
func Lint(name string, src []byte, opts Options) ([]finding.Finding, error) {
	svcs, err := Load(name, src)
	if err != nil {
		return nil, err
	}
	disabled := map[string]bool{}
	for _, d := range opts.Disabled {
		disabled[strings.ToUpper(strings.TrimSpace(d))] = true
	}
	var out []finding.Finding
	for _, r := range allRules {
		if r.matches(disabled) {
			continue
		}
		for _, s := range svcs {
			for _, h := range r.Check(s) {
				out = append(out, newFinding(r, name, s, h))
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].Location, out[j].Location
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if out[i].ID != out[j].ID {
			return out[i].ID < out[j].ID
		}
		return a.Object < b.Object
	})
	return out, nil
}

func newFinding(r *Rule, name string, s *Service, h Hit) finding.Finding {
	desc := r.Meta.Description
	if h.Detail != "" {
		desc = h.Detail + " " + desc
	}
	line := h.Line
	if line == 0 {
		line = s.Line
	}
	// Every rule's text goes through the secret scanner's redaction: a
	// command or URL quoted as evidence may hold a credential.
	desc = secret.RedactText(desc)
	ev := secret.RedactText(h.Evidence)
	if rs := []rune(ev); len(rs) > maxEvidence {
		ev = string(rs[:maxEvidence]) + "…"
	}
	return finding.Finding{
		Kind:        finding.Misconfiguration,
		ID:          r.Meta.ID,
		Aliases:     append([]string(nil), r.Meta.Aliases...),
		Severity:    r.Meta.Severity,
		Title:       r.Meta.Title,
		Description: desc,
		Location:    finding.Location{Path: name, Line: line, Object: "service " + s.Name},
		Evidence:    ev,
		Fix:         r.Meta.Fix,
		References:  []string{docPath(r.Meta.ID)},
		Source:      Source,
	}
}
