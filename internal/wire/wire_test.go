package wire

import (
	"encoding/binary"
	"errors"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	var b []byte
	b = binary.AppendUvarint(b, 3)
	b = binary.AppendVarint(b, -42)
	b = AppendString(b, "héllo")
	b = append(b, 7)
	d := NewDecoder(b, nil)
	if got := d.Count(); got != 3 {
		t.Errorf("Count = %d", got)
	}
	if got := d.Varint(); got != -42 {
		t.Errorf("Varint = %d", got)
	}
	if got := d.Str(); got != "héllo" {
		t.Errorf("String = %q", got)
	}
	if got := d.Byte(); got != 7 {
		t.Errorf("Byte = %d", got)
	}
	if d.Err() != nil || d.Len() != 0 {
		t.Errorf("err %v, %d bytes left", d.Err(), d.Len())
	}
}

func TestCorrupt(t *testing.T) {
	mine := errors.New("mine")
	for name, b := range map[string][]byte{
		"empty":       nil,
		"long string": binary.AppendUvarint(nil, 1000),
		"huge count":  binary.AppendUvarint(nil, 1<<40),
		"bad varint":  {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
	} {
		d := NewDecoder(b, mine)
		d.Count()
		d.Str()
		d.Byte()
		if !errors.Is(d.Err(), mine) {
			t.Errorf("%s: err = %v, want the caller's sentinel", name, d.Err())
		}
		if d.Str() != "" || d.Uvarint() != 0 {
			t.Errorf("%s: reads after an error return values", name)
		}
	}
}

func FuzzDecoder(f *testing.F) {
	f.Add([]byte{3, 1, 'a', 0x83})
	f.Fuzz(func(t *testing.T, b []byte) {
		d := NewDecoder(b, nil)
		for i := 0; i < 64 && d.Err() == nil; i++ {
			switch i % 5 {
			case 0:
				d.Count()
			case 1:
				d.Str()
			case 2:
				d.Varint()
			case 3:
				d.Byte()
			case 4:
				d.Int()
			}
		}
	})
}
