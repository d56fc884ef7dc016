package ruby_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lang/ruby"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extracttest"
)

func TestRequired(t *testing.T) {
	extracttest.Required(t, ruby.New(),
		[]string{
			"usr/lib/ruby/gems/3.1.0/specifications/rake-13.0.6.gemspec",
			"usr/local/bundle/specifications/rails-7.0.0.gemspec",
			"usr/lib/ruby/gems/3.1.0/specifications/default/json-2.6.1.gemspec",
			"specifications/x-1.gemspec",
		},
		[]string{
			"app/myapp.gemspec",
			"usr/lib/ruby/gems/3.1.0/gems/rake-13.0.6/rake.gemspec",
			"usr/lib/ruby/gems/3.1.0/specifications/rake-13.0.6.gemspec.bak",
			"usr/lib/ruby/gems/3.1.0/myspecifications/x-1.gemspec",
		})
}

func TestExtract(t *testing.T) {
	const dir = "usr/local/bundle/specifications/"
	pkg := func(file, name, version, purl string, lic, deps []string, meta map[string]string) []inventory.Package {
		return []inventory.Package{{Name: name, Version: version, Type: "gem", PURL: purl, Licenses: lic,
			DependsOn: deps, Metadata: meta, Path: dir + file, Extractor: ruby.Name}}
	}
	c := func(file, text string, want []inventory.Package) extracttest.Case {
		return extracttest.Case{Name: file, Path: dir + file, Data: []byte(text), Want: want}
	}
	extracttest.Extract(t, ruby.New(), []extracttest.Case{
		c("rake-13.0.6.gemspec", `# -*- encoding: utf-8 -*-
# stub: rake 13.0.6 ruby lib

Gem::Specification.new do |s|
  s.name = "rake".freeze
  s.version = "13.0.6"
  s.authors = ["Hiroshi SHIBATA".freeze]
  s.licenses = ["MIT".freeze]
  s.summary = "Rake is a Make-like program".freeze
end
`, pkg("rake-13.0.6.gemspec", "rake", "13.0.6", "pkg:gem/rake@13.0.6", []string{"MIT"}, nil, nil)),
		c("nokogiri-1.13.1-x86_64-linux.gemspec", `Gem::Specification.new do |s|
  s.name = "nokogiri".freeze
  s.version = "1.13.1"
  s.platform = "x86_64-linux".freeze
  s.licenses = ["MIT".freeze, 'Apache-2.0']
  if s.respond_to? :add_runtime_dependency then
    s.add_runtime_dependency(%q<racc>.freeze, ["~> 1.4"])
    s.add_runtime_dependency(%q<mini_portile2>.freeze, ["~> 2.8"])
    s.add_development_dependency(%q<bundler>.freeze, ["~> 2.2"])
  else
    s.add_dependency(%q<racc>.freeze, ["~> 1.4"])
    s.add_dependency(%q<mini_portile2>.freeze, ["~> 2.8"])
  end
end
`, pkg("nokogiri-1.13.1-x86_64-linux.gemspec", "nokogiri", "1.13.1", "pkg:gem/nokogiri@1.13.1?platform=x86_64-linux",
			[]string{"MIT", "Apache-2.0"}, []string{"racc", "mini_portile2"}, map[string]string{"platform": "x86_64-linux"})),
		c("json-2.6.1.gemspec", `Gem::Specification.new do |spec|
  spec.name = 'json'
  spec.version = Gem::Version.new("2.6.1")
  spec.license = "Ruby"
  spec.add_dependency "other", ">= 1"
end
`, pkg("json-2.6.1.gemspec", "json", "2.6.1", "pkg:gem/json@2.6.1", []string{"Ruby"}, []string{"other"}, nil)),
		c("racc-1.6.0.gemspec", "# stub: racc 1.6.0 ruby lib\nGem::Specification.new do |s|\n  s.name = %q{racc}\nend\n",
			pkg("racc-1.6.0.gemspec", "racc", "1.6.0", "pkg:gem/racc@1.6.0", nil, nil, nil)),
		c("thor-1.2.1.gemspec", "Gem::Specification.new do |s|\n  s.name = \"thor\"\n  # s.version = \"0.0.1\"\nend\n",
			pkg("thor-1.2.1.gemspec", "thor", "1.2.1", "pkg:gem/thor@1.2.1", nil, nil, nil)),
		c("nothing.gemspec", "puts 'hello'\n", nil),
	})
}

func TestExtractTooLarge(t *testing.T) {
	text := strings.Repeat("# comment\n", ruby.MaxFileSize/10+1)
	_, err := ruby.New().Extract(context.Background(), &inventory.Input{
		Path: "specifications/x-1.gemspec", Size: -1, Reader: strings.NewReader(text),
	})
	if !errors.Is(err, inventory.ErrTooLarge) {
		t.Errorf("err = %v, want ErrTooLarge", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("# stub: a 1 ruby lib\ns.name = \"a\".freeze\ns.version = Gem::Version.new(\"1\")\ns.licenses = [\"MIT\"]\n"), "a-1.gemspec")
	f.Add([]byte("s.name = %q<b>\ns.add_dependency(%q{c})\n"), "b-2-java.gemspec")
	f.Fuzz(func(t *testing.T, data []byte, base string) {
		p := ruby.Parse(data, base)
		if p != nil && (p.Name == "" || p.Version == "" || p.PURL == "") {
			t.Errorf("bad package %+v", p)
		}
	})
}

func BenchmarkExtract(b *testing.B) {
	text := []byte(`# -*- encoding: utf-8 -*-
# stub: rails 7.0.4 ruby lib

Gem::Specification.new do |s|
  s.name = "rails".freeze
  s.version = "7.0.4"
  s.required_rubygems_version = Gem::Requirement.new(">= 1.8.11".freeze) if s.respond_to? :required_rubygems_version=
  s.metadata = { "bug_tracker_uri" => "https://github.com/rails/rails/issues" } if s.respond_to? :metadata=
  s.require_paths = ["lib".freeze]
  s.authors = ["David Heinemeier Hansson".freeze]
  s.date = "2022-09-09"
  s.description = "Ruby on Rails is a full-stack web framework.".freeze
  s.licenses = ["MIT".freeze]
  s.required_ruby_version = Gem::Requirement.new(">= 2.7.0".freeze)
  s.summary = "Full-stack web application framework.".freeze
  s.installed_by_version = "3.3.7" if s.respond_to? :installed_by_version
  if s.respond_to? :specification_version then
    s.specification_version = 4
  end
  if s.respond_to? :add_runtime_dependency then
` + strings.Repeat("    s.add_runtime_dependency(%q<activesupport>.freeze, [\"= 7.0.4\"])\n", 12) + `  end
end
`)
	b.SetBytes(int64(len(text)))
	r := bytes.NewReader(nil)
	for b.Loop() {
		r.Reset(text)
		if _, err := ruby.New().Extract(context.Background(), &inventory.Input{
			Path: "specifications/rails-7.0.4.gemspec", Size: int64(len(text)), Reader: r,
		}); err != nil {
			b.Fatal(err)
		}
	}
}
