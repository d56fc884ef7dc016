// Package vulndb keeps OSV vulnerability records in a local bbolt file and
// answers, for a scan, which records name a package.
//
// The database is built from the osv.dev bulk export layout
// (<BASE>/<ECOSYSTEM>/all.zip and modified_id.csv), from a local folder or
// zip in that layout, or from a folder of OSV JSON files. Records are
// indexed by ecosystem (without its release suffix, so "Debian:12" is
// "Debian") and by normalised package name.
//
// Scans open the file read-only (Open); bbolt's shared lock lets any number
// of readers in at once. Update and Import never write the live file: they
// build a new file beside it and rename it over the old one, so a reader
// that holds the old file keeps a consistent snapshot and no reader ever
// waits for a writer. A failed or cut update leaves the old file in place.
//
// Export writes the whole database as one zip in the export layout, which
// Import reads on the other side of an air gap.
package vulndb
