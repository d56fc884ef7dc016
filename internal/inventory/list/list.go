// Package list holds the one explicit list of package extractors that a
// scan runs. There is no init() registration: an extractor exists for a scan
// when, and only when, it is named here (lockfile extractors are named in
// their own list, inventory/extract/lockfile/list, which this one includes).
package list

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
	lockfiles "github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile/list"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/os/apk"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/os/dpkg"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/os/rpm"
)

// Installed returns a fresh instance of every extractor of installed
// software: OS package databases first, then language packages as they lie
// in an image or root filesystem. Image scans and SBOMs run these.
func Installed() []inventory.Extractor {
	return []inventory.Extractor{
		dpkg.New(),
		apk.New(),
		rpm.New(),
		gobinary.New(),
		npm.New(),
		python.New(),
		java.New(),
		ruby.New(),
		rustaudit.New(),
		composer.New(),
		dotnet.New(),
	}
}

// Lockfiles returns a fresh instance of every lockfile and manifest
// extractor, for source trees.
func Lockfiles() []inventory.Extractor {
	return lockfiles.Extractors()
}

// Extractors returns every extractor: Installed then Lockfiles. Filesystem
// scans (a source tree or a root filesystem) run these. Names are unique
// (TestNames checks it).
func Extractors() []inventory.Extractor {
	return append(Installed(), Lockfiles()...)
}
