package langroot

// RustAuditJSON is the dependency tree of the fixture Rust binary, in
// cargo-auditable's format (before zlib compression).
const RustAuditJSON = `{"packages":[` +
	`{"name":"rustapp","version":"0.1.0","source":"local","dependencies":[1,2,3],"root":true},` +
	`{"name":"serde","version":"1.0.130","source":"crates.io"},` +
	`{"name":"smallvec","version":"1.6.0","source":"crates.io","dependencies":[1]},` +
	`{"name":"cc","version":"1.0.73","source":"crates.io","kind":"build"}]}`

type npmFile struct {
	path, json          string
	name, version, purl string // empty name: not a package
}

var npmFiles = []npmFile{
	// The project's own manifest is not an installed package.
	{path: "app/package.json", json: `{"name":"shop-frontend","version":"3.2.1","private":true,
  "dependencies":{"lodash":"^4.17.15","@babel/code-frame":"^7.12.13"}}`},
	{path: "app/node_modules/lodash/package.json", json: `{
  "name": "lodash",
  "version": "4.17.15",
  "description": "Lodash modular utilities.",
  "keywords": ["modules", "stdlib", "util"],
  "homepage": "https://lodash.com/",
  "repository": "lodash/lodash",
  "icon": "https://lodash.com/icon.svg",
  "license": "MIT",
  "main": "lodash.js",
  "author": "John-David Dalton <john.david.dalton@gmail.com>",
  "scripts": {"test": "echo \"See https://travis-ci.org/lodash-archive/lodash-cli for testing details.\""},
  "_resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.15.tgz",
  "_integrity": "sha512-8xOcRHvCjnocdS5cpwXQXVzmmh5e5+saE2QGoeQmbKmRS6J3VQppPOIt0MnmE+4xlZoumy0GPG0D0MVIQbNA1A=="
}`, name: "lodash", version: "4.17.15", purl: "pkg:npm/lodash@4.17.15"},
	// A file inside a package folder that is not the package's manifest.
	{path: "app/node_modules/lodash/test/fixtures/package.json", json: `{"name":"fixture","version":"0.0.0"}`},
	{path: "app/node_modules/@babel/code-frame/package.json", json: `{
  "name": "@babel/code-frame",
  "version": "7.12.13",
  "description": "Generate errors that contain a code frame that point to source locations.",
  "author": "Sebastian McKenzie <sebmck@gmail.com>",
  "license": "MIT",
  "main": "lib/index.js",
  "dependencies": {"@babel/highlight": "^7.12.13"},
  "devDependencies": {"@types/chalk": "^2.0.0", "chalk": "^2.0.0"}
}`, name: "@babel/code-frame", version: "7.12.13", purl: "pkg:npm/%40babel/code-frame@7.12.13"},
	{path: "app/node_modules/@babel/highlight/package.json", json: `{
  "name": "@babel/highlight",
  "version": "7.10.4",
  "license": "MIT",
  "dependencies": {"@babel/helper-validator-identifier": "^7.10.4", "chalk": "^2.0.0", "js-tokens": "^4.0.0"}
}`, name: "@babel/highlight", version: "7.10.4", purl: "pkg:npm/%40babel/highlight@7.10.4"},
	{path: "app/node_modules/@babel/highlight/node_modules/chalk/package.json", json: `{
  "name": "chalk",
  "version": "2.4.2",
  "license": "MIT",
  "dependencies": {"ansi-styles": "^3.2.1", "escape-string-regexp": "^1.0.5", "supports-color": "^5.3.0"}
}`, name: "chalk", version: "2.4.2", purl: "pkg:npm/chalk@2.4.2"},
	{path: "usr/local/lib/node_modules/npm/package.json", json: `{
  "name": "npm",
  "version": "6.14.8",
  "license": "Artistic-2.0",
  "dependencies": {"minimist": "^1.2.5"}
}`, name: "npm", version: "6.14.8", purl: "pkg:npm/npm@6.14.8"},
	{path: "usr/local/lib/node_modules/npm/node_modules/minimist/package.json", json: `{
  "name": "minimist",
  "version": "1.2.5",
  "licenses": [{"type": "MIT", "url": "https://github.com/substack/minimist/raw/master/LICENSE"}]
}`, name: "minimist", version: "1.2.5", purl: "pkg:npm/minimist@1.2.5"},
	{path: "usr/lib/node_modules/yarn/package.json", json: `{
  "name": "yarn",
  "version": "1.22.5",
  "license": {"type": "BSD-2-Clause", "url": "https://github.com/yarnpkg/yarn/blob/master/LICENSE"}
}`, name: "yarn", version: "1.22.5", purl: "pkg:npm/yarn@1.22.5"},
}

