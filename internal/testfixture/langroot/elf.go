package langroot

import (
	"bytes"
	"encoding/binary"
)

// Section is one named section for ELF.
type Section struct {
	Name string
	Data []byte
}

// ELF returns a minimal little-endian x86-64 ELF executable holding the
// given sections (of type PROGBITS) plus a section-name table. It has no
// program headers and no code: it is what debug/elf and extractors that
// look for sections need, built without any external tool.
func ELF(sections ...Section) []byte {
	const (
		ehsize    = 64
		shentsize = 64
	)
	// Section name table: "\0" then each name.
	shstr := []byte{0}
	nameOff := make([]uint32, len(sections))
	for i, s := range sections {
		nameOff[i] = uint32(len(shstr))
		shstr = append(shstr, s.Name...)
		shstr = append(shstr, 0)
	}
	shstrOff := uint32(len(shstr))
	shstr = append(shstr, ".shstrtab\x00"...)

	var body bytes.Buffer
	body.Write(make([]byte, ehsize))
	dataOff := make([]uint64, len(sections))
	for i, s := range sections {
		dataOff[i] = uint64(body.Len())
		body.Write(s.Data)
	}
	shstrPos := uint64(body.Len())
	body.Write(shstr)
	for body.Len()%8 != 0 {
		body.WriteByte(0)
	}
	shoff := uint64(body.Len())
	le := binary.LittleEndian
	sh := func(name, typ uint32, off, size uint64) {
		var b [shentsize]byte
		le.PutUint32(b[0:], name)
		le.PutUint32(b[4:], typ)
		le.PutUint64(b[24:], off)
		le.PutUint64(b[32:], size)
		le.PutUint64(b[48:], 1) // addralign
		body.Write(b[:])
	}
	sh(0, 0, 0, 0) // SHN_UNDEF
	for i, s := range sections {
		sh(nameOff[i], 1 /* SHT_PROGBITS */, dataOff[i], uint64(len(s.Data)))
	}
	sh(shstrOff, 3 /* SHT_STRTAB */, shstrPos, uint64(len(shstr)))

	out := body.Bytes()
	h := out[:ehsize]
	copy(h, "\x7fELF")
	h[4] = 2                 // ELFCLASS64
	h[5] = 1                 // ELFDATA2LSB
	h[6] = 1                 // EV_CURRENT
	le.PutUint16(h[16:], 2)  // ET_EXEC
	le.PutUint16(h[18:], 62) // EM_X86_64
	le.PutUint32(h[20:], 1)
	le.PutUint64(h[40:], shoff)
	le.PutUint16(h[52:], ehsize)
	le.PutUint16(h[58:], shentsize)
	le.PutUint16(h[60:], uint16(len(sections)+2))
	le.PutUint16(h[62:], uint16(len(sections)+1))
	return out
}
