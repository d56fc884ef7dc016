// Package list holds the one explicit list of package extractors that a
// scan runs. There is no init() registration: an extractor exists for a scan
// when, and only when, it is named here.
package list

import (
	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/os/apk"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/os/dpkg"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/os/rpm"
)

// Extractors returns a fresh instance of every extractor, OS package
// databases first. Names are unique (TestNames checks it).
func Extractors() []inventory.Extractor {
	return []inventory.Extractor{
		dpkg.New(),
		apk.New(),
		rpm.New(),
	}
}