type textFile struct {
	path, text    string
	name, version string
	purl          string
}

var pythonFiles = []textFile{
	// pip installs a dist-info folder.
	{path: "usr/local/lib/python3.11/site-packages/PyYAML-5.3.1.dist-info/METADATA", text: `Metadata-Version: 2.1
Name: PyYAML
Version: 5.3.1
Summary: YAML parser and emitter for Python
Home-page: https://github.com/yaml/pyyaml
Author: Kirill Simonov
Author-email: xi@resolvent.net
License: MIT
Download-URL: https://pypi.org/project/PyYAML/
Platform: Any
Classifier: Development Status :: 5 - Production/Stable
Classifier: License :: OSI Approved :: MIT License
Classifier: Programming Language :: Python :: 3.8
Requires-Python: >=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*, !=3.4.*

YAML is a data serialization format designed for human readability
and interaction with scripting languages.  PyYAML is a YAML parser
and emitter for Python.
`, name: "pyyaml", version: "5.3.1"},
	{path: "usr/local/lib/python3.11/site-packages/PyYAML-5.3.1.dist-info/RECORD", text: "yaml/__init__.py,sha256=abc,12311\n"},
	// Debian's python3-six installs an egg-info file.
	{path: "usr/lib/python3/dist-packages/six-1.16.0.egg-info", text: `Metadata-Version: 2.1
Name: six
Version: 1.16.0
Summary: Python 2 and 3 compatibility utilities
Home-page: https://github.com/benjaminp/six
Author: Benjamin Peterson
License: MIT
Platform: UNKNOWN
Classifier: License :: OSI Approved :: MIT License
Requires-Python: >=2.7, !=3.0.*, !=3.1.*, !=3.2.*

.. image:: https://img.shields.io/pypi/v/six.svg
`, name: "six", version: "1.16.0"},
	{path: "usr/local/lib/python3.11/site-packages/requests-2.25.1.dist-info/METADATA", text: `Metadata-Version: 2.1
Name: requests
Version: 2.25.1
Summary: Python HTTP for Humans.
Home-page: https://requests.readthedocs.io
Author: Kenneth Reitz
Author-email: me@kennethreitz.org
License: Apache 2.0
Project-URL: Documentation, https://requests.readthedocs.io
Platform: UNKNOWN
Classifier: Development Status :: 5 - Production/Stable
Classifier: License :: OSI Approved :: Apache Software License
Requires-Python: >=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*, !=3.4.*
Description-Content-Type: text/markdown
Requires-Dist: chardet (<5,>=3.0.2)
Requires-Dist: idna (<3,>=2.5)
Requires-Dist: urllib3 (<1.27,>=1.21.1)
Requires-Dist: certifi (>=2017.4.17)
Provides-Extra: security
Requires-Dist: pyOpenSSL (>=0.14) ; extra == 'security'
Requires-Dist: cryptography (>=1.3.4) ; extra == 'security'
Provides-Extra: socks
Requires-Dist: PySocks (!=1.5.7,>=1.5.6) ; extra == 'socks'
Requires-Dist: win-inet-pton ; (sys_platform == "win32" and python_version == "2.7") and extra == 'socks'

# Requests

**Requests** is a simple, yet elegant HTTP library.
Name: not-a-header
`, name: "requests", version: "2.25.1"},
	{path: "usr/local/lib/python3.11/site-packages/requests-2.25.1.dist-info/RECORD", text: "requests/__init__.py,sha256=abc,4000\n"},
	{path: "usr/local/lib/python3.11/site-packages/typing_extensions-3.10.0.0.dist-info/METADATA", text: `Metadata-Version: 2.1
Name: typing_extensions
Version: 3.10.0.0
Summary: Backported and Experimental Type Hints for Python 3.5+
License: PSF
Classifier: License :: OSI Approved :: Python Software Foundation License
Requires-Dist: typing (>=3.7.4) ; python_version < "3.5"
`, name: "typing-extensions", version: "3.10.0.0"},
	{path: "usr/local/lib/python3.11/site-packages/Jinja2-2.11.2.egg-info/PKG-INFO", text: `Metadata-Version: 2.1
Name: Jinja2
Version: 2.11.2
Summary: A very fast and expressive template engine.
License: BSD-3-Clause
Requires-Dist: MarkupSafe>=0.23
`, name: "jinja2", version: "2.11.2"},
}

