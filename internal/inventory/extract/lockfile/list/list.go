// Package list names every lockfile and manifest extractor, explicitly (no
// init() registration). A command or the inventory's own list appends
// Extractors() to its extractors.
package list

import (
	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile/cargo"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile/composer"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile/gemfile"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile/gomod"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile/npm"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile/nuget"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile/pipenv"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile/pnpm"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile/poetry"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile/pom"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile/requirements"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile/uv"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile/yarn"
)

// Extractors returns a new instance of every lockfile and manifest
// extractor. Each also implements lockfile.Parser, which returns the
// entries it skipped as well.
func Extractors() []inventory.Extractor {
	return []inventory.Extractor{
		npm.New(),
		yarn.New(),
		pnpm.New(),
		requirements.New(),
		poetry.New(),
		pipenv.New(),
		uv.New(),
		gomod.New(),
		gemfile.New(),
		cargo.New(),
		composer.New(),
		nuget.New(),
		pom.New(),
	}
}
