// Package scan is bulkhead's scan orchestrator: it walks every layer of an
// image (or one directory) once, hands each wanted file to the package
// extractors and file analyzers that ask for it, caches each layer's
// results by diff id, merges the layers into the final filesystem (for
// packages) while keeping every layer's findings (with the layer that added
// and the layer that removed each file), detects the OS and fills a
// report.Report.
//
// A command calls Image (scan image, sbom) or Dir (scan fs) with Options
// naming the extractors and analyzers.
package scan