var rubyFiles = []textFile{
	{path: "usr/local/bundle/specifications/rake-13.0.6.gemspec", text: `# -*- encoding: utf-8 -*-
# stub: rake 13.0.6 ruby lib

Gem::Specification.new do |s|
  s.name = "rake".freeze
  s.version = "13.0.6"

  s.required_rubygems_version = Gem::Requirement.new(">= 1.3.2".freeze) if s.respond_to? :required_rubygems_version=
  s.metadata = { "bug_tracker_uri" => "https://github.com/ruby/rake/issues", "source_code_uri" => "https://github.com/ruby/rake/tree/v13.0.6" } if s.respond_to? :metadata=
  s.require_paths = ["lib".freeze]
  s.authors = ["Hiroshi SHIBATA".freeze, "Eric Hodel".freeze, "Jim Weirich".freeze]
  s.bindir = "exe".freeze
  s.date = "2021-07-09"
  s.description = "Rake is a Make-like program implemented in Ruby.".freeze
  s.email = ["hsbt@ruby-lang.org".freeze]
  s.executables = ["rake".freeze]
  s.homepage = "https://github.com/ruby/rake".freeze
  s.licenses = ["MIT".freeze]
  s.required_ruby_version = Gem::Requirement.new(">= 2.2".freeze)
  s.rubygems_version = "3.3.3".freeze
  s.summary = "Rake is a Make-like program implemented in Ruby".freeze

  s.installed_by_version = "3.3.3" if s.respond_to? :installed_by_version
end
`, name: "rake", version: "13.0.6", purl: "pkg:gem/rake@13.0.6"},
	{path: "usr/local/bundle/specifications/nokogiri-1.13.1-x86_64-linux.gemspec", text: `# -*- encoding: utf-8 -*-
# stub: nokogiri 1.13.1 x86_64-linux lib

Gem::Specification.new do |s|
  s.name = "nokogiri".freeze
  s.version = "1.13.1"
  s.platform = "x86_64-linux".freeze

  s.require_paths = ["lib".freeze]
  s.licenses = ["MIT".freeze]
  s.summary = "Nokogiri (\u92F8) makes it easy and painless to work with XML and HTML from Ruby.".freeze

  if s.respond_to? :specification_version then
    s.specification_version = 4
  end

  if s.respond_to? :add_runtime_dependency then
    s.add_runtime_dependency(%q<racc>.freeze, ["~> 1.4"])
    s.add_development_dependency(%q<bundler>.freeze, ["~> 2.2"])
  else
    s.add_dependency(%q<racc>.freeze, ["~> 1.4"])
    s.add_dependency(%q<bundler>.freeze, ["~> 2.2"])
  end
end
`, name: "nokogiri", version: "1.13.1", purl: "pkg:gem/nokogiri@1.13.1?platform=x86_64-linux"},
	{path: "usr/lib/ruby/gems/3.1.0/specifications/default/json-2.6.1.gemspec", text: `# -*- encoding: utf-8 -*-
Gem::Specification.new do |s|
  s.name = 'json'
  s.version = Gem::Version.new("2.6.1")
  s.licenses = ["Ruby".freeze, "BSD-2-Clause".freeze]
end
`, name: "json", version: "2.6.1", purl: "pkg:gem/json@2.6.1"},
	{path: "usr/lib/ruby/gems/3.1.0/specifications/racc-1.6.0.gemspec", text: `# -*- encoding: utf-8 -*-
# stub: racc 1.6.0 ruby lib
# This gemspec names its version only in the stub line.
Gem::Specification.new do |s|
  s.name = %q{racc}
  s.license = "Ruby"
end
`, name: "racc", version: "1.6.0", purl: "pkg:gem/racc@1.6.0"},
}

