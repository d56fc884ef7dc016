package audit

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/secret"
)

// SecretOptions bound the scan of files mounted into containers.
type SecretOptions struct {
	// Mounts enables reading bind-mounted host files and directories.
	Mounts bool
	// MaxFilesPerMount bounds how many files of one mounted directory are
	// read (0 means 500).
	MaxFilesPerMount int
	// MaxDepth bounds how deep a mounted directory is walked (0 means 6).
	MaxDepth int
	// Container limits the scan to the container --container names (name,
	// id or id prefix); empty means every running container.
	Container string
}

// Secrets scans every container's environment (and, with opts.Mounts, the
// files bind-mounted into it) with the secret rules. Findings are redacted
// by the scanner; their Location names the container and the path
// "env:NAME" or the file's path inside the container, with the host path
// in Location.Object. Mounted paths that cannot be read are returned as
// warnings.
func Secrets(ctx context.Context, facts *Facts, sc *secret.Scanner, opts SecretOptions) ([]finding.Finding, []string) {
	var out []finding.Finding
	var warnings []string
	for i := range facts.Containers {
		c := &facts.Containers[i]
		if opts.Container != "" && !matchContainer(c, opts.Container) {
			continue
		}
		for _, kv := range c.Config.Env {
			name, _, _ := strings.Cut(kv, "=")
			for _, f := range sc.ScanText("env:"+name, kv) {
				f.Location.ContainerID, f.Location.ContainerName = c.ID, c.DisplayName()
				out = append(out, f)
			}
		}
		if !opts.Mounts {
			continue
		}
		for _, m := range c.Mounts {
			if m.Type != "bind" || m.Source == "" || skipMountSource(m.Source) {
				continue
			}
			fs, w := scanMount(ctx, sc, m, opts)
			for _, f := range fs {
				f.Location.ContainerID, f.Location.ContainerName = c.ID, c.DisplayName()
				out = append(out, f)
			}
			for _, s := range w {
				warnings = append(warnings, fmt.Sprintf("container %q: %s", c.DisplayName(), s))
			}
		}
	}
	return out, warnings
}

// skipMountSource says whether a bind source is a whole system tree that a
// secret scan should not walk (CIS 5.6 reports those mounts).
func skipMountSource(src string) bool {
	switch src {
	case "/", "/proc", "/sys", "/dev", "/boot", "/usr", "/lib", "/var", "/run", "/var/run":
		return true
	}
	return strings.HasPrefix(src, "/proc/") || strings.HasPrefix(src, "/sys/") || strings.HasPrefix(src, "/dev/")
}

func scanMount(ctx context.Context, sc *secret.Scanner, m Mount, opts SecretOptions) ([]finding.Finding, []string) {
	maxFiles := opts.MaxFilesPerMount
	if maxFiles <= 0 {
		maxFiles = 500
	}
	maxDepth := opts.MaxDepth
	if maxDepth <= 0 {
		maxDepth = 6
	}
	var out []finding.Finding
	var warnings []string
	files := 0
	scanFile := func(hostPath, ctrPath string, fi fs.FileInfo) {
		rel := strings.TrimPrefix(path.Clean(ctrPath), "/")
		if !sc.Required(rel, fi.Mode(), fi.Size()) {
			return
		}
		files++
		fh, err := os.Open(hostPath)
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("open mounted file %q: %v", hostPath, err))
			return
		}
		defer fh.Close()
		fs, err := sc.Analyze(ctx, &inventory.Input{Path: rel, Mode: fi.Mode(), Size: fi.Size(), Reader: fh})
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("scan mounted file %q: %v", hostPath, err))
			return
		}
		for _, f := range fs {
			f.Location.Path = "/" + rel
			f.Location.Object = "host:" + hostPath
			out = append(out, f)
		}
	}
	fi, err := os.Lstat(m.Source)
	if err != nil {
		return nil, []string{fmt.Sprintf("stat mount source %q: %v", m.Source, err)}
	}
	if fi.Mode().IsRegular() {
		scanFile(m.Source, m.Destination, fi)
		return out, warnings
	}
	if !fi.IsDir() {
		return nil, nil
	}
	root := filepath.Clean(m.Source)
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("walk mount source %q: %v", p, err))
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			if rel != "." && strings.Count(rel, string(filepath.Separator))+1 > maxDepth {
				return fs.SkipDir
			}
			return nil
		}
		if files >= maxFiles {
			warnings = append(warnings, fmt.Sprintf("mount source %q: more than %d files, the rest not scanned", root, maxFiles))
			return fs.SkipAll
		}
		if !d.Type().IsRegular() { // symlinks, sockets, devices: not followed
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		scanFile(p, path.Join(m.Destination, filepath.ToSlash(rel)), info)
		return nil
	})
	if err != nil && ctx.Err() != nil {
		warnings = append(warnings, fmt.Sprintf("walk mount source %q: %v", root, err))
	}
	return out, warnings
}
