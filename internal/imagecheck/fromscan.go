package imagecheck

import (
	"strings"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/image"
	"github.com/bulkhead-sec/bulkhead/internal/scan"
)

// FromScan builds the Input for an image opened from ref and scanned with
// scan.Options.CollectFiles set, so that a command runs the checks with
// imagecheck.Check(imagecheck.FromScan(ref, img, res, time.Now())).
func FromScan(ref string, img *image.Image, res *scan.Result, now time.Time) *Input {
	in := &Input{Now: now}
	in.Name, in.Tag = SplitRef(ref)
	if img != nil {
		in.Config = img.ConfigFile
	}
	if res == nil {
		return in
	}
	if r := res.Report; r != nil {
		in.Layers = r.Target.Layers
		in.OS = r.Target.OS
		in.Packages = r.Packages
	}
	in.Files = make([]File, len(res.Files))
	for i, f := range res.Files {
		in.Files[i] = File{Path: f.Path, Mode: f.Mode, Size: f.Size, Uid: f.Uid, Gid: f.Gid, Layer: f.Layer, Linkname: f.Linkname}
	}
	return in
}

// SplitRef returns the repository and tag of a REF that names an image by
// reference (docker:, registry: or a bare name): "docker:nginx" gives
// ("nginx", ""), "registry:host:5000/app:1.2" gives ("host:5000/app",
// "1.2"), a digest reference keeps its digest in the name. Sources whose
// reference is a file or directory give ("", ""), which skips the tag check.
func SplitRef(ref string) (name, tag string) {
	kind, rest, err := image.ParseRef(ref)
	if err != nil {
		return "", ""
	}
	switch kind {
	case image.SourceDaemon, image.SourceRegistry, "":
	default:
		return "", ""
	}
	if strings.Contains(rest, "@") {
		return rest, ""
	}
	if i := strings.LastIndex(rest, ":"); i >= 0 && !strings.Contains(rest[i:], "/") {
		return rest[:i], rest[i+1:]
	}
	return rest, ""
}
