// Command mkinitramfs writes a folder as a Linux initramfs: an uncompressed
// cpio archive in the "newc" format the kernel unpacks into its root file
// system (Documentation/driver-api/early-userspace/buffer-format.rst).
// scripts/arm64-sensor-test.sh uses it to boot the sensor's tests in an
// arm64 virtual machine without needing the cpio tool.
//
//	mkinitramfs -o initramfs.cpio DIR
//
// Directories, regular files and symbolic links are written with their
// permission bits and modification times, owned by root. A /dev/console character device (5, 1) is added: the
// kernel opens it for init's standard streams before any devtmpfs is
// mounted, and creating it in DIR would need root. Other file types
// (devices, sockets, FIFOs) in DIR are an error.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

func main() {
	out := flag.String("o", "", "the archive to write")
	flag.Parse()
	if *out == "" || flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: mkinitramfs -o OUT DIR")
		os.Exit(2)
	}
	if err := pack(flag.Arg(0), *out); err != nil {
		fmt.Fprintln(os.Stderr, "mkinitramfs:", err)
		os.Exit(1)
	}
}

// The mode's file type bits, as cpio and stat write them.
const (
	typeDir  = 0o040000
	typeReg  = 0o100000
	typeLink = 0o120000
	typeChr  = 0o020000
)

// entry is one cpio member.
type entry struct {
	name         string // relative, no leading slash
	mode         uint32 // type and permissions
	major, minor uint32 // of a device
	src          string // file to copy, for a regular file
	size         int64
	link         string // a symbolic link's target
	mtime        int64  // seconds since the epoch
}

// pack writes the files below dir to out.
func pack(dir, out string) error {
	var entries []entry
	seenDev := false
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil || rel == "." {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		e := entry{name: filepath.ToSlash(rel), mode: uint32(info.Mode().Perm()), mtime: info.ModTime().Unix()}
		switch {
		case info.Mode().IsDir():
			e.mode |= typeDir
			seenDev = seenDev || e.name == "dev"
		case info.Mode().IsRegular():
			e.mode |= typeReg
			e.src, e.size = p, info.Size()
		case info.Mode()&fs.ModeSymlink != 0:
			e.mode |= typeLink
			if e.link, err = os.Readlink(p); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%s: %v is not a file, folder or link", p, info.Mode().Type())
		}
		if info.Mode()&fs.ModeSetuid != 0 {
			e.mode |= 0o4000
		}
		entries = append(entries, e)
		return nil
	})
	if err != nil {
		return err
	}
	if !seenDev {
		entries = append(entries, entry{name: "dev", mode: typeDir | 0o755})
	}
	entries = append(entries, entry{name: "dev/console", mode: typeChr | 0o600, major: 5, minor: 1})
	sort.Slice(entries, func(i, j int) bool { return entries[i].name < entries[j].name })

	f, err := os.Create(out)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for i, e := range entries {
		if err := write(w, e, uint32(i+1)); err != nil {
			f.Close()
			return err
		}
	}
	if err := write(w, entry{name: "TRAILER!!!"}, 0); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// write appends one newc header, the name and the contents, each padded
// to 4 bytes.
func write(w *bufio.Writer, e entry, ino uint32) error {
	size := e.size
	if e.link != "" {
		size = int64(len(e.link))
	}
	if size > 0xffffffff {
		return fmt.Errorf("%s: %d bytes is more than newc can hold", e.name, size)
	}
	nlink := uint32(1)
	if e.mode&0o170000 == typeDir {
		nlink = 2
	}
	// magic, ino, mode, uid, gid, nlink, mtime, filesize, devmajor,
	// devminor, rdevmajor, rdevminor, namesize, check
	hdr := fmt.Sprintf("070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x",
		ino, e.mode, 0, 0, nlink, uint32(e.mtime), size, 0, 0, e.major, e.minor, len(e.name)+1, 0)
	w.WriteString(hdr)
	w.WriteString(e.name)
	w.WriteByte(0)
	pad(w, len(hdr)+len(e.name)+1)
	switch {
	case e.link != "":
		w.WriteString(e.link)
	case e.src != "":
		src, err := os.Open(e.src)
		if err != nil {
			return err
		}
		n, err := io.Copy(w, src)
		src.Close()
		if err != nil {
			return err
		}
		if n != e.size {
			return fmt.Errorf("%s changed while it was written (%d bytes, not %d)", e.src, n, e.size)
		}
	}
	pad(w, int(size))
	return nil
}

// pad writes the zero bytes that bring n to a multiple of 4.
func pad(w *bufio.Writer, n int) {
	for ; n%4 != 0; n++ {
		w.WriteByte(0)
	}
}
