// Package lang lists the extractors of installed language packages: Go and
// cargo-auditable Rust binaries, node_modules, Python dist-info/egg-info,
// Java archives, Ruby gemspecs, Composer installed.json and .NET
// deps.json. Each lives in its own sub-package; this package only names
// them, in one explicit list.
package lang

import (
	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lang/composer"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lang/dotnet"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lang/gobinary"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lang/java"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lang/npm"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lang/python"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lang/ruby"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lang/rustaudit"
)

// Extractors returns a new instance of every installed-language-package
// extractor.
func Extractors() []inventory.Extractor {
	return []inventory.Extractor{
		gobinary.New(),
		rustaudit.New(),
		npm.New(),
		python.New(),
		java.New(),
		ruby.New(),
		composer.New(),
		dotnet.New(),
	}
}