const composerJSON = `{
    "packages": [
        {
            "name": "monolog/monolog",
            "version": "2.3.5",
            "version_normalized": "2.3.5.0",
            "require": {"php": ">=7.2", "psr/log": "^1.0.1"},
            "type": "library",
            "license": ["MIT"],
            "install-path": "../monolog/monolog"
        },
        {
            "name": "psr/log",
            "version": "1.1.4",
            "version_normalized": "1.1.4.0",
            "require": {"php": ">=5.3.0"},
            "type": "library",
            "license": ["MIT"],
            "install-path": "../psr/log"
        },
        {
            "name": "phpunit/phpunit",
            "version": "v9.5.10",
            "require": {"php": ">=7.3", "ext-dom": "*"},
            "license": ["BSD-3-Clause"],
            "install-path": "../phpunit/phpunit"
        }
    ],
    "dev": true,
    "dev-package-names": ["phpunit/phpunit"]
}
`

const depsJSON = `{
  "runtimeTarget": {"name": ".NETCoreApp,Version=v3.1", "signature": ""},
  "compilationOptions": {},
  "targets": {
    ".NETCoreApp,Version=v3.1": {
      "MyApp/1.0.0": {
        "dependencies": {"Microsoft.Extensions.Logging": "3.1.0", "Newtonsoft.Json": "12.0.1"},
        "runtime": {"MyApp.dll": {}}
      },
      "Microsoft.Extensions.Logging/3.1.0": {
        "dependencies": {"Microsoft.Extensions.Logging.Abstractions": "3.1.0"},
        "runtime": {"lib/netcoreapp3.0/Microsoft.Extensions.Logging.dll": {"assemblyVersion": "3.1.0.0", "fileVersion": "3.100.19.56504"}}
      },
      "Microsoft.Extensions.Logging.Abstractions/3.1.0": {
        "runtime": {"lib/netstandard2.0/Microsoft.Extensions.Logging.Abstractions.dll": {}}
      },
      "Newtonsoft.Json/12.0.1": {
        "runtime": {"lib/netstandard2.0/Newtonsoft.Json.dll": {"assemblyVersion": "12.0.0.0", "fileVersion": "12.0.1.22727"}}
      }
    }
  },
  "libraries": {
    "MyApp/1.0.0": {"type": "project", "serviceable": false, "sha512": ""},
    "Microsoft.Extensions.Logging/3.1.0": {"type": "package", "serviceable": true, "sha512": "sha512-abc", "path": "microsoft.extensions.logging/3.1.0"},
    "Microsoft.Extensions.Logging.Abstractions/3.1.0": {"type": "package", "serviceable": true, "sha512": "sha512-def", "path": "microsoft.extensions.logging.abstractions/3.1.0"},
    "Newtonsoft.Json/12.0.1": {"type": "package", "serviceable": true, "sha512": "sha512-ghi", "path": "newtonsoft.json/12.0.1"}
  }
}
`
